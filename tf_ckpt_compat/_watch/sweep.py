"""Finding changes in many run directories at once, for `watch_many()`.

The cost of an idle cycle does not grow with the number of runs:

* On the local disk, inotify watches every run directory, and every directory
  of the pattern's levels above them (`/runs/sweep` for `/runs/sweep/*`), so
  that a new or deleted run is an event too. A cycle scans only the runs an
  event named; a safety scan of everything runs every 10 seconds. Without
  inotify (or past the user's watch limit), a cycle expands the pattern and
  scans every run, every `poll_interval`.
* On object stores, a cycle is one recursive listing of the pattern's fixed
  prefix (one request per 1,000 objects on S3 and GCS): it finds every run's
  state file with its ETag or generation, and only a run whose state file
  changed is read (its state file, and one listing of its directory).
"""

from __future__ import annotations

import os
import posixpath

from .. import _storage
from .._fnmatch import compile_pattern
from .._inotify import GONE, IN_Q_OVERFLOW, open_inotify
from .._match import directory_prefixes, expand_levels, has_glob
from .._storage import remote
from .._storage.paths import STATE_FILE_NAME, is_local, scheme_of
from .engine import SAFETY_POLL, Engine, Options
from .tracker import Tracker

TYPE_CHECKING = False
if TYPE_CHECKING:
    from re import Pattern

    from .._inotify import Inotify


class _Sweep(Engine):
    """What both sweeps share: the pattern, and one tracker per run."""

    def __init__(self, pattern: str, start: str, options: Options) -> None:
        super().__init__(options)
        self.pattern = pattern.rstrip("/") or pattern
        self.levels = directory_prefixes(self.pattern)
        self.first = next((i for i, d in enumerate(self.levels) if has_glob(d)), len(self.levels))
        self.root = self.levels[self.first - 1] if self.first else self.pattern
        posixly_correct = "POSIXLY_CORRECT" in os.environ
        self.regexes: list[Pattern[str]] = [
            compile_pattern(level, posixly_correct) for level in self.levels[self.first :]
        ]
        self.start_mode = start
        self.started = False
        self.runs: dict[str, Tracker] = {}

    def add_run(self, run: str, state_exists: bool | None = None) -> Tracker:
        # Runs there when the watch starts get `start`; later ones are new throughout.
        start = self.start_mode if not self.started else "all"
        tracker = Tracker(run, start, self.handled, state_exists)
        self.runs[run] = tracker
        if self.pins is not None:
            self.pins.clean(run)
        return tracker

    def scan_all(self) -> None:
        for run, tracker in list(self.runs.items()):
            self.scan(tracker, run)


