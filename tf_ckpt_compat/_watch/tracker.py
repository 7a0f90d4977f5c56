"""What is new in a checkpoint directory: one read of the state file and one listing per scan.

The tracker holds no thread and no clock: `scan(now)` reads the state file as
it is at that moment and says which listed checkpoints became complete since
the last scan, which ones vanished before they ever were, and which ones the
watch skips at its start. The watch's thread calls it; tests call it directly.
"""

from __future__ import annotations

import os
import re
import stat

from .. import _errors, _storage
from .._log import LOG as _LOG
from .._match import has_glob
from .._pure import join_relative_paths, matching_files, read_state_file
from .._storage import paths

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .._state import CheckpointState

START_MODES = ("new", "all", "latest")

# A state file that stays unreadable is reported at most this often.
WARNING_INTERVAL = 60.0

_SHARD = re.compile(r"\.data-\d+-of-(\d+)$")


class Found:
    """A listed checkpoint whose files are all there."""

    __slots__ = ("listed_path", "timestamp", "files")

    def __init__(self, listed_path: str, timestamp: float | None, files: list[str]) -> None:
        self.listed_path = listed_path
        self.timestamp = timestamp
        self.files = files


class Scan:
    """The outcome of one scan."""

    __slots__ = ("found", "skipped", "vanished")

    def __init__(self) -> None:
        self.found: list[Found] = []  # complete and new, oldest first
        self.skipped: list[str] = []  # listed when the watch started, and not wanted
        self.vanished: list[str] = []  # listed, never complete, no longer listed


class Tracker:
    """Follows one directory's state file for `watch()`.

    Args:
      directory: the watched directory (a path or URL).
      start: `"new"`, `"all"` or `"latest"`: what to do with the checkpoints
        listed when the watch starts (the state file's content at the first
        scan that reads it, if it existed at construction).
      handled: listed paths not to yield (from a record of a previous watch).
      state_exists: whether the state file exists now, if the caller knows
        (from a listing); else it is looked up.
    """

    def __init__(
        self, directory: str, start: str, handled: set[str], state_exists: bool | None = None
    ) -> None:
        self.directory = directory
        self.state_path = paths.state_file(directory)
        self._fs = _storage.for_path(directory)
        self._handled = handled
        # Paths yielded (or skipped) and still listed: not yielded again.
        self._seen: set[str] = set()
        self._waiting: set[str] = set()  # listed, but not complete yet
        if state_exists is None:
            state_exists = self._exists(self.state_path)
        self._start: str | None = start if state_exists else None
        self.state_errors = 0
        self._warned_at: float | None = None
        self._unwarned = 0
        self.directory_exists = True

    @property
    def waiting(self) -> bool:
        """Whether a listed checkpoint is not complete yet (and worth a sooner look)."""
        return bool(self._waiting)

    def _exists(self, path: str) -> bool:
        try:
            return self._fs.exists(path)
        except OSError:
            return False

    def scan(self, now: float) -> Scan:
        """Reads the state file and finds what changed; never raises for a bad one.

        Args:
          now: a monotonic time in seconds, for rate-limiting the warnings.
        """
        result = Scan()
        state = self._read_state(now)
        if state is None:
            return result
        listed = list(state.all_model_checkpoint_paths)
        timestamps: list[float | None] = list(state.all_model_checkpoint_timestamps)
        if len(timestamps) != len(listed):  # not written by a CheckpointManager
            timestamps = [None] * len(listed)
        if state.model_checkpoint_path not in listed:
            listed.append(state.model_checkpoint_path)
            timestamps.append(None)
        if self._start is not None:
            keep = {"new": 0, "all": len(listed), "latest": 1}[self._start]
            wanted = listed[len(listed) - keep :] if keep else []
            result.skipped = [p for p in listed if p not in wanted and p not in self._handled]
            self._seen.update(listed[: len(listed) - len(wanted)])
            self._start = None
        listing = Listing(self._fs)
        for path, timestamp in zip(listed, timestamps):
            if path in self._seen or path in self._handled:
                continue
            files = checkpoint_files(path, listing)
            if files is None:
                self._waiting.add(path)
                continue
            self._waiting.discard(path)
            self._seen.add(path)
            result.found.append(Found(path, timestamp, files))
        still_listed = set(listed)
        result.vanished = sorted(self._waiting - still_listed)
        self._waiting &= still_listed
        self._seen &= still_listed  # a path dropped from the list will not come back
        return result

    def _read_state(self, now: float) -> CheckpointState | None:
        """The state, with absolute paths; None when absent or not ready (warned, rate-limited)."""
        try:
            if not self._fs.exists(self.state_path):
                self._check_directory()
                return None
            self.directory_exists = True
            local = self._fs.local_path(self.state_path)
            if local is not None and not stat.S_ISREG(os.stat(local).st_mode):
                # A FIFO would block the read until a writer comes, maybe never.
                raise ValueError("not a regular file")
            state = read_state_file(self._fs, self.state_path)
            if not state.model_checkpoint_path:
                raise ValueError("no model_checkpoint_path")
        except FileNotFoundError:
            return None  # replaced between the two calls: the next event brings it back
        except (OSError, ValueError) as e:  # ParseError and UnicodeDecodeError are ValueErrors
            self._not_ready(e, now)
            return None
        join_relative_paths(state, self.directory)
        return state

    def _check_directory(self) -> None:
        exists = self._fs.isdir(self.directory)
        if self.directory_exists and not exists:
            # Deleted (or not made yet): whatever appears in it later is new.
            self._seen.clear()
            self._waiting.clear()
        self.directory_exists = exists

    def _not_ready(self, error: Exception, now: float) -> None:
        self.state_errors += 1
        if self._warned_at is not None and now - self._warned_at < WARNING_INTERVAL:
            self._unwarned += 1
            return
        if isinstance(error, OSError):
            what = "%s: %s" % _errors.describe(error, self.state_path)
        else:
            what = f"{type(error).__name__}: {error}"
        also = f" ({self._unwarned} more times since the last warning)" if self._unwarned else ""
        _LOG.warning("%s is not ready (%s); retrying%s", self.state_path, what, also)
        self._warned_at = now
        self._unwarned = 0


