"""`watch()`: every checkpoint of a directory, once, in order, pinned while the consumer works.

Two threads share a `_Engine`. The watch's own thread waits for inotify events
(or polls), scans the state file, pins each new complete checkpoint at once
and queues it. The consumer's thread takes checkpoints from the queue in
`Watch.__next__`, which first releases (and records) the previous one. The
engine holds no reference to its `Watch`, so a `Watch` that is dropped is
garbage-collected, and its finalizer stops the thread and removes the pins.
"""

from __future__ import annotations

import collections
import contextlib
import os
import select
import threading
import time
import weakref

from .. import _storage
from .._inotify import GONE, open_inotify
from .._log import LOG as _LOG
from .._storage.paths import is_local
from .checkpoint import Checkpoint
from .pins import Pins, PinsUnavailable
from .record import Record
from .tracker import START_MODES, Found, Listing, Tracker, checkpoint_files

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from .._inotify import Inotify

# With events, a scan this often anyway: an event can be lost (a full queue, a
# filesystem that does not report remote writers such as NFS).
SAFETY_POLL = 10.0


class WatchStats:
    """What a watch has seen so far; read it at any time (`Watch.stats`).

    Attributes:
      detected: checkpoints found complete (and pinned, with pinning).
      yielded: checkpoints handed to the consumer.
      skipped: checkpoints listed at the start and not wanted (`start`).
      deleted: checkpoints deleted before they could be pinned (or, unpinned,
        before the consumer got them); each one is also a WARNING.
      dropped: pinned checkpoints dropped unyielded because `max_pending` were
        already waiting; each one is also a WARNING.
      copies: files copied into a pin because they could not be hard-linked.
      state_errors: reads of a state file that was empty, torn or unreadable.
      scans: reads of the state file.
      events: inotify wake-ups (0 when polling).
    """

    __slots__ = (
        "detected",
        "yielded",
        "skipped",
        "deleted",
        "dropped",
        "copies",
        "state_errors",
        "scans",
        "events",
    )

    detected: int
    yielded: int
    skipped: int
    deleted: int
    dropped: int
    copies: int
    state_errors: int
    scans: int
    events: int

    def __init__(self) -> None:
        for name in self.__slots__:
            setattr(self, name, 0)

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)}" for name in self.__slots__)
        return f"WatchStats({fields})"