class LocalSweep(_Sweep):
    """Runs on the local disk: inotify on the runs and on the pattern's levels."""

    def __init__(self, pattern: str, start: str, options: Options) -> None:
        super().__init__(pattern, start, options)
        self.inotify: Inotify | None = open_inotify()
        self._watched: dict[str, int] = {}  # directory -> watch descriptor
        self._directories: dict[int, str] = {}  # and back
        self._dirty: set[str] = set()
        self._expand = True
        self._unwatched = True  # a directory to watch does not exist yet: poll for it

    @property
    def mode(self) -> str:
        return "inotify" if self.inotify is not None else "poll"

    def prime(self) -> None:
        self._expand = False
        self._expand_pattern()

    def cycle(self) -> None:
        if self._expand or self.inotify is None:
            self._expand = False
            self._expand_pattern()
        if self.inotify is None:
            self._dirty.update(self.runs)
        dirty, self._dirty = self._dirty, set()
        for run in dirty:
            tracker = self.runs.get(run)
            if tracker is not None:
                self.scan(tracker, run)

    def _expand_pattern(self) -> None:
        """Finds the runs the pattern matches now; watches them and the levels above them."""
        found, listed = expand_levels(
            self.root, self.regexes, _storage.LOCAL, directories_only=True
        )
        if not self.regexes:  # no glob: the one run, when it exists
            found = [self.root] if os.path.isdir(self.root) else []
        runs = set(found)
        for run in runs - self.runs.keys():
            self.add_run(run)
            self._dirty.add(run)
        for run in self.runs.keys() - runs:
            del self.runs[run]  # deleted, or no longer matching: dropped, its pins kept till used
        self.started = True
        self._watch(set(listed) | runs)

    def _watch(self, directories: set[str]) -> None:
        inotify = self.inotify
        if inotify is None:
            return
        for directory in self._watched.keys() - directories:
            wd = self._watched.pop(directory)
            self._directories.pop(wd, None)
            inotify.remove(wd)
        self._unwatched = False
        for directory in directories - self._watched.keys():
            try:
                wd = inotify.add(directory)
            except (FileNotFoundError, NotADirectoryError):
                # Gone already (its parent's watch reports it), or the pattern's fixed
                # part, not made yet: nothing would report it.
                self._unwatched = True
                continue
            except OSError:  # ENOSPC (the user's watch limit), EACCES: poll instead
                inotify.close()
                self.inotify = None
                return
            self._watched[directory] = wd
            self._directories[wd] = directory

    def wait(self) -> None:
        if self.inotify is None or self._unwatched or any(t.waiting for t in self.runs.values()):
            timeout = self.poll_interval
        else:
            timeout = max(SAFETY_POLL, self.poll_interval)
        inotify = self.inotify
        if not self.sleep(timeout, None if inotify is None else inotify.fileno()):
            self._expand = True  # the safety scan: everything, once
            self._dirty.update(self.runs)
            return
        assert inotify is not None
        self.stats.events += 1
        for event in inotify.read():
            directory = self._directories.get(event.wd)
            if event.mask & IN_Q_OVERFLOW or directory is None:
                self._expand = True
                self._dirty.update(self.runs)
            elif directory in self.runs:
                self._dirty.add(directory)
            else:
                self._expand = True  # a level above the runs: a run may have come or gone
            if event.mask & GONE and directory is not None:
                self._watched.pop(directory, None)
                self._directories.pop(event.wd, None)
                self._expand = True

    def close_sources(self) -> None:
        if self.inotify is not None:
            self.inotify.close()


class RemoteSweep(_Sweep):
    """Runs on an object store: one recursive listing of the sweep per cycle."""

    def __init__(self, pattern: str, start: str, options: Options) -> None:
        super().__init__(pattern, start, options)
        scheme = scheme_of(pattern)
        assert scheme is not None  # not the local disk's
        self._fs = remote.for_scheme(scheme)
        self._versions: dict[str, str | None] = {}  # run -> its state file's version

    def prime(self) -> None:
        for run in self._list()[0]:
            self.add_run(run, state_exists=True)
        self.started = True

    def _list(self) -> tuple[dict[str, str | None], set[str]]:
        """One recursive listing: each run's state file version, and every directory seen."""
        versions: dict[str, str | None] = {}
        directories = set()
        for path, info in self._fs.find(self.root):
            run = posixpath.dirname(path)
            directories.add(run)
            if info.name == STATE_FILE_NAME and self._is_run(run):
                versions[run] = info.version
        return versions, directories

    def cycle(self) -> None:
        versions, directories = self._list()
        for run in self.runs.keys() - directories:
            del self.runs[run]  # deleted: nothing is left under it
        for run, version in versions.items():  # a run without a state file waits for one
            tracker = self.runs.get(run)
            if tracker is None:
                tracker = self.add_run(run, state_exists=True)
            elif version is not None and version == self._versions.get(run) and not tracker.waiting:
                continue  # unchanged: not even read
            self.scan(tracker, run)
        self._versions = versions

    def _is_run(self, directory: str) -> bool:
        """Whether the pattern matches `directory`, level by level (a `*` never spans a `/`)."""
        if not self.regexes:
            return directory == self.root
        levels = [directory]
        for _ in self.regexes[1:]:
            levels.append(posixpath.dirname(levels[-1]))
        return all(r.fullmatch(level) for r, level in zip(self.regexes, reversed(levels)))

    def wait(self) -> None:
        self.sleep(self.poll_interval)


def sweep_engine(pattern: str, start: str, options: Options) -> Engine:
    """The sweep engine for `pattern`'s storage."""
    if is_local(pattern):
        local = _storage.for_path(pattern).local_path(pattern)
        assert local is not None  # the local disk's
        return LocalSweep(local, start, options)
    return RemoteSweep(pattern, start, options)
