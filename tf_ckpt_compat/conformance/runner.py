"""Runs a scenario through one implementation and returns everything observable.

The same function runs TensorFlow's implementation and this package's; two
traces are equal when the implementations behave the same. A trace is a list
of tuples in the order things happened, with the run's directory written as
`<dir>` (`<root>` for layouts and writer cases). Iterator traces carry times,
in fake seconds from the start:

  ("log", t, level, message)          a record on the `tensorflow` logger
  ("timeout_fn", t, result)           a call of timeout_fn and what it returned
  ("yield", t, path)                  a checkpoint yielded
  ("return", t, value)                wait_for_new_checkpoint's result
  ("end", t) / ("closed", t)          the iterator ended / the consumer closed it
  ("raise", t, class name, message)   an exception out of the function
  ("limit", t)                        still waiting when the fake clock's limit came

Layout and writer traces have no times, and also:

  ("result", call, value)             what a call returned (states as field tuples)
  ("file", name, content)             a file's bytes after the call
  ("listing", names)                  the files in the directory after the call
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import pathlib
import re

from .._errors import describe
from .._storage import for_path
from ..testing import CheckpointDirectory, ClockLimitReached, FakeClock
from . import checkpoints
from .iterator_scenarios import IteratorScenario
from .layouts import Layout
from .reader_cases import ReaderCase
from .writer_cases import WriterCase

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterator
    from typing import Any

# A realistic epoch, so that timestamps written into state files look like real ones.
START = 1_700_000_000.0


class _Recorder(logging.Handler):
    def __init__(
        self,
        trace: list[tuple[object, ...]],
        clock: FakeClock | None,
        normalize: Callable[[str], str],
    ) -> None:
        super().__init__(logging.DEBUG)
        self.trace, self.clock, self.normalize = trace, clock, normalize

    def emit(self, record: logging.LogRecord) -> None:
        message = self.normalize(record.getMessage())
        if _is_deprecation_notice(message):
            return
        when = () if self.clock is None else (self.clock.now - START,)
        self.trace.append(("log", *when, record.levelname, message))


def _is_deprecation_notice(message: str) -> bool:
    # TensorFlow's one-time notice for its deprecated v1 functions names the
    # caller's file and line; this package deliberately does not log it.
    return message.startswith("From ") and "is deprecated and will be removed" in message


def exception_event(e: BaseException, normalize: Callable[[str], str]) -> tuple[str, str, str]:
    """`("raise", class, message)`, with pure OSErrors named as TensorFlow names them."""
    if isinstance(e, OSError):
        name, message = describe(e, e.filename)
    else:
        name, message = type(e).__name__, str(e)
    # Temporary file names are random in both implementations.
    message = re.sub(r"\.tmp[0-9a-f]{32}", ".tmp<random>", normalize(message))
    return ("raise", name, message)


def state_fields(state: object) -> tuple[str, list[str], list[str], str] | None:
    """A checkpoint state (ours or TensorFlow's proto) as comparable values."""
    if state is None:
        return None
    return (
        state.model_checkpoint_path,  # type: ignore[attr-defined]
        list(state.all_model_checkpoint_paths),  # type: ignore[attr-defined]
        # repr, so that NaN equals NaN and -0.0 differs from 0.0.
        [repr(float(t)) for t in state.all_model_checkpoint_timestamps],  # type: ignore[attr-defined]
        repr(float(state.last_preserved_timestamp)),  # type: ignore[attr-defined]
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


def _timeout_fn(
    scenario: IteratorScenario, trace: list[tuple[object, ...]], clock: FakeClock
) -> Callable[[], object] | None:
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


# Event name -> the CheckpointDirectory method that does it, and its keywords.
_ACTIONS: dict[str, tuple[str, dict[str, object]]] = {
    "mkdir": ("mkdir", {}),
    "publish": ("publish", {}),
    "publish_state": ("publish", {"files": False}),
    "write_files": ("write_files", {}),
    "delete_files": ("delete_files", {}),
    "write_state": ("write_state", {}),
    "empty_state": ("empty_state", {}),
    "delete_state": ("delete_state", {}),
}


def run_iterator_scenario(
    scenario: IteratorScenario,
    functions: dict[str, Callable[..., object]],
    root: str | os.PathLike[str],
) -> list[tuple[object, ...]]:
    """Runs `scenario` with `functions["checkpoints_iterator"]` or `["wait_for_new_checkpoint"]`.

    Args:
      scenario: what happens, when, and how the function is called.
      functions: the implementation under test, by name.
      root: an empty directory of the caller's, local or a URL of any storage;
        the watched directory is `<root>/run`.

    Returns:
      The trace (see the module docstring).
    """
    directory = os.path.join(os.fspath(root), "run")
    run = CheckpointDirectory(directory)

    def normalize(text: str) -> str:
        return text.replace(directory, "<dir>")

    trace: list[tuple[object, ...]] = []
    with (
        FakeClock(start=START, limit=scenario.limit) as clock,
        recording_logs(_Recorder(trace, clock, normalize)),
    ):
        for when, action, *args in scenario.events:
            method, keywords = _ACTIONS[action]
            clock.at(START + when, functools.partial(getattr(run, method), *args, **keywords))
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
            trace.append(("raise", clock.now - START, *exception_event(e, normalize)[1:]))
    return trace


def _consume(
    scenario: IteratorScenario,
    checkpoints_iterator: Callable[..., Any],
    watched: str | os.PathLike[str],
    trace: list[tuple[object, ...]],
    clock: FakeClock,
    normalize: Callable[[str], str],
) -> None:
    timeout_fn = _timeout_fn(scenario, trace, clock)
    kwargs: dict[str, object] = dict(scenario.kwargs)
    if timeout_fn is not None:
        kwargs["timeout_fn"] = timeout_fn
    iterator: Generator[str, None, None] = checkpoints_iterator(watched, **kwargs)
    delays = list(scenario.consumer_delays)
    for count, path in enumerate(iterator, start=1):
        trace.append(("yield", clock.now - START, normalize(path)))
        if count == scenario.take:
            iterator.close()
            trace.append(("closed", clock.now - START))
            return
        clock.advance(delays.pop(0) if len(delays) > 1 else delays[0])
    trace.append(("end", clock.now - START))


def _normalizer(root: str) -> Callable[[str], str]:
    return lambda text: text.replace(root, "<root>")


def _call(
    trace: list[tuple[object, ...]],
    label: str,
    normalize: Callable[[str], str],
    convert: Callable[[object], object],
    fn: Callable[..., object],
    *args: object,
    **kwargs: object,
) -> None:
    """Calls `fn` and records what it returned (through `convert`) or raised."""
    try:
        result = fn(*args, **kwargs)
    except Exception as e:  # recorded, as TensorFlow's would be
        trace.append(exception_event(e, normalize))
    else:
        trace.append(("result", label, _normalize_value(convert(result), normalize)))


def build_layout(layout: Layout, root: str) -> None:
    """Creates `layout`'s files and directories under `root`, on any storage."""
    storage = for_path(root)
    storage.makedirs(root)
    for relative, content in layout.files.items():
        path = os.path.join(root, relative)
        if isinstance(content, str):
            storage.write(path, content.replace("<root>", root).encode())
        elif isinstance(content, bytes):
            storage.write(path, content)
        else:  # layouts.DIR
            storage.makedirs(path)


def run_layout(
    layout: Layout,
    functions: dict[str, Callable[..., object]],
    root: str | os.PathLike[str],
) -> list[tuple[object, ...]]:
    """Calls `get_checkpoint_state` and `latest_checkpoint` on `layout`; returns the trace.

    The layout is built under `root`: a local directory, or a URL of any storage.
    """
    root = os.fspath(root)
    build_layout(layout, root)
    directory: str | os.PathLike[str] = os.path.join(root, layout.directory)
    if layout.pathlike:
        directory = pathlib.Path(directory)
    normalize = _normalizer(root)
    trace: list[tuple[object, ...]] = []
    with recording_logs(_Recorder(trace, None, normalize)):
        _call(
            trace,
            "get_checkpoint_state",
            normalize,
            state_fields,
            functions["get_checkpoint_state"],
            directory,
            layout.latest_filename,
        )
        _call(
            trace,
            "latest_checkpoint",
            normalize,
            lambda path: path,
            functions["latest_checkpoint"],
            directory,
            layout.latest_filename,
        )
    return trace


def _normalize_value(value: object, normalize: Callable[[str], str]) -> object:
    if isinstance(value, str):
        return normalize(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_normalize_value(v, normalize) for v in value)
    return value


def run_writer_case(
    case: WriterCase, functions: dict[str, Callable[..., object]], root: str | os.PathLike[str]
) -> list[tuple[object, ...]]:
    """Calls `generate_checkpoint_state_proto` and `update_checkpoint_state` with `case`.

    `functions["update_checkpoint_state"]` takes keyword arguments only, among them
    `save_relative_paths`. The working directory is `root` during the calls.
    """
    root = os.fspath(root)
    os.makedirs(os.path.join(root, "run"), exist_ok=True)
    names = (
        "save_dir",
        "model_checkpoint_path",
        "all_model_checkpoint_paths",
        "latest_filename",
        "all_model_checkpoint_timestamps",
        "last_preserved_timestamp",
    )
    kwargs: dict[str, object] = {name: None for name in names[2:]}
    kwargs.update(zip(names, case.args), **case.kwargs)
    kwargs = {k: _substitute(v, root) for k, v in kwargs.items()}
    normalize = _normalizer(root)
    trace: list[tuple[object, ...]] = []
    saved_cwd = os.getcwd()
    os.chdir(root)
    try:
        with recording_logs(_Recorder(trace, None, normalize)):
            for name in ("generate_checkpoint_state_proto", "update_checkpoint_state"):
                call_kwargs = {k: _copy(v) for k, v in kwargs.items()}
                convert: Callable[[object], object]
                if name == "generate_checkpoint_state_proto":
                    del call_kwargs["latest_filename"]
                    convert = state_fields
                else:
                    call_kwargs["save_relative_paths"] = case.save_relative_paths
                    convert = repr
                _call(trace, name, normalize, convert, functions[name], **call_kwargs)
                paths = call_kwargs.get("all_model_checkpoint_paths")
                trace.append(("caller_list", _normalize_value(paths, normalize)))
    finally:
        os.chdir(saved_cwd)
    for directory, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            path = os.path.join(directory, name)
            with open(path, "rb") as f:
                content = f.read().replace(root.encode(), b"<root>")
            trace.append(("file", normalize(path), content))
    return trace


def _substitute(value: object, root: str) -> object:
    if isinstance(value, str):
        return value.replace("{root}", root)
    if isinstance(value, list):
        return [_substitute(v, root) for v in value]
    return value


def _copy(value: object) -> object:
    # Each call gets its own list: TensorFlow appends to the caller's.
    return list(value) if isinstance(value, list) else value


# --- reader cases -------------------------------------------------------------------------


def value_facts(value: object) -> tuple[object, ...]:
    """A tensor value as comparable facts: its type, and dtype, shape, writability and a
    digest of the exact bytes (object arrays: of their items)."""
    import hashlib

    kind = f"{type(value).__module__}.{type(value).__qualname__}"
    if hasattr(value, "dtype") and hasattr(value, "tobytes"):
        array: Any = value
        is_object = str(array.dtype) == "object"
        content = repr(array.tolist()).encode() if is_object else array.tobytes()
        digest = hashlib.sha256(content).hexdigest()[:16]
        shape = getattr(array, "shape", ())
        writeable = bool(array.flags.writeable) if hasattr(array, "flags") else None
        return (kind, str(array.dtype), tuple(shape), writeable, len(content), digest)
    return (kind, repr(value))


def outcome(call: Callable[[], object], normalize: Callable[[str], str]) -> tuple[object, ...]:
    """("value", facts) of what `call()` returns, or ("raise", class, message)."""
    try:
        return ("value", value_facts(call()))
    except Exception as e:  # recorded, as TensorFlow's would be
        return exception_event(e, normalize)


def run_reader_case(
    case: ReaderCase, functions: dict[str, Callable[..., Any]], root: str | os.PathLike[str]
) -> list[tuple[object, ...]]:
    """Reads `case`'s checkpoint through `functions`; returns the trace."""
    root = os.fspath(root)
    directory = os.path.join(root, "run")
    prefix = checkpoints.copy_of(case.checkpoint, directory)
    if case.damage is not None:
        checkpoints.damage(prefix, case.damage, case.targets)
    where = directory if case.through_directory else prefix
    normalize = _normalizer(root)
    trace: list[tuple[object, ...]] = []
    names: list[str] = []
    try:
        listing = functions["list_variables"](where)
    except Exception as e:  # recorded, as TensorFlow's would be
        trace.append(("list_variables", *exception_event(e, normalize)))
    else:
        names = [name for name, _ in listing]
        trace.append(("list_variables", listing))
    try:
        reader = functions["load_checkpoint"](where)
    except Exception as e:  # recorded, as TensorFlow's would be
        trace.append(("load_checkpoint", *exception_event(e, normalize)))
        return trace
    trace.append(("shapes", sorted(reader.get_variable_to_shape_map().items())))
    dtypes = reader.get_variable_to_dtype_map()
    trace.append(("dtypes", sorted((k, v.name, repr(v), str(v)) for k, v in dtypes.items())))
    trace.append(("debug_string", reader.debug_string()))
    load = functions["load_variable"]
    for name in (*names, *case.targets):
        value = outcome(functools.partial(reader.get_tensor, name), normalize)
        trace.append(("get_tensor", name, *value, reader.has_tensor(name)))
    for name in case.targets:
        value = outcome(functools.partial(load, where, name), normalize)
        trace.append(("load_variable", name, *value))
    return trace