class _Engine:
    """The state shared by the watch's thread and its consumer."""

    def __init__(
        self,
        directory: str,
        tracker: Tracker,
        pins: Pins | None,
        record: Record | None,
        max_pending: int,
        poll_interval: float,
    ) -> None:
        self.directory = directory
        self.tracker = tracker
        self.pins = pins
        self.record = record
        self.max_pending = max_pending
        self.poll_interval = poll_interval
        self.stats = WatchStats()
        self.ready: collections.deque[Checkpoint] = collections.deque()
        self.changed = threading.Condition()
        self.scanning = threading.Lock()  # one scan at a time: the thread's or the final one
        self.closed = False
        self.inotify: Inotify | None = open_inotify() if is_local(directory) else None
        self._directory_wd: int | None = None  # the inotify watch on the directory
        self._ancestor_wd: int | None = None  # the watch on its nearest existing ancestor
        self._ancestor: str | None = None
        self.error: BaseException | None = None  # what stopped the thread, for the consumer
        self._wake_r, self._wake_w = os.pipe()
        self.thread = threading.Thread(target=self._run, name="tf_ckpt_compat.watch", daemon=True)

    @property
    def mode(self) -> str:
        return "inotify" if self.inotify is not None else "poll"

    def _run(self) -> None:
        try:
            while not self.closed:
                self._follow_directory()
                self.scan()
                self._wait()
        except BaseException as e:  # a bug, or the disk: the consumer raises it
            with self.changed:
                self.error = e
                self.changed.notify_all()

    def scan(self) -> None:
        """Reads the state file once; pins and queues what is new."""
        with self.scanning:
            if self.closed:
                return
            self.stats.scans += 1
            result = self.tracker.scan(time.monotonic())
            self.stats.state_errors = self.tracker.state_errors
            if result.skipped:
                self.stats.skipped += len(result.skipped)
                if self.record is not None:
                    self.record.add(result.skipped, skipped=True)
            for path in result.vanished:
                self.report_deleted(path, "before its files were complete")
            for found in result.found:
                checkpoint = self._pin(found)
                if checkpoint is not None:
                    self._queue(checkpoint)

    def _pin(self, found: Found) -> Checkpoint | None:
        checkpoint = Checkpoint(found.listed_path, found.listed_path, found.timestamp, time.time())
        if self.pins is None:
            return checkpoint
        try:
            checkpoint.path = self.pins.pin(found.listed_path, found.files)
        except FileNotFoundError:
            self.report_deleted(found.listed_path, "before it could be pinned")
            return None
        except PinsUnavailable:
            pass
        self.stats.copies = self.pins.copies
        return checkpoint

    def _queue(self, checkpoint: Checkpoint) -> None:
        with self.changed:
            if self.closed:
                return  # its pin goes with the others
            self.stats.detected += 1
            if len(self.ready) >= self.max_pending:
                dropped = self.ready.popleft()
                self.release(dropped)
                self.stats.dropped += 1
                _LOG.warning(
                    "Dropped checkpoint %s unused: %d newer ones were already waiting "
                    "for the consumer (max_pending=%d)",
                    dropped.listed_path,
                    self.max_pending,
                    self.max_pending,
                )
            self.ready.append(checkpoint)
            self.changed.notify_all()

    def report_deleted(self, path: str, when: str) -> None:
        self.stats.deleted += 1
        _LOG.warning("Checkpoint %s was deleted %s; skipping it", path, when)

    def release(self, checkpoint: Checkpoint) -> None:
        if self.pins is not None and checkpoint.path != checkpoint.listed_path:
            self.pins.release(checkpoint.path)

    def _follow_directory(self) -> None:
        """Keeps inotify watches on the directory and on its nearest existing ancestor.

        The ancestor's watch reports the directory's creation and deletion: the
        directory's own IN_DELETE_SELF comes only once nothing holds it, and a
        pin's lock file is held open inside it.
        """
        inotify = self.inotify
        if inotify is None:
            return
        path = os.path.abspath(_storage.for_path(self.directory).local_path(self.directory) or ".")
        exists = os.path.isdir(path)
        if self._directory_wd is not None and not exists:
            inotify.remove(self._directory_wd)
            self._directory_wd = None
        if self._directory_wd is None and exists:
            try:
                self._directory_wd = inotify.add(path)
            except (FileNotFoundError, NotADirectoryError):
                pass  # deleted again already: the ancestor reports what comes next
            except OSError:  # ENOSPC (the user's watch limit), EACCES: poll instead
                inotify.close()
                self.inotify = None
                return
        ancestor = os.path.dirname(path)
        while not os.path.isdir(ancestor) and ancestor != os.path.dirname(ancestor):
            ancestor = os.path.dirname(ancestor)
        if ancestor != self._ancestor:
            if self._ancestor_wd is not None:
                inotify.remove(self._ancestor_wd)
                self._ancestor_wd = None
            with contextlib.suppress(OSError):  # gone meanwhile: found again at the next wake-up
                self._ancestor_wd = inotify.add(ancestor)
                self._ancestor = ancestor

    def _wait(self) -> None:
        """Sleeps until an event, a safety poll, a poll, or `close()`."""
        if self._directory_wd is None or self.tracker.waiting:
            timeout = self.poll_interval
        else:
            timeout = max(SAFETY_POLL, self.poll_interval)
        sources = [self._wake_r]
        if self.inotify is not None:
            sources.append(self.inotify.fileno())
        readable, _, _ = select.select(sources, [], [], timeout)
        if self.inotify is not None and self.inotify.fileno() in readable:
            self.stats.events += 1
            for event in self.inotify.read():
                if event.wd == self._directory_wd and event.mask & GONE:
                    self._directory_wd = None  # moved away: wait for it again
                elif event.wd == self._ancestor_wd and event.mask & GONE:
                    self._ancestor_wd = self._ancestor = None

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        """Stops the thread; removes every pin; closes the record. Idempotent."""
        with self.changed:
            if self.closed:
                return
            self.closed = True
            self.ready.clear()  # their pins go below
            self.changed.notify_all()
        os.write(self._wake_w, b"x")
        if self.thread.is_alive() and threading.current_thread() is not self.thread:
            self.thread.join()
        with self.scanning:
            if self.pins is not None:
                self.pins.close()
            if self.record is not None:
                self.record.close()
            if self.inotify is not None:
                self.inotify.close()
            os.close(self._wake_r)
            os.close(self._wake_w)


