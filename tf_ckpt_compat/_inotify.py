"""Linux's inotify through `ctypes`: the events of watched directories, with no dependency.

`watch()` waits on this descriptor (with `select`) instead of sleeping between
polls, so a state file renamed into place is seen within a millisecond. The
calls and the event layout are those of inotify(7); `open()` returns None
wherever they do not exist (another OS, a libc without them), and the caller
polls instead.
"""

from __future__ import annotations

import ctypes
import os
import struct
import sys
from typing import NamedTuple

# <sys/inotify.h>
IN_CLOSE_WRITE = 0x00000008
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ONLYDIR = 0x01000000
_IN_NONBLOCK = os.O_NONBLOCK
_IN_CLOEXEC = os.O_CLOEXEC

# Everything that can make a checkpoint appear, complete or vanish in a directory:
# files written and closed, renamed in or out, created (a hard link, a directory),
# deleted; and the directory itself going away. Not IN_MODIFY: a trainer writing
# gigabytes of tensors would wake the watcher at every write.
DIRECTORY_EVENTS = (
    IN_CLOSE_WRITE
    | IN_MOVED_FROM
    | IN_MOVED_TO
    | IN_CREATE
    | IN_DELETE
    | IN_DELETE_SELF
    | IN_MOVE_SELF
    | IN_ONLYDIR
)
# The watched directory is gone (or moved away): its watch no longer reports it.
GONE = IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED

_HEADER = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len; then the name


class Event(NamedTuple):
    wd: int
    mask: int
    name: bytes


class Inotify:
    """One inotify instance: a non-blocking descriptor to `select` on."""

    def __init__(self, libc: ctypes.CDLL, fd: int) -> None:
        self._libc = libc
        self._fd = fd

    def fileno(self) -> int:
        return self._fd

    def add(self, path: str, mask: int = DIRECTORY_EVENTS) -> int:
        """Watches `path`; returns its watch descriptor.

        Raises:
          OSError: from inotify_add_watch(2): ENOENT, ENOTDIR (with IN_ONLYDIR),
            EACCES, or ENOSPC when the user's watch limit is reached.
        """
        wd: int = self._libc.inotify_add_watch(self._fd, os.fsencode(path), mask)
        if wd < 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code), path)
        return wd

    def remove(self, wd: int) -> None:
        """Stops watching `wd`; one that the kernel already dropped is no error."""
        self._libc.inotify_rm_watch(self._fd, wd)

    def read(self) -> list[Event]:
        """The events queued now (none if there are none: the descriptor does not block)."""
        try:
            data = os.read(self._fd, 64 * 1024)
        except BlockingIOError:
            return []
        events = []
        offset = 0
        while offset < len(data):
            wd, mask, _cookie, length = _HEADER.unpack_from(data, offset)
            offset += _HEADER.size
            name = data[offset : offset + length].rstrip(b"\0")
            offset += length
            events.append(Event(wd, mask, name))
        return events

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def open_inotify() -> Inotify | None:
    """A new inotify instance, or None where the OS has none or refuses one."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        init = libc.inotify_init1
    except (OSError, AttributeError):
        return None
    init.argtypes = [ctypes.c_int]
    libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
    libc.inotify_rm_watch.argtypes = [ctypes.c_int, ctypes.c_int]
    fd: int = init(_IN_NONBLOCK | _IN_CLOEXEC)
    # EMFILE (the user's instance limit), ENFILE, ENOSYS: the caller polls instead.
    return None if fd < 0 else Inotify(libc, fd)
