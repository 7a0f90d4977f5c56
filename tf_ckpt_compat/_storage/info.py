"""What a listing or a stat says of one file, the same for every storage."""

from __future__ import annotations


class Info:
    """One file or directory, as its storage describes it at no extra request.

    Attributes:
      name: the base name (no directory).
      is_dir: whether it is a directory (a prefix, on object stores).
      size: its size in bytes (0 for a directory).
      mtime: its modification time in seconds since the Epoch, as precise as
        the storage keeps it (TensorFlow's whole seconds are
        `FileSystem.mtime`'s business, not this).
      version: a token that changes whenever the content may have changed: the
        ETag or generation on object stores, inode, change time and size on a
        disk; None where the storage offers none.
    """

    __slots__ = ("name", "is_dir", "size", "mtime", "version")

    def __init__(
        self, name: str, is_dir: bool, size: int, mtime: float | None, version: str | None
    ) -> None:
        self.name = name
        self.is_dir = is_dir
        self.size = size
        self.mtime = mtime
        self.version = version

    def _fields(self) -> tuple[str, bool, int, float | None, str | None]:
        return (self.name, self.is_dir, self.size, self.mtime, self.version)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Info) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return "Info(name=%r, is_dir=%r, size=%r, mtime=%r, version=%r)" % self._fields()
