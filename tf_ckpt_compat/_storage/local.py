"""The local disk, and `file://` URLs, with the semantics of TensorFlow's POSIX filesystem.

Each method hands the OS the path TensorFlow would (`local_path`: for a plain
path, `paths.clean_path`; for a `file://` URL, `paths.file_url_path`), and
its errors name the path as given, as TensorFlow's do.

TensorFlow hands the OS a C string: a path holding a NUL character stops there
(`/run\0x/checkpoint` is `/run`), where Python's own calls refuse it. So does
every path here.
"""

from __future__ import annotations

import os
import stat

from .info import Info
from .paths import clean_path, file_url_path


class LocalFileSystem:
    """Plain paths: the local disk, each path cleaned as TensorFlow's `TranslateName` does."""

    def local_path(self, path: str) -> str:
        """The path the OS is given for `path`: cleaned, then cut at a NUL."""
        return _c_string(clean_path(path))

    def exists(self, path: str) -> bool:
        # TensorFlow's FileExists is true for directories too.
        return os.path.exists(self.local_path(path))

    def isdir(self, path: str) -> bool:
        return os.path.isdir(self.local_path(path))

    def listdir(self, path: str) -> list[tuple[str, bool]]:
        local = self.local_path(path)
        with _NamedAs((path, local)), os.scandir(local) as entries:
            return [(entry.name, _is_dir(entry)) for entry in entries]

    def scan(self, path: str) -> list[Info]:
        local = self.local_path(path)
        infos = []
        with _NamedAs((path, local)), os.scandir(local) as entries:
            for entry in entries:
                try:
                    infos.append(_info(entry.name, entry.stat()))
                except FileNotFoundError:  # deleted since the listing
                    continue
        return infos

    def stat(self, path: str) -> Info:
        local = self.local_path(path)
        with _NamedAs((path, local)):
            return _info(os.path.basename(local), os.stat(local))

    def mtime(self, path: str) -> float:
        """The modification time as TensorFlow's `file_io.stat(path).mtime_nsec / 1e9`."""
        local = self.local_path(path)
        with _NamedAs((path, local)):
            # TensorFlow's PosixFileSystem::Stat sets `mtime_nsec = sbuf.st_mtime * 1e9`
            # from whole seconds (st_mtime is tv_sec), and file_io returns
            # mtime_nsec / 1e9: the seconds, without their fraction.
            seconds = os.stat(local).st_mtime_ns // 1_000_000_000  # tv_sec: floored
        return int(seconds * 1e9) / 1e9

    def read_bytes(self, path: str) -> bytes:
        """The file, read as TensorFlow's `file_io.read_file_to_string` reads it.

        As many bytes as the file's size says: a device (a state file that is a
        link to `/dev/zero`) has size 0, and reads as empty rather than forever.
        TensorFlow's Python layer hands the path over as a C string, cut at a
        NUL before it is cleaned. A failure to open names that path; a failure
        to read (a directory) names the cleaned one, which TensorFlow's open
        file keeps.
        """
        given = _c_string(path)
        local = self.local_path(given)
        with _NamedAs((given, local)):
            fd = os.open(local, os.O_RDONLY)
        try:
            size = os.fstat(fd).st_size
            chunks, done = [], 0
            while done < size:  # a read may return less than asked before the end
                chunk = os.read(fd, size - done)
                if not chunk:
                    break
                chunks.append(chunk)
                done += len(chunk)
        except OSError as e:
            raise OSError(e.errno, e.strerror, local) from None
        finally:
            os.close(fd)
        return b"".join(chunks)

    def read_range(self, path: str, offset: int, length: int) -> bytearray:
        """Up to `length` bytes at `offset` (fewer only at the end of the file).

        One positioned read into a new, writable buffer: a tensor read here
        becomes an ndarray without a second copy.
        """
        local = self.local_path(path)
        buffer = bytearray(length)
        view, done = memoryview(buffer), 0
        with _NamedAs((path, local)), open(local, "rb", buffering=0) as f:
            f.seek(offset)
            while done < length:  # a read may return less than asked before the end
                count = f.readinto(view[done:])
                if not count:
                    break
                done += count
        view.release()
        del buffer[done:]
        return buffer

    def write(self, path: str, data: bytes) -> None:
        """Writes `data` to `path` in place, creating missing parent directories.

        A reader may see the file half written: `write_atomic` is for files
        that are read while they change.
        """
        local = self.local_path(path)
        with _NamedAs((path, local)):
            parent = os.path.dirname(local)
            if parent:
                os.makedirs(parent, exist_ok=True)
            with open(local, "wb") as f:
                f.write(data)

    def write_atomic(self, path: str, data: bytes) -> None:
        """Writes `data` to `path` so that a reader sees the old or the new file whole.

        As TensorFlow's `atomic_write_string_to_file`: a temporary file beside the
        target, then a rename over it. The temporary file is also fsynced, which
        TensorFlow leaves to the OS, so that a crash right after the rename cannot
        leave an empty state file behind.
        """
        # The temporary name is made from the path as given, and then handed to
        # the OS as TensorFlow hands it (cleaned, cut at a NUL).
        temp = f"{path}.tmp{os.urandom(16).hex()}"
        local, temp_path = self.local_path(path), self.local_path(temp)
        with _NamedAs((temp, temp_path), (path, local)):
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

    def makedirs(self, path: str) -> None:
        """Creates `path` and its missing parents; an existing directory is fine."""
        local = self.local_path(path)
        with _NamedAs((path, local)):
            os.makedirs(local, exist_ok=True)

    def link(self, source: str, target: str) -> None:
        """Makes `target` a hard link to `source` (same filesystem only: else `EXDEV`)."""
        local_source, local_target = self.local_path(source), self.local_path(target)
        with _NamedAs((source, local_source), (target, local_target)):
            os.link(local_source, local_target)

    def remove(self, path: str) -> None:
        local = self.local_path(path)
        with _NamedAs((path, local)):
            os.remove(local)


