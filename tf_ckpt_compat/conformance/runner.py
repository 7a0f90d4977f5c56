"""Runs a scenario through one implementation and returns everything observable.

The same function runs TensorFlow's implementation and this package's; two
traces are equal when the implementations behave the same. A trace is a list
of tuples in the order things happened, with times in fake seconds from the
start and the run's directory written as `<dir>`:

  ("log", t, level, message)          a record on the `tensorflow` logger
  ("timeout_fn", t, result)           a call of timeout_fn and what it returned
  ("yield", t, path)                  a checkpoint yielded
  ("return", t, value)                wait_for_new_checkpoint's result
  ("end", t) / ("closed", t)          the iterator ended / the consumer closed it
  ("raise", t, class name, message)   an exception out of the function
  ("limit", t)                        still waiting when the fake clock's limit came
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import pathlib

from ..testing import CheckpointDirectory, ClockLimitReached, FakeClock
from .iterator_scenarios import IteratorScenario

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

# A realistic epoch, so that timestamps written into state files look like real ones.
START = 1_700_000_000.0


class _Recorder(logging.Handler):
    def __init__(self, trace: list, clock: FakeClock, normalize: Callable[[str], str]) -> None:
        super().__init__(logging.DEBUG)
        self.trace, self.clock, self.normalize = trace, clock, normalize

    def emit(self, record: logging.LogRecord) -> None:
        self.trace.append(
            ("log", self.clock.now - START, record.levelname, self.normalize(record.getMessage()))
        )


@contextlib.contextmanager
def recording_logs(handler: logging.Handler) -> Iterator[None]:
    """Attaches `handler` to the `tensorflow` logger at DEBUG, restoring it afterwards."""
    logger = logging.getLogger("tensorflow")
    saved = logger.level, logger.propagate
    logger.setLevel(logging.DEBUG)
    logger.propagate = False  # keep the run's records out of the test's own output
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


class _FalsyCallable:
    def __init__(self, fn: Callable[[], object]) -> None:
        self.fn = fn

    def __call__(self) -> object:
        return self.fn()

    def __bool__(self) -> bool:
        return False


class ScriptedTimeoutError(RuntimeError):
    """What a scripted timeout_fn raises when its script says "raise"."""


def _timeout_fn(scenario: IteratorScenario, trace: list, clock: FakeClock):
    if scenario.timeout_fn is None:
        return None
    results = list(scenario.timeout_fn)

    def timeout_fn() -> object:
        result = results.pop(0) if len(results) > 1 else results[0]
        trace.append(("timeout_fn", clock.now - START, repr(result)))
        if result == "raise":
            raise ScriptedTimeoutError("timeout_fn failed")
        return result

    return _FalsyCallable(timeout_fn) if scenario.timeout_fn_falsy else timeout_fn


_ACTIONS = {
    "mkdir": CheckpointDirectory.mkdir,
    "publish": CheckpointDirectory.publish,
    "publish_state": functools.partial(CheckpointDirectory.publish, files=False),
    "write_files": CheckpointDirectory.write_files,
    "delete_files": CheckpointDirectory.delete_files,
    "write_state": CheckpointDirectory.write_state,
    "empty_state": CheckpointDirectory.empty_state,
    "delete_state": CheckpointDirectory.delete_state,
}


def run_iterator_scenario(
    scenario: IteratorScenario,
    functions: dict[str, Callable[..., object]],
    root: str | os.PathLike,
) -> list[tuple]:
    """Runs `scenario` with `functions["checkpoints_iterator"]` or `["wait_for_new_checkpoint"]`.

    Args:
      scenario: what happens, when, and how the function is called.
      functions: the implementation under test, by name.
      root: an empty directory of the caller's; the watched directory is `<root>/run`.

    Returns:
      The trace (see the module docstring).
    """
    directory = os.path.join(os.fspath(root), "run")
    run = CheckpointDirectory(directory)

    def normalize(text: str) -> str:
        return text.replace(directory, "<dir>")

    trace: list[tuple] = []
    with FakeClock(start=START, limit=scenario.limit) as clock, recording_logs(
        _Recorder(trace, clock, normalize)
    ):
        for when, action, *args in scenario.events:
            clock.at(START + when, functools.partial(_ACTIONS[action], run, *args))
        clock.advance(0)
        watched = pathlib.Path(directory) if scenario.pathlike else directory
        try:
            if scenario.function == "wait_for_new_checkpoint":
                last = None if scenario.wait_last is None else run.prefix(scenario.wait_last)
                result = functions[scenario.function](watched, last, **scenario.kwargs)
                trace.append(("return", clock.now - START, normalize(str(result))))
            else:
                _consume(scenario, functions[scenario.function], watched, trace, clock, normalize)
        except ClockLimitReached:
            trace.append(("limit", clock.now - START))
        except Exception as e:  # the trace records whatever escapes, as TensorFlow's would
            trace.append(("raise", clock.now - START, type(e).__name__, normalize(str(e))))
    return trace


def _consume(scenario, checkpoints_iterator, watched, trace, clock, normalize) -> None:
    timeout_fn = _timeout_fn(scenario, trace, clock)
    kwargs = dict(scenario.kwargs)
    if timeout_fn is not None:
        kwargs["timeout_fn"] = timeout_fn
    iterator = checkpoints_iterator(watched, **kwargs)
    delays = list(scenario.consumer_delays)
    for count, path in enumerate(iterator, start=1):
        trace.append(("yield", clock.now - START, normalize(path)))
        if count == scenario.take:
            iterator.close()
            trace.append(("closed", clock.now - START))
            return
        clock.advance(delays.pop(0) if len(delays) > 1 else delays[0])
    trace.append(("end", clock.now - START))