class Listing:
    """One listing per directory per scan: the names in it, or none if it cannot be listed."""

    def __init__(self, fs: _storage.FileSystem) -> None:
        self._fs = fs
        self._names: dict[str, set[str]] = {}

    def names(self, directory: str) -> set[str]:
        if directory not in self._names:
            try:
                self._names[directory] = {name for name, _ in self._fs.listdir(directory)}
            except OSError:
                self._names[directory] = set()
        return self._names[directory]


def checkpoint_files(prefix: str, listing: Listing) -> list[str] | None:
    """The files of a complete checkpoint, or None when it is not (or no longer) there.

    A TensorFlow 2 checkpoint is complete when `<prefix>.index` and all its
    `.data-NNNNN-of-MMMMM` shards are there (TensorFlow writes the index last).
    Otherwise a TensorFlow 1 checkpoint is the file `<prefix>` itself, or the
    files its pattern matches (a sharded V1 save names `...-?????-of-00002`).
    """
    directory, base = paths.dirname(prefix), os.path.basename(prefix)
    names = listing.names(directory)
    if base + ".index" in names:
        shards = sorted(n for n in names if n.startswith(base + ".data-"))
        totals = {int(m.group(1)) for m in map(_SHARD.search, shards) if m}
        if totals and totals != {len(shards)}:
            return None  # being deleted: the index outlived some of its shards
        return [paths.join(directory, n) for n in (base + ".index", *shards)]
    if base in names:
        return [prefix]
    if has_glob(base):
        return matching_files(prefix) or None
    return None
