"""Where the pure backend reads, lists and writes: one filesystem object per path.

Every file operation of the pure backend, and of the tools built on it (the
command line, `testing`, the conformance runner), goes through the object
`for_path` returns, chosen as TensorFlow chooses its filesystem by the path's
scheme (`GetFileSystemForFile`):

* a path without `scheme://`: the local disk (`local.LOCAL`);
* `file://host/path`: the local disk at `path`, the host ignored, as
  TensorFlow's POSIX filesystem does (`local.FILE_URL`);
* any other `scheme://...` (`s3://`, `gs://`, `memory://`...): fsspec
  (`remote`, imported only then), with the storage options of fsspec's own
  configuration. Schemes are case-sensitive, as in TensorFlow.

Each object has the methods of `FileSystem`; every path it is given is the
full path or URL, as TensorFlow hands it to its filesystems. The path grammar
itself (schemes, cleaning, joining) lives in `paths`.
"""

from __future__ import annotations

from .info import Info
from .local import FILE_URL, LOCAL
from .paths import scheme_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    class FileSystem(Protocol):
        """The operations every storage offers, each on a full path or URL.

        Failures are `OSError`s (`_errors.describe` names them as TensorFlow
        does) whose filename is the path as given.
        """

        def local_path(self, path: str) -> str | None:
            """The path the OS is given for `path`, or None off the local disk."""
            ...

        def exists(self, path: str) -> bool:
            """TensorFlow's `FileExists`: true for a file or a directory."""
            ...

        def isdir(self, path: str) -> bool:
            """TensorFlow's `IsDirectory(...).ok()`: false on any error."""
            ...

        def listdir(self, path: str) -> list[tuple[str, bool]]:
            """The children's `(name, is_dir)` pairs, in the storage's order."""
            ...

        def scan(self, path: str) -> list[Info]:
            """The children with their size, mtime and version (ETag...)."""
            ...

        def stat(self, path: str) -> Info:
            """One file's `Info`."""
            ...

        def mtime(self, path: str) -> float:
            """TensorFlow's `stat(path).mtime_nsec / 1e9` (whole seconds on a disk)."""
            ...

        def read_bytes(self, path: str) -> bytes:
            """The file's content: as many bytes as its size says (a device: none)."""
            ...

        def read_range(self, path: str, offset: int, length: int) -> bytearray:
            """Up to `length` bytes at `offset` in a writable buffer: one positioned read or
            ranged request."""
            ...

        def write(self, path: str, data: bytes) -> None:
            """Writes the file in place."""
            ...

        def write_atomic(self, path: str, data: bytes) -> None:
            """Writes the file so that a reader sees the old or the new one whole."""
            ...

        def makedirs(self, path: str) -> None:
            """Creates a directory and its parents (where the storage has them)."""
            ...

        def link(self, source: str, target: str) -> None:
            """Makes `target` a second name of `source`; `OSError` where impossible."""
            ...

        def remove(self, path: str) -> None:
            """Deletes one file."""
            ...


__all__ = ["FILE_URL", "LOCAL", "Info", "check_scheme", "for_path"]


def for_path(path: str) -> FileSystem:
    """Returns the filesystem that serves `path`.

    This never fails and does no I/O: a scheme nothing can serve fails at the
    first operation, with TensorFlow's `UnimplementedError` naming the path that
    operation was given (and, once per process, a warning saying what to install).
    """
    scheme = scheme_of(path)
    if scheme is None:
        return LOCAL
    if scheme == "file":
        return FILE_URL
    from . import remote  # only now: local use never imports fsspec

    return remote.for_scheme(scheme)


def check_scheme(path: str, warn: bool = True) -> None:
    """Raises `SchemeUnavailableError` if no installed package serves `path`'s scheme.

    No I/O: this finds the filesystem (importing fsspec and the scheme's
    package), as TensorFlow's `GetFileSystemForFile` does before any operation.
    With `warn`, the first failure for a scheme also logs the install hint (as
    every operation does); a caller that shows `hint` itself passes False.
    """
    scheme = scheme_of(path)
    if scheme is None or scheme == "file":
        return
    from . import remote

    remote.for_scheme(scheme).check(path, warn)
