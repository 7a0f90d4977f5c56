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

import os
import posixpath

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


def clean_path(path: str) -> str:
    """The path TensorFlow's POSIX filesystem hands to the OS for a scheme-less `path`.

    `FileSystem::TranslateName` cleans it lexically (`CleanPath`) before any
    system call, without looking at the disk: `missing/../x` is `x` even though
    `missing` does not exist, and `file/` is `file`. That is `posixpath.normpath`,
    except that a leading `//` becomes `/`.
    """
    if not path:
        return path
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


class LocalFileSystem:
    """The local disk, with the semantics of TensorFlow's `file_io` on POSIX.

    Each method hands the OS the path TensorFlow would (`os_path`: for a plain
    path, `clean_path`), and its errors name the path as given, as TensorFlow's do.
    """

    def os_path(self, path: str) -> str:
        return clean_path(path)

    def _naming(self, path: str, os_path: str) -> _NamedAs:
        return _NamedAs(path, os_path)

    def exists(self, path: str) -> bool:
        # TensorFlow's FileExists is true for directories too.
        return os.path.exists(self.os_path(path))

    def isdir(self, path: str) -> bool:
        return os.path.isdir(self.os_path(path))

    def listdir(self, path: str) -> list[str]:
        local = self.os_path(path)
        with self._naming(path, local):
            return os.listdir(local)

    def read_bytes(self, path: str) -> bytes:
        local = self.os_path(path)
        with self._naming(path, local), open(local, "rb") as f:
            return f.read()

    def mtime(self, path: str) -> float:
        local = self.os_path(path)
        with self._naming(path, local):
            # TensorFlow's PosixFileSystem::Stat sets `mtime_nsec = sbuf.st_mtime * 1e9`
            # from whole seconds (st_mtime is tv_sec), and file_io returns
            # mtime_nsec / 1e9: the seconds, without their fraction.
            seconds = os.stat(local).st_mtime_ns // 1_000_000_000  # tv_sec: floored
        return int(seconds * 1e9) / 1e9

    def remove(self, path: str) -> None:
        local = self.os_path(path)
        with self._naming(path, local):
            os.remove(local)

    def write_atomic(self, path: str, data: bytes) -> None:
        """Writes `data` to `path` so that a reader sees the old or the new file whole.

        As TensorFlow's `atomic_write_string_to_file`: a temporary file beside the
        target, then a rename over it. The temporary file is also fsynced, which
        TensorFlow leaves to the OS, so that a crash right after the rename cannot
        leave an empty state file behind.
        """
        local = self.os_path(path)
        temp_path = f"{local}.tmp{os.urandom(16).hex()}"
        with self._naming(path, local):
            try:
                with open(temp_path, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(temp_path, local)
            except BaseException:
                try:  # noqa: SIM105 (contextlib slows a cold start)
                    os.remove(temp_path)
                except OSError:
                    pass  # never written, or already gone: the first error is the one to raise
                raise


class _NamedAs:
    """Makes an OSError about `os_path` name `path`, the path as it was given.

    TensorFlow's messages name that path (`"<path>.tmp<hex>; ..."`), not the
    cleaned one. (A class, not a generator-based context manager: `contextlib`
    slows a cold start.)
    """

    __slots__ = ("path", "os_path")

    def __init__(self, path: str, os_path: str) -> None:
        self.path, self.os_path = path, os_path

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> bool:
        filename = getattr(exc, "filename", None)
        if (
            isinstance(exc, OSError)
            and isinstance(filename, str)
            and filename.startswith(self.os_path)
        ):
            exc.filename = self.path + filename[len(self.os_path) :]
        return False


LOCAL = LocalFileSystem()


class FileURLFileSystem(LocalFileSystem):
    """`file://[host]/path` URLs: the local disk, as TensorFlow's POSIX filesystem serves them.

    TensorFlow drops the scheme and the host and uses the rest as it is
    (`LocalPosixFileSystem::TranslateName`: no cleaning, so `file:///a/../b`
    needs `/a`; `file://host` is the empty path), and its error messages name
    the URL it was given; so do these methods. Results keep the URL form:
    `latest_checkpoint("file:///run")` returns `file:///run/<name>`, because the
    pure backend joins names to the directory string, as TensorFlow does.
    """

    def os_path(self, path: str) -> str:
        host_and_path = path[len("file://") :]
        slash = host_and_path.find("/")
        return host_and_path[slash:] if slash >= 0 else ""


FILE_URL = FileURLFileSystem()

# ParseURI in tsl/platform/path.cc: a scheme is [a-zA-Z][0-9a-zA-Z.]* before "://".
_SCHEME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_SCHEME_REST = _SCHEME_START | frozenset("0123456789.")


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
    end = path.find("://")
    scheme = path[:end]
    if end > 0 and scheme[0] in _SCHEME_START and all(c in _SCHEME_REST for c in scheme):
        return scheme
    return None


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
