"""Finding changes in one directory: inotify on it and on its nearest ancestor, or polling."""

from __future__ import annotations

import contextlib
import os

from .. import _storage
from .._inotify import GONE, open_inotify
from .._storage.paths import is_local
from .engine import SAFETY_POLL, Engine, Options

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .._inotify import Inotify
    from .tracker import Tracker


class DirectoryEngine(Engine):
    """`watch()`'s engine: one directory, one tracker."""

    def __init__(self, tracker: Tracker, options: Options) -> None:
        super().__init__(options)
        self.tracker = tracker
        self.directory = tracker.directory
        self.inotify: Inotify | None = open_inotify() if is_local(self.directory) else None
        self._directory_wd: int | None = None  # the inotify watch on the directory
        self._ancestor_wd: int | None = None  # the watch on its nearest existing ancestor
        self._ancestor: str | None = None

    @property
    def mode(self) -> str:
        return "inotify" if self.inotify is not None else "poll"

    def cycle(self) -> None:
        self._follow_directory()
        self.scan(self.tracker, self.directory)

    def scan_all(self) -> None:
        self.scan(self.tracker, self.directory)

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

    def wait(self) -> None:
        """Sleeps until an event, a safety poll, a poll, or `close()`."""
        if self._directory_wd is None or self.tracker.waiting:
            timeout = self.poll_interval
        else:
            timeout = max(SAFETY_POLL, self.poll_interval)
        inotify = self.inotify
        if not self.sleep(timeout, None if inotify is None else inotify.fileno()):
            return
        assert inotify is not None
        self.stats.events += 1
        for event in inotify.read():
            if event.wd == self._directory_wd and event.mask & GONE:
                self._directory_wd = None  # moved away: wait for it again
            elif event.wd == self._ancestor_wd and event.mask & GONE:
                self._ancestor_wd = self._ancestor = None

    def close_sources(self) -> None:
        if self.inotify is not None:
            self.inotify.close()
