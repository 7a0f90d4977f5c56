"""The watch's thread and what it shares with the consumer: queue, pins, record, statistics.

An `Engine` subclass decides how changes are found (`directory.py` for one
directory, `sweep.py` for many); this base turns what a tracker's scan found
into pinned, queued `Checkpoint`s, and holds the consumer's side of the queue.
The engine holds no reference to the `Watch` that consumes it, so a dropped
`Watch` is garbage-collected, and its finalizer closes the engine.
"""

from __future__ import annotations

import collections
import os
import select
import threading
import time
from typing import NamedTuple

from .._log import LOG as _LOG
from .checkpoint import Checkpoint
from .pins import Pins, PinsUnavailable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .record import Record
    from .tracker import Found, Tracker

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


class Options(NamedTuple):
    """What every engine is given: the options of `watch()` it applies itself."""

    pins: Pins | None
    record: Record | None
    max_pending: int
    poll_interval: float


class Engine:
    """The state shared by the watch's thread and its consumer.

    Subclasses implement `cycle()` (find and scan what changed), `wait()` (until
    the next cycle, through `sleep()`), `scan_all()` (the final read) and `mode`.
    """

    def __init__(self, options: Options) -> None:
        self.pins, self.record, self.max_pending, self.poll_interval = options
        self.handled: set[str] = self.record.handled if self.record is not None else set()
        self.stats = WatchStats()
        self.ready: collections.deque[Checkpoint] = collections.deque()
        self.changed = threading.Condition()
        self.scanning = threading.Lock()  # one scan at a time: the thread's or the final one
        self.closed = False
        self.error: BaseException | None = None  # what stopped the thread, for the consumer
        self._wake_r, self._wake_w = os.pipe()
        self.thread = threading.Thread(target=self._run, name="tf_ckpt_compat.watch", daemon=True)

    @property
    def mode(self) -> str:
        """`"inotify"` when events wake the thread, `"poll"` when it polls."""
        return "poll"

    def start(self) -> None:
        """Takes the start's snapshot in the caller's thread, then starts the watch's thread."""
        self.prime()
        self.thread.start()

    def prime(self) -> None:
        """Finds what exists at the start (what `start="new"` skips), before `start()` returns."""

    def _run(self) -> None:
        try:
            while not self.closed:
                with self.scanning:
                    if self.closed:
                        break
                    self.cycle()
                self.wait()
        except BaseException as e:  # a bug, or the disk: the consumer raises it
            with self.changed:
                self.error = e
                self.changed.notify_all()

    def cycle(self) -> None:
        raise NotImplementedError

    def wait(self) -> None:
        raise NotImplementedError

    def scan_all(self) -> None:
        """Reads every state file once (the final read, from the consumer's thread)."""
        raise NotImplementedError

    def final_scan(self) -> None:
        with self.scanning:
            if not self.closed:
                self.scan_all()

    def sleep(self, timeout: float, fd: int | None = None) -> bool:
        """Waits up to `timeout` s for `fd` to be readable (or `close()`); returns whether it is."""
        sources = [self._wake_r] if fd is None else [self._wake_r, fd]
        readable, _, _ = select.select(sources, [], [], timeout)
        return fd is not None and fd in readable

    def scan(self, tracker: Tracker, run: str) -> None:
        """One scan of one run's state file: pins and queues what is new."""
        self.stats.scans += 1
        errors = tracker.state_errors
        result = tracker.scan(time.monotonic())
        self.stats.state_errors += tracker.state_errors - errors
        if result.skipped:
            self.stats.skipped += len(result.skipped)
            if self.record is not None:
                self.record.add(result.skipped, skipped=True)
        for path in result.vanished:
            self.report_deleted(path, "before its files were complete")
        for found in result.found:
            checkpoint = self._pin(found, run)
            if checkpoint is not None:
                self._queue(checkpoint)

    def _pin(self, found: Found, run: str) -> Checkpoint | None:
        listed = found.listed_path
        checkpoint = Checkpoint(listed, listed, found.timestamp, time.time(), run)
        if self.pins is None:
            return checkpoint
        try:
            checkpoint.path = self.pins.pin(listed, found.files)
        except FileNotFoundError:
            self.report_deleted(listed, "before it could be pinned")
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
            same_run = [c for c in self.ready if c.run == checkpoint.run]
            if len(same_run) >= self.max_pending:
                dropped = same_run[0]
                self.ready.remove(dropped)
                self.release(dropped)
                self.stats.dropped += 1
                _LOG.warning(
                    "Dropped checkpoint %s unused: %d newer ones of its run were already "
                    "waiting for the consumer (max_pending=%d)",
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

    def close_sources(self) -> None:
        """Closes what the subclass waits on (its inotify descriptor)."""

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
            self.close_sources()
            os.close(self._wake_r)
            os.close(self._wake_w)