class FileURLFileSystem(LocalFileSystem):
    """`file://[host]/path` URLs: the local disk, as TensorFlow's POSIX filesystem serves them.

    Results keep the URL form: `latest_checkpoint("file:///run")` returns
    `file:///run/<name>`, because the pure backend joins names to the directory
    string, as TensorFlow does.
    """

    def local_path(self, path: str) -> str:
        return _c_string(file_url_path(path))


LOCAL = LocalFileSystem()
FILE_URL = FileURLFileSystem()


def _c_string(path: str) -> str:
    """`path` as a C string reads it: up to its first NUL."""
    end = path.find("\0")
    return path if end < 0 else path[:end]


def _is_dir(entry: os.DirEntry[str]) -> bool:
    # As TensorFlow's IsDirectory (a stat that follows links): a child that
    # cannot be stat'ed is no directory to descend into.
    try:
        return entry.is_dir()
    except OSError:
        return False


def _info(name: str, st: os.stat_result) -> Info:
    # The inode, change time and size tell a rewritten file from the old one
    # even within one mtime tick.
    version = f"{st.st_ino}-{st.st_ctime_ns}-{st.st_size}"
    return Info(name, stat.S_ISDIR(st.st_mode), st.st_size, st.st_mtime, version)


class _NamedAs:
    """Makes an OSError about a `local` path name its `path`, the path as it was given.

    TensorFlow's messages name that path (`"<path>.tmp<hex>; ..."`), not the
    cleaned one. Each pair is `(path, local)`; a name is renamed once, by the
    longest `local` it starts with (the first given, where two are equal: two
    paths cut at a NUL can be). (A class, not a generator-based context manager:
    `contextlib` slows a cold start.)
    """

    __slots__ = ("pairs",)

    def __init__(self, *pairs: tuple[str, str]) -> None:
        self.pairs = sorted(pairs, key=lambda pair: -len(pair[1]))

    def __enter__(self) -> None:
        return None

    # None, not False: type checkers read a `bool` result as "may swallow the
    # exception", and then see paths out of the `with` blocks that do not exist.
    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if not isinstance(exc, OSError):
            return
        for attribute in ("filename", "filename2"):
            name = getattr(exc, attribute, None)
            if not isinstance(name, str):
                continue
            for path, local in self.pairs:
                if name.startswith(local):
                    setattr(exc, attribute, path + name[len(local) :])
                    break
