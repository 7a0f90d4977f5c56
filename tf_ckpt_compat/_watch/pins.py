"""Pins: second names for a checkpoint's files, so that the trainer's deletion frees nothing.

A trainer keeping `max_to_keep` checkpoints deletes the oldest one by name.
A hard link made before that keeps the file's data alive, so the consumer can
still load the checkpoint from the pin, however slow it is. Pins live in
`<checkpoint's directory>/.tf-ckpt-compat-pins/<owner>/<n>/`, on the same
filesystem as the files (a hard link cannot cross filesystems), with a copy
where the filesystem refuses links (or the files belong to someone else and
`fs.protected_hardlinks` forbids them).

Each watch owns one directory there and holds an exclusive `flock` on its
`lock` file while it lives; the kernel drops the lock when the process dies,
however it dies. A watch that creates its own directory first removes the
directories whose lock it can take: those of dead processes.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import time

from .._log import LOG as _LOG

PIN_DIRECTORY = ".tf-ckpt-compat-pins"

# An owner directory still being set up is named `*.new`; one older than this is
# left over from a process killed during its setup.
_SETUP_GRACE = 600.0


class PinsUnavailable(Exception):
    """Nothing can be pinned in this directory (read-only, or not ours to write)."""


class Pins:
    """The pins of one watch, on the local disk.

    `clean(directory)` removes the pins that dead processes left in a watched
    directory, even if this watch never pins anything there.
    """

    def __init__(self) -> None:
        self._owners: dict[str, tuple[str, int]] = {}  # directory -> (owner dir, lock fd)
        self._unavailable: set[str] = set()
        self._count = 0
        self.copies = 0  # files copied because they could not be linked

    def pin(self, prefix: str, files: list[str]) -> str:
        """Links `files` (all in `prefix`'s directory) into a new pin.

        Returns:
          the pinned prefix: the same name, in the pin's directory.

        Raises:
          FileNotFoundError: a file is gone (the checkpoint is being deleted);
            nothing stays pinned.
          PinsUnavailable: pins cannot be made in that directory (warned once).
        """
        directory = os.path.dirname(prefix)
        self._count += 1
        pin_dir = os.path.join(self._owner(directory), str(self._count))
        try:
            os.mkdir(pin_dir)
        except FileNotFoundError:  # the directory was deleted, with our pins, and made again
            self._forget(directory)
            pin_dir = os.path.join(self._owner(directory), str(self._count))
            os.mkdir(pin_dir)
        try:
            for source in files:
                self._link(source, os.path.join(pin_dir, os.path.basename(source)))
        except BaseException:
            shutil.rmtree(pin_dir, ignore_errors=True)
            raise
        return os.path.join(pin_dir, os.path.basename(prefix))

    def _link(self, source: str, target: str) -> None:
        try:
            os.link(source, target)
        except FileNotFoundError:
            raise
        except OSError:  # EPERM, EXDEV (a bind mount), a filesystem without links
            shutil.copyfile(source, target)
            self.copies += 1

    def clean(self, directory: str) -> None:
        """Removes the pins of dead processes in `directory`."""
        root = os.path.join(directory, PIN_DIRECTORY)
        remove_stale(root)
        _remove_empty(root)

    def release(self, pinned_prefix: str) -> None:
        """Removes one pin (its files go when the trainer has deleted theirs too)."""
        shutil.rmtree(os.path.dirname(pinned_prefix), ignore_errors=True)

    def close(self) -> None:
        """Removes every pin and owner directory, and drops the locks."""
        for directory in list(self._owners):
            self._forget(directory)

    def _forget(self, directory: str) -> None:
        owner, lock = self._owners.pop(directory)
        shutil.rmtree(owner, ignore_errors=True)
        os.close(lock)
        _remove_empty(os.path.dirname(owner))

    def _owner(self, directory: str) -> str:
        if directory in self._owners:
            return self._owners[directory][0]
        if directory in self._unavailable:
            raise PinsUnavailable(directory)
        try:
            owner, lock = _new_owner(os.path.join(directory, PIN_DIRECTORY))
        except OSError as e:
            if e.errno not in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT):
                raise
            self._unavailable.add(directory)
            _LOG.warning(
                "Cannot pin checkpoints in %s (%s): they are yielded unpinned, and one that "
                "the trainer deletes before it is used is skipped",
                directory,
                e.strerror,
            )
            raise PinsUnavailable(directory) from None
        self._owners[directory] = (owner, lock)
        return owner


def _new_owner(root: str) -> tuple[str, int]:
    """Makes this watch's directory in `root`, locked; returns it and the lock's descriptor."""
    while True:
        os.makedirs(root, exist_ok=True)
        remove_stale(root)
        owner = os.path.join(root, f"{os.getpid()}-{os.urandom(4).hex()}")
        try:
            os.mkdir(owner + ".new")
        except FileNotFoundError:
            continue  # the last watch closing removed `root` just now
        lock = os.open(os.path.join(owner + ".new", "lock"), os.O_CREAT | os.O_RDWR | os.O_CLOEXEC)
        fcntl.flock(lock, fcntl.LOCK_EX)
        os.rename(owner + ".new", owner)
        return owner, lock


def remove_stale(root: str) -> None:
    """Removes the owner directories in `root` whose process is gone."""
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        owner = os.path.join(root, name)
        if name.endswith(".new"):
            try:
                stale = time.time() - os.stat(owner).st_mtime > _SETUP_GRACE
            except OSError:
                continue
        else:
            stale = _unlocked(os.path.join(owner, "lock"))
        if stale:
            shutil.rmtree(owner, ignore_errors=True)


def _unlocked(lock_path: str) -> bool:
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False  # not an owner directory of ours, or not ours to judge
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # its watch is alive
    finally:
        os.close(fd)  # drops the lock just taken, if any
    return True


def _remove_empty(root: str) -> None:
    with contextlib.suppress(OSError):  # other watches' pins are in it
        os.rmdir(root)
