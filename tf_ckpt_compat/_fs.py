"""The file operations the pure backend needs, and which storage serves a path.

Everything the pure backend reads, lists, writes or deletes goes through one
filesystem object, chosen per path by `for_path` as TensorFlow chooses its
filesystem by the path's scheme (`GetFileSystemForFile`):

* a path without `scheme://`: the local disk (`LOCAL`);
* `file://host/path`: the local disk at `path`, the host ignored, as
  TensorFlow's POSIX filesystem does (`FILE_URL`);
* any other `scheme://...` (`s3://`, `gs://`, `memory://`...): fsspec
  (`_remote`, imported only then), with the storage options of fsspec's own
  configuration. Schemes are case-sensitive, as in TensorFlow.

Each object has the methods of `LocalFileSystem`; every path it is given is the
full path or URL, as TensorFlow hands it to its filesystems.
"""

from __future__ import annotations

import contextlib
import os
import re

from ._errors import TFStyleError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    class FileSystem(Protocol):
        def exists(self, path: str) -> bool: ...
        def isdir(self, path: str) -> bool: ...
        def listdir(self, path: str) -> list[str]: ...
        def read_bytes(self, path: str) -> bytes: ...
        def mtime(self, path: str) -> float: ...
        def remove(self, path: str) -> None: ...
        def write_atomic(self, path: str, data: bytes) -> None: ...


class LocalFileSystem:
    """The local disk, with the semantics of TensorFlow's `file_io` on POSIX."""

    def exists(self, path: str) -> bool:
        # TensorFlow's FileExists is true for directories too.
        return os.path.exists(path)

    def isdir(self, path: str) -> bool:
        return os.path.isdir(path)

    def listdir(self, path: str) -> list[str]:
        return os.listdir(path)

    def read_bytes(self, path: str) -> bytes:
        with open(path, "rb") as f:
            return f.read()

    def mtime(self, path: str) -> float:
        # TensorFlow's PosixFileSystem::Stat sets `mtime_nsec = sbuf.st_mtime * 1e9`
        # from whole seconds (st_mtime is tv_sec), and file_io returns
        # mtime_nsec / 1e9: the seconds, without their fraction.
        seconds = os.stat(path).st_mtime_ns // 1_000_000_000  # tv_sec: floored
        return int(seconds * 1e9) / 1e9

    def remove(self, path: str) -> None:
        os.remove(path)

    def write_atomic(self, path: str, data: bytes) -> None:
        """Writes `data` to `path` so that a reader sees the old or the new file whole.

        As TensorFlow's `atomic_write_string_to_file`: a temporary file beside the
        target, then a rename over it. The temporary file is also fsynced, which
        TensorFlow leaves to the OS, so that a crash right after the rename cannot
        leave an empty state file behind.
        """
        temp_path = f"{path}.tmp{os.urandom(16).hex()}"
        try:
            with open(temp_path, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp_path, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(temp_path)
            raise


LOCAL = LocalFileSystem()


class FileURLFileSystem:
    """`file://[host]/path` URLs: the local disk, as TensorFlow's POSIX filesystem serves them.

    TensorFlow drops the scheme and the host and uses the rest as it is
    (`LocalPosixFileSystem::TranslateName`: no cleaning, so `file:///a/../b`
    needs `/a`; `file://host` is the empty path), and its error messages name
    the URL it was given; so do these methods. Results keep the URL form:
    `latest_checkpoint("file:///run")` returns `file:///run/<name>`, because the
    pure backend joins names to the directory string, as TensorFlow does.
    """

    _URL = re.compile(r"file://[^/]*")

    def _local(self, url: str) -> str:
        return url[self._URL.match(url).end() :]  # type: ignore[union-attr]

    def _call(self, method: str, url: str, *args: object) -> object:
        local = self._local(url)
        try:
            return getattr(LOCAL, method)(local, *args)
        except OSError as e:
            # "file:///run/checkpoint.tmp<hex>; ...", as TensorFlow words it.
            if isinstance(e.filename, str) and e.filename.startswith(local):
                e.filename = url + e.filename[len(local) :]
            raise

    def exists(self, path: str) -> bool:
        return self._call("exists", path)  # type: ignore[return-value]

    def isdir(self, path: str) -> bool:
        return self._call("isdir", path)  # type: ignore[return-value]

    def listdir(self, path: str) -> list[str]:
        return self._call("listdir", path)  # type: ignore[return-value]

    def read_bytes(self, path: str) -> bytes:
        return self._call("read_bytes", path)  # type: ignore[return-value]

    def mtime(self, path: str) -> float:
        return self._call("mtime", path)  # type: ignore[return-value]

    def remove(self, path: str) -> None:
        self._call("remove", path)

    def write_atomic(self, path: str, data: bytes) -> None:
        self._call("write_atomic", path, data)


FILE_URL = FileURLFileSystem()

# ParseURI in tsl/platform/path.cc: a scheme is [a-zA-Z][0-9a-zA-Z.]* before "://".
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9.]*)://")


class SchemeUnavailableError(TFStyleError):
    """No filesystem serves the path's scheme: TensorFlow's `UnimplementedError`.

    The message is TensorFlow's, word for word; `hint` says what to install.
    """

    def __init__(self, scheme: str, path: str, hint: str) -> None:
        super().__init__(
            "UnimplementedError", f"File system scheme '{scheme}' not implemented (file: '{path}')"
        )
        self.scheme = scheme
        self.hint = hint


def scheme_of(path: str) -> str | None:
    """The path's URI scheme (`"s3"` for `s3://b/x`), or None for a plain path."""
    m = _SCHEME.match(path)
    return m.group(1) if m else None


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
    from . import _remote  # only now: local use never imports fsspec

    return _remote.for_scheme(scheme)


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
    from . import _remote

    _remote.for_scheme(scheme).check(path, warn)
