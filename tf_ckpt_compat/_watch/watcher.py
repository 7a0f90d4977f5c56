"""`watch()` and `watch_many()`: every checkpoint, once, in order, pinned while the consumer works.

Two threads share an engine (`engine.py`). The watch's own thread finds
changes (`directory.py`: one directory; `sweep.py`: many), pins each new
complete checkpoint at once and queues it. The consumer's thread takes
checkpoints from the queue in `Watch.__next__`, which first releases (and
records) the previous one.
"""

from __future__ import annotations

import os
import time
import weakref

from .. import _storage
from .._log import LOG as _LOG
from .._storage.paths import is_local
from .checkpoint import Checkpoint
from .directory import DirectoryEngine
from .engine import Engine, Options, WatchStats
from .pins import Pins
from .record import Record
from .sweep import sweep_engine
from .tracker import START_MODES, Listing, Tracker, checkpoint_files

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Watch", "WatchStats", "watch", "watch_many"]


class Watch:
    """The iterator that `watch()` and `watch_many()` return; also a context manager.

    Attributes:
      stats: a `WatchStats`, updated as the watch goes.
    """

    stats: WatchStats
    _engine: Engine
    _timeout: float | None
    _timeout_fn: Callable[[], object] | None
    _current: Checkpoint | None
    _yielded: bool  # an item was yielded, and the consumer has not asked again yet
    _final: bool  # timeout_fn said so: hand out what is left, then end
    _held: set[Checkpoint]  # kept by hold(), not done() yet: their pins outlive the iteration
    _finalizer: Callable[[], object]  # closes the engine, once

    def __init__(self) -> None:
        raise TypeError("a Watch is made by tf_ckpt_compat.watch() or watch_many()")

    @classmethod
    def _start(
        cls, engine: Engine, timeout: float | None, timeout_fn: Callable[[], object] | None
    ) -> Watch:
        self = object.__new__(cls)
        self._engine = engine
        self._timeout = timeout
        self._timeout_fn = timeout_fn
        self._current = None
        self._yielded = False
        self._final = False
        self._held = set()
        self.stats = engine.stats
        self._finalizer = weakref.finalize(self, engine.close)
        engine.start()
        return self

    @property
    def mode(self) -> str:
        """`"inotify"` when events wake the watch, `"poll"` when it polls."""
        return self._engine.mode

    def __iter__(self) -> Watch:
        return self

    def __next__(self) -> Checkpoint:
        engine = self._engine
        if self._yielded:
            self._yielded = False
            self.mark_done()
            if not self._final and self._timeout_fn is not None and self._timeout_fn():
                self._finish()
        while True:
            checkpoint = self._take()
            if checkpoint is not None:
                if not self._still_there(checkpoint):
                    continue
                self._current = checkpoint
                self._yielded = True
                self.stats.yielded += 1
                return checkpoint
            if engine.closed or self._final:
                break
            if self._timeout_fn is None:
                _LOG.info("Timed-out waiting for a checkpoint (without timeout_fn).")
                break
            if self._timeout_fn():
                self._finish()
        if not self._held:  # else the consumer's close() ends it, once they are done
            self.close()
        raise StopIteration

    def _finish(self) -> None:
        """The run is over: one last scan, so that its final checkpoint is not lost."""
        _LOG.info("Done. No new checkpoints will be generated.")
        self._final = True
        self._engine.final_scan()

    def _take(self) -> Checkpoint | None:
        """The next queued checkpoint, waiting up to `timeout` (not at all once final)."""
        engine = self._engine
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        with engine.changed:
            while not engine.ready and not engine.closed and not self._final:
                if engine.error is not None:
                    raise engine.error
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                engine.changed.wait(remaining)
            return engine.ready.popleft() if engine.ready else None

    def _still_there(self, checkpoint: Checkpoint) -> bool:
        """An unpinned checkpoint may be gone by now: reported, not yielded."""
        if checkpoint.path != checkpoint.listed_path:
            return True  # pinned
        fs = _storage.for_path(checkpoint.path)
        if checkpoint_files(checkpoint.path, Listing(fs)) is not None:
            return True
        self._engine.report_deleted(checkpoint.listed_path, "before the consumer got to it")
        return False

    def mark_done(self) -> None:
        """Records and releases the current checkpoint now, as asking for the next one does.

        For a consumer that stops after an item it has finished with (e.g. after
        a fixed number of them), so that a later watch with the same `record`
        does not yield it again.
        """
        checkpoint, self._current = self._current, None
        if checkpoint is not None:
            self.done(checkpoint)

    def hold(self) -> Checkpoint:
        """Keeps the current checkpoint past the next item, for a consumer of several at once.

        Asking for the next item then neither records nor releases it: `done()`
        does, whenever the consumer has finished with it (from any thread). The
        end of the iteration leaves the watch open while checkpoints are held:
        `close()` it once they are done.

        Raises:
          RuntimeError: when no checkpoint is current (none yielded, or already
            held or done).
        """
        checkpoint, self._current = self._current, None
        if checkpoint is None:
            raise RuntimeError("no current checkpoint to hold")
        self._held.add(checkpoint)
        return checkpoint

    def done(self, checkpoint: Checkpoint) -> None:
        """Records (with `record`) and releases a checkpoint that `hold()` kept.

        Raises:
          RuntimeError: after `close()`, which released every pin and closed the record.
        """
        if self._engine.closed:
            raise RuntimeError("done() after close(): the watch's pins and record are gone")
        self._held.discard(checkpoint)
        if self._engine.record is not None:
            self._engine.record.add([checkpoint.listed_path])
        self._engine.release(checkpoint)

    def close(self) -> None:
        """Ends the watch: stops its thread and removes every pin. The current
        checkpoint is not recorded (the consumer may not have finished it)."""
        self._current = None
        self._finalizer()

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def watch(
    checkpoint_dir: str | os.PathLike[str],
    *,
    timeout: float | None = None,
    timeout_fn: Callable[[], object] | None = None,
    start: str = "new",
    pin: bool = True,
    max_pending: int = 100,
    record: str | os.PathLike[str] | None = None,
    poll_interval: float = 1.0,
) -> Watch:
    """Yields every new checkpoint of `checkpoint_dir`, once, oldest first, as soon as it appears.

    Unlike `checkpoints_iterator`, which looks for the newest checkpoint only
    when the consumer comes back to it, this watches in the background: each
    checkpoint listed in the state file's `all_model_checkpoint_paths` (or as
    its `model_checkpoint_path`) is detected when its files are complete,
    pinned at once, and queued until the consumer gets to it. It never raises
    for a bad or missing state file or a deleted checkpoint: it waits, retries
    and reports (WARNING lines on the `tensorflow` logger, and `stats`).

    Detection: on Linux, inotify events on the directory (within milliseconds of
    the state file's rename), with a safety scan every 10 seconds; elsewhere,
    and for `scheme://` paths, a poll every `poll_interval` seconds. A
    directory that does not exist yet, or is deleted and re-created, is waited for.

    Args:
      checkpoint_dir: the directory in which checkpoints are saved (a path or
        a `scheme://` URL).
      timeout: the maximum number of seconds to wait for the next checkpoint;
        None waits forever.
      timeout_fn: called after a timeout and after each checkpoint (as in
        TensorFlow 2.20 and later); when it returns a true value, one last read
        of the state file queues whatever is still new, that is yielded, and the
        watch ends. Without it, a timeout ends the watch.
      start: what to do with the checkpoints listed when the watch starts:
        `"new"` skips them, `"all"` yields them, `"latest"` yields the newest
        of them only.
      pin: keep each checkpoint's files (`.index` and every `.data-*` shard, or
        the TensorFlow 1 file) loadable from `Checkpoint.path` until the
        consumer asks for the next item, by hard links (or copies) in a hidden
        `.tf-ckpt-compat-pins` directory beside them. On object stores
        (`s3://`, `gs://`...) nothing is pinned: a checkpoint deleted before the
        consumer gets to it is reported and skipped.
      max_pending: how many pinned checkpoints may wait for the consumer
        (pins hold disk space); when more arrive, the oldest is dropped and reported.
      record: a local file recording each checkpoint once the consumer has
        finished with it (when it asks for the next one, or calls
        `mark_done()`). A watch started with the same record yields only what
        is not recorded, whatever `start` says, so a consumer killed
        mid-checkpoint sees that checkpoint again and nothing else twice.
      poll_interval: seconds between polls where events are not available.

    Returns:
      a `Watch`: an iterator of `Checkpoint`s (also a context manager; its
      `close()` removes the pins), with live `stats`.

    Raises:
      ValueError: for a `start`, `max_pending` or `poll_interval` out of range.
      SchemeUnavailableError: when no installed package serves the path's scheme.
      OSError: when `record` cannot be opened.
    """
    directory = os.fspath(checkpoint_dir)
    start, options = _prepare(directory, start, pin, max_pending, record, poll_interval)
    recorded = options.record
    tracker = Tracker(directory, start, recorded.handled if recorded is not None else set())
    if options.pins is not None:
        options.pins.clean(directory)
    engine = DirectoryEngine(tracker, options)
    return Watch._start(engine, timeout, timeout_fn)


