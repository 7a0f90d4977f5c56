"""Tools for testing code that follows checkpoints: a fake clock and a scripted directory.

Neither needs TensorFlow, and both work the same whether the code under test
calls this package or TensorFlow itself, because both call `time.time()` and
`time.sleep()` through the `time` module at call time::

    from tf_ckpt_compat import checkpoints_iterator
    from tf_ckpt_compat.testing import CheckpointDirectory, FakeClock

    def test_my_eval_loop(tmp_path):
        run = CheckpointDirectory(tmp_path)
        with FakeClock() as clock:
            clock.at(5, lambda: run.publish(100))
            clock.at(9, lambda: run.publish(200))
            seen = [(clock.now, p) for p in checkpoints_iterator(tmp_path, timeout=10)]
        assert seen == [(5.0, run.prefix(100)), (9.0, run.prefix(200))]
        assert clock.now == 19.0  # ten seconds without a new checkpoint

Scheduled events run inside `time.sleep()` (the iterator's polling sleep) and
inside `FakeClock.advance()` (a consumer that takes time), at their own times,
in order.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import time

from ._storage import for_path
from ._storage.paths import state_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import SupportsIndex


class ClockLimitReached(Exception):
    """Raised from `time.sleep()` when a `FakeClock` passes its `limit`.

    It stops a loop that would otherwise wait forever, such as an iterator with
    no timeout after its last checkpoint.
    """


class FakeClock:
    """Replaces `time.time` and `time.sleep` with a deterministic clock.

    Use it as a context manager; on exit the real functions are restored.
    `time.sleep(s)` returns at once after moving the clock `s` seconds forward
    and running every event scheduled up to then.

    Args:
      start: the value of `time.time()` on entry.
      limit: if set, a `time.sleep()` that would move the clock past `start +
        limit` raises `ClockLimitReached` instead.
    """

    def __init__(self, start: float = 0.0, limit: float | None = None) -> None:
        self.now: float = float(start)
        self._deadline = None if limit is None else start + limit
        self._events: list[tuple[float, int, Callable[[], object]]] = []
        self._order = itertools.count()
        self._saved: tuple[Callable[[], float], Callable[[float | SupportsIndex], None]] | None = (
            None
        )
        self.sleeps: list[float] = []

    def time(self) -> float:
        """The fake `time.time()`."""
        return self.now

    def sleep(self, seconds: float | SupportsIndex) -> None:
        """The fake `time.sleep()`: records the call and advances the clock."""
        if not isinstance(seconds, (int, float)):
            seconds = float(seconds)  # an integer of another library, which time.sleep takes
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        self.sleeps.append(seconds)
        if self._deadline is not None and self.now + seconds > self._deadline:
            raise ClockLimitReached(f"fake clock limit {self._deadline} reached")
        self.advance(seconds)

    def at(self, when: float, action: Callable[[], object]) -> None:
        """Schedules `action()` to run when the clock reaches `when`.

        An event scheduled at or before the current time runs at the next
        `sleep()` or `advance()`, with the clock unchanged.
        """
        heapq.heappush(self._events, (float(when), next(self._order), action))

    def advance(self, seconds: float) -> None:
        """Moves the clock forward, running the events that fall due on the way."""
        target = self.now + seconds
        while self._events and self._events[0][0] <= target:
            when, _, action = heapq.heappop(self._events)
            self.now = max(self.now, when)
            action()
        self.now = target

    def __enter__(self) -> FakeClock:
        self._saved = (time.time, time.sleep)
        time.time, time.sleep = self.time, self.sleep
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._saved is not None
        time.time, time.sleep = self._saved
        self._saved = None


class CheckpointDirectory:
    """A training run's directory, changed by script: what a trainer, or a crash, does to it.

    Checkpoints are published as TensorFlow 2 does: the `.index` and
    `.data-00000-of-00001` files first, then the state file, written atomically
    by the package's pure writer (byte-identical to TensorFlow's). The files are
    a real checkpoint, byte-identical to what TensorFlow's `SaveV2` writes for
    the same tensor, which `tf.train.load_checkpoint` (and this package's)
    opens: by default one scalar, `global_step`, the step (an int64, or a
    string for a step that is not a number), which needs no numpy; or the
    tensors given (`publish(7, tensors={"dense/kernel": array})`).

    Args:
      directory: the directory, on any storage the pure backend serves (a local
        path, `file://`, `s3://`, `memory://`...); it is created by the first
        change, not before, so that a run that has not started yet can be
        scripted too.
      name: the checkpoint prefix's base name: checkpoint `step` is
        `<directory>/<name>-<step>`.

    Every method that names a checkpoint takes its step: an `int`, or a `str`
    (`"100"` is step 100, as `100` is; `"final"` is a step too). A path, such
    as the prefix `publish` returns, is refused with `ValueError`, never taken
    for a step that names no file.
    """

    def __init__(self, directory: str | os.PathLike[str], name: str = "model.ckpt") -> None:
        self.directory: str = os.fspath(directory)
        self.name = name
        self.published: list[str] = []
        self._stamps: list[float] = []

    @property
    def state_file(self) -> str:
        """The path of the `checkpoint` state file."""
        return state_file(self.directory)

    def mkdir(self) -> None:
        """Creates the directory, empty (where the storage has directories)."""
        for_path(self.directory).makedirs(self.directory)

    def prefix(self, step: int | str) -> str:
        """The checkpoint prefix (what `latest_checkpoint` returns) of `step`.

        Raises:
          ValueError: if `step` holds a `/` (a path, not a step).
          TypeError: if `step` is neither an `int` nor a `str`.
        """
        if not isinstance(step, (int, str)):
            raise TypeError(f"a step is an int or a str, not {type(step).__name__}")
        if isinstance(step, str) and "/" in step:
            raise ValueError(f"{step!r} is a path; pass the checkpoint's step (e.g. 100)")
        return os.path.join(self.directory, f"{self.name}-{step}")

    def write_files(
        self,
        step: int | str,
        index: bool = True,
        data: bool = True,
        tensors: Mapping[str, object] | None = None,
    ) -> str:
        """Writes a checkpoint's `.index` and/or `.data-00000-of-00001` files, not the state.

        Args:
          step: the checkpoint's step.
          index: write the `.index` file.
          data: write the data file.
          tensors: the checkpoint's tensors, name -> value: numpy arrays and
            scalars of any dtype TensorFlow saves (an object array of `bytes`
            for strings), or without numpy `bytes`, `str`, `bool`, `int` and
            `float` scalars. Default: one scalar, `global_step`, the step.

        Returns:
          The checkpoint prefix.
        """
        from ._bundle.writer import encode_bundle  # only here: most tests write no checkpoint

        prefix = self.prefix(step)
        if tensors is None:
            value: int | str = int(step) if str(step).lstrip("-").isdigit() else str(step)
            tensors = {"global_step": value}
        index_bytes, data_bytes = encode_bundle(tensors)
        if data:
            _write(prefix + ".data-00000-of-00001", data_bytes)
        if index:
            _write(prefix + ".index", index_bytes)
        return prefix

    def publish(
        self,
        step: int | str,
        timestamp: float | None = None,
        keep: int | None = None,
        files: bool = True,
        tensors: Mapping[str, object] | None = None,
    ) -> str:
        """Publishes checkpoint `step`: its files, then the state file naming it.

        Args:
          step: the step; the prefix is `<directory>/<name>-<step>`.
          timestamp: its timestamp in the state file (default: `time.time()`,
            the fake one under a `FakeClock`).
          keep: as `max_to_keep`: list at most this many checkpoints in the
            state file, deleting the files of the ones dropped.
          files: False publishes the state file only (the index appears later,
            or never).
          tensors: the checkpoint's tensors, as `write_files` takes them
            (default: `global_step`).

        Returns:
          The checkpoint prefix.
        """
        from ._pure import update_checkpoint_state_internal

        if files:
            prefix = self.write_files(step, tensors=tensors)  # which creates the directory
        else:
            self.mkdir()
            prefix = self.prefix(step)
        stamp = time.time() if timestamp is None else timestamp
        self.published.append(prefix)
        self._stamps.append(stamp)
        if keep is not None:
            for dropped in self.published[:-keep]:
                _remove_files(dropped)
            self.published = self.published[-keep:]
            self._stamps = self._stamps[-keep:]
        update_checkpoint_state_internal(
            self.directory,
            prefix,
            list(self.published),
            all_model_checkpoint_timestamps=list(self._stamps),
            last_preserved_timestamp=self._stamps[0],
        )
        return prefix

    def write_state(self, content: str | bytes) -> None:
        """Replaces the state file with `content`, as it is (a corrupt or hand-written file)."""
        _write(self.state_file, content.encode("utf-8") if isinstance(content, str) else content)

    def empty_state(self) -> None:
        """Truncates the state file to nothing (TensorFlow then raises `ValueError`)."""
        self.write_state(b"")

    def delete_state(self) -> None:
        """Deletes the state file."""
        for_path(self.state_file).remove(self.state_file)

    def delete_files(self, step: int | str) -> None:
        """Deletes checkpoint `step`'s files, leaving the state file: the `max_to_keep` race.

        Raises:
          FileNotFoundError: if the checkpoint has no file to delete (a wrong step).
        """
        prefix = self.prefix(step)
        if not _remove_files(prefix):
            raise FileNotFoundError(f"checkpoint {step!r} has no files to delete: {prefix}")


def _write(path: str, data: bytes) -> None:
    for_path(path).write(path, data)


def _remove_files(prefix: str) -> bool:
    """Removes a checkpoint's `.index` and data files; returns whether there was one."""
    removed = False
    for suffix in (".index", ".data-00000-of-00001"):
        with contextlib.suppress(FileNotFoundError):
            for_path(prefix).remove(prefix + suffix)
            removed = True
    return removed