class Watch:
    """The iterator `watch()` returns (see there for the arguments); also a context manager.

    Attributes:
      stats: a `WatchStats`, updated as the watch goes.
      directory: the watched directory.
    """

    def __init__(
        self,
        checkpoint_dir: str | os.PathLike[str],
        *,
        timeout: float | None = None,
        timeout_fn: Callable[[], object] | None = None,
        start: str = "new",
        pin: bool = True,
        max_pending: int = 100,
        record: str | os.PathLike[str] | None = None,
        poll_interval: float = 1.0,
    ) -> None:
        directory = os.fspath(checkpoint_dir)
        if start not in START_MODES:
            modes = ", ".join(map(repr, START_MODES))
            raise ValueError(f"start must be one of {modes}, not {start!r}")
        if max_pending < 1:
            raise ValueError(f"max_pending must be at least 1, not {max_pending!r}")
        if not poll_interval > 0:
            raise ValueError(f"poll_interval must be positive, not {poll_interval!r}")
        _storage.check_scheme(directory)
        recorded = Record(record) if record is not None else None
        if recorded is not None and recorded.existed:
            start = "all"  # a restart: whatever the record does not hold is still to do
        tracker = Tracker(directory, start, recorded.handled if recorded is not None else set())
        local = _storage.for_path(directory).local_path(directory) if is_local(directory) else None
        pins = Pins(local) if pin and local is not None else None
        self._engine = engine = _Engine(
            directory, tracker, pins, recorded, max_pending, poll_interval
        )
        self._timeout = timeout
        self._timeout_fn = timeout_fn
        self._current: Checkpoint | None = None
        self._final = False  # timeout_fn said so: hand out what is left, then end
        self.stats: WatchStats = engine.stats
        self.directory: str = directory
        self._finalizer = weakref.finalize(self, engine.close)
        engine.start()

    @property
    def mode(self) -> str:
        """`"inotify"` when events wake the watch, `"poll"` when it polls."""
        return self._engine.mode

    def __iter__(self) -> Watch:
        return self

    def __next__(self) -> Checkpoint:
        engine = self._engine
        if self._current is not None:
            self.mark_done()
            if not self._final and self._timeout_fn is not None and self._timeout_fn():
                self._finish()
        while True:
            checkpoint = self._take()
            if checkpoint is not None:
                if not self._still_there(checkpoint):
                    continue
                self._current = checkpoint
                self.stats.yielded += 1
                return checkpoint
            if engine.closed or self._final:
                break
            if self._timeout_fn is None:
                _LOG.info("Timed-out waiting for a checkpoint (without timeout_fn).")
                break
            if self._timeout_fn():
                self._finish()
        self.close()
        raise StopIteration

    def _finish(self) -> None:
        """The run is over: one last scan, so that its final checkpoint is not lost."""
        _LOG.info("Done. No new checkpoints will be generated.")
        self._final = True
        self._engine.scan()

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
        if checkpoint is None:
            return
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
    return Watch(
        checkpoint_dir,
        timeout=timeout,
        timeout_fn=timeout_fn,
        start=start,
        pin=pin,
        max_pending=max_pending,
        record=record,
        poll_interval=poll_interval,
    )