def watch_many(
    pattern: str | os.PathLike[str],
    *,
    timeout: float | None = None,
    timeout_fn: Callable[[], object] | None = None,
    start: str = "new",
    pin: bool = True,
    max_pending: int = 100,
    record: str | os.PathLike[str] | None = None,
    poll_interval: float = 1.0,
) -> Watch:
    """Yields every new checkpoint of every run directory `pattern` matches, as `watch()` does.

    One watch serves a whole sweep: `pattern` is a glob over run directories
    (`/runs/sweep/*`, `s3://bucket/sweep/*/train`), and run directories that
    come to match it later are picked up as they appear. Each `Checkpoint` says
    its `run`. Checkpoints are queued as they are found, oldest first within a
    run; `timeout`, `timeout_fn`, `pin` and `record` work as in `watch()`, over
    the whole sweep, and `max_pending` bounds each run's backlog. `start`
    applies to the runs that exist when the watch starts; in a run that appears
    later, every checkpoint is new.

    The cost of a cycle with nothing new does not grow with the number of runs:
    on the local disk, inotify watches each run and each directory above them in
    the pattern (polling every `poll_interval` where events are not available);
    on object stores, each cycle is one recursive listing of the pattern's
    fixed prefix (a request per 1,000 objects), and only a run whose state
    file's ETag or generation changed is read.

    Args:
      pattern: the run directories, as a glob (`*`, `?`, `[...]` match within
        one path component).
      timeout, timeout_fn, start, pin, max_pending, record, poll_interval: as
        for `watch()`.

    Returns:
      a `Watch` of `Checkpoint`s.

    Raises:
      ValueError, SchemeUnavailableError, OSError: as `watch()`.
    """
    pattern = os.fspath(pattern)
    start, options = _prepare(pattern, start, pin, max_pending, record, poll_interval)
    engine = sweep_engine(pattern, start, options)
    return Watch._start(engine, timeout, timeout_fn)


def _prepare(
    path: str,
    start: str,
    pin: bool,
    max_pending: int,
    record: str | os.PathLike[str] | None,
    poll_interval: float,
) -> tuple[str, Options]:
    """Checks the options; returns the start mode in force, and the engine's options."""
    if start not in START_MODES:
        modes = ", ".join(map(repr, START_MODES))
        raise ValueError(f"start must be one of {modes}, not {start!r}")
    if max_pending < 1:
        raise ValueError(f"max_pending must be at least 1, not {max_pending!r}")
    if not poll_interval > 0:
        raise ValueError(f"poll_interval must be positive, not {poll_interval!r}")
    _storage.check_scheme(path)
    recorded = Record(record) if record is not None else None
    if recorded is not None and recorded.existed:
        start = "all"  # a restart: whatever the record does not hold is still to do
    pins = Pins() if pin and is_local(path) else None
    return start, Options(pins, recorded, max_pending, poll_interval)
