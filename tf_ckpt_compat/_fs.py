"""The file operations the pure backend needs, on the local disk.

Everything the pure backend reads, lists, writes or deletes goes through one
`FileSystem` object, so that another storage layer can stand in for the local
disk without touching the logic that mirrors TensorFlow.
"""

from __future__ import annotations

import contextlib
import os


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
        # TensorFlow reports mtime_nsec / 1e9, not st_mtime: the two differ in
        # the last bits of the float.
        return os.stat(path).st_mtime_ns / 1e9

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


def for_path(path: str) -> LocalFileSystem:
    """Returns the filesystem that serves `path`."""
    return LOCAL
