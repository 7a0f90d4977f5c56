"""The `.index` file: a LevelDB-format sorted table, read as TensorFlow's `tsl::table` reads it.

Layout (`tsl/lib/io/format.{h,cc}`, `block.cc`, `table.cc`):

* the last 48 bytes are the footer: the metaindex and index block handles
  (two varints each), zero padding, and the magic number;
* each block is its contents, one compression-type byte and the masked
  CRC-32C of both, checked on every read, as TensorFlow does;
* a block's contents are prefix-compressed entries, then the restart offsets
  (uint32 each) and their count; an entry at a restart point shares nothing
  with the key before it;
* the index block maps a separator key (>= every key of a data block) to
  that data block's handle.

Looking up one key is a binary search of the index block's restart points,
one data block read, and a binary search of its restarts: no scan of the
table. Errors are `TableError`s with TensorFlow's messages; the reader turns
them into its `DataLossError`.
"""

from __future__ import annotations

from . import crc32c
from .wire import WireError, read_varint

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

MAGIC = 0xDB4775248B80FB57  # kTableMagicNumber
FOOTER_LENGTH = 48  # Footer::kEncodedLength: 2 * BlockHandle::kMaxEncodedLength + 8
_TRAILER = 5  # kBlockTrailerSize: the type byte and the CRC
_NO_COMPRESSION, _SNAPPY = 0, 1


class TableError(Exception):
    """The table is not readable; the message is TensorFlow's."""


class Table:
    """A sorted table of byte keys and values, read through `read_range(offset, length)`."""

    def __init__(self, read_range: Callable[[int, int], bytes | bytearray], size: int) -> None:
        self._read_range = read_range
        if size < FOOTER_LENGTH:
            raise TableError("file is too short to be an sstable")
        footer = read_range(size - FOOTER_LENGTH, FOOTER_LENGTH)
        if len(footer) < FOOTER_LENGTH:
            raise TableError("truncated block read")
        magic = int.from_bytes(footer[40:48], "little")  # two little-endian uint32s, low first
        if magic != MAGIC:
            raise TableError("not an sstable (bad magic number)")
        try:
            _, pos = _handle(footer, 0)  # the metaindex block: empty in bundles
            index_handle, _ = _handle(footer, pos)
        except WireError:
            raise TableError("bad block handle") from None
        self._index = Block(self._block(index_handle))
        # Data blocks already read and checked: a reader looks many tensors up.
        self._blocks: dict[tuple[int, int], Block] = {}

    def _data_block(self, handle_bytes: bytes) -> Block:
        handle = _handle_of(handle_bytes)
        block = self._blocks.get(handle)
        if block is None:
            block = self._blocks[handle] = Block(self._block(handle))
        return block

    def _block(self, handle: tuple[int, int]) -> bytes:
        """The contents of the block at `handle`, checked against its CRC (`ReadBlock`)."""
        offset, size = handle
        data = bytes(self._read_range(offset, size + _TRAILER))
        if len(data) != size + _TRAILER:
            raise TableError("truncated block read")
        stored = int.from_bytes(data[size + 1 : size + _TRAILER], "little")
        if crc32c.unmask(stored) != crc32c.value(memoryview(data)[: size + 1]):
            raise TableError("block checksum mismatch")
        kind = data[size]
        if kind == _NO_COMPRESSION:
            return data[:size]
        if kind == _SNAPPY:
            return snappy_decompress(memoryview(data)[:size])
        raise TableError("bad block type")

    def get(self, key: bytes) -> bytes | None:
        """The value stored under `key`, or None."""
        for _, handle_bytes in self._index.seek(key):
            for found, value in self._data_block(handle_bytes).seek(key):
                return value if found == key else None
            return None
        return None

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        """Every (key, value), in key order."""
        for _, handle_bytes in self._index.seek(b""):
            yield from self._data_block(handle_bytes).seek(b"")


def _handle(src: bytes | bytearray | memoryview, pos: int) -> tuple[tuple[int, int], int]:
    offset, pos = read_varint(src, pos)
    size, pos = read_varint(src, pos)
    return (offset, size), pos


def _handle_of(value: bytes) -> tuple[int, int]:
    try:
        return _handle(value, 0)[0]
    except WireError:
        raise TableError("bad block handle") from None


class Block:
    """One block's entries, searched by their restart points."""

    __slots__ = ("_data", "_restarts", "_count")

    def __init__(self, data: bytes) -> None:
        size = len(data)
        if size < 4:
            raise TableError("bad block contents")
        count = int.from_bytes(data[size - 4 :], "little")
        if count > (size - 4) // 4:
            raise TableError("bad block contents")
        self._data = data
        self._restarts = size - 4 - 4 * count
        self._count = count

    def _restart(self, index: int) -> int:
        at = self._restarts + 4 * index
        return int.from_bytes(self._data[at : at + 4], "little")

    def _entry(self, pos: int, previous: bytes) -> tuple[bytes, bytes, int]:
        """The entry at `pos` (key rebuilt from `previous`), and the position after it."""
        data = self._data
        try:
            shared, pos = read_varint(data, pos)
            non_shared, pos = read_varint(data, pos)
            value_length, pos = read_varint(data, pos)
        except WireError:
            raise TableError("bad entry in block") from None
        end = pos + non_shared + value_length
        if shared > len(previous) or end > self._restarts:
            raise TableError("bad entry in block")
        key = previous[:shared] + data[pos : pos + non_shared]
        return key, data[pos + non_shared : end], end

    def seek(self, target: bytes) -> Iterator[tuple[bytes, bytes]]:
        """The entries from the first whose key is >= `target`, in order."""
        if self._count == 0:
            return
        # The last restart point whose key is < target (Block::Iter::Seek).
        low, high = 0, self._count - 1
        while low < high:
            middle = (low + high + 1) // 2
            key, _, _ = self._entry(self._restart(middle), b"")
            if key < target:
                low = middle
            else:
                high = middle - 1
        pos, key = self._restart(low), b""
        while pos < self._restarts:
            key, value, pos = self._entry(pos, key)
            if key >= target:
                yield key, value


def snappy_decompress(src: memoryview) -> bytes:
    """A Snappy block (the raw format, not framed): TensorFlow's tables may hold them."""
    try:
        length, pos = read_varint(src, 0)
        out = bytearray()
        while pos < len(src):
            tag = src[pos]
            pos += 1
            kind = tag & 3
            if kind == 0:  # a literal
                size = tag >> 2
                if size >= 60:
                    extra = size - 59
                    size = int.from_bytes(src[pos : pos + extra], "little")
                    pos += extra
                size += 1
                if pos + size > len(src):
                    raise TableError("corrupted compressed block contents")
                out += src[pos : pos + size]
                pos += size
                continue
            if kind == 1:
                size = ((tag >> 2) & 7) + 4
                offset = (tag >> 5) << 8 | src[pos]
                pos += 1
            else:
                width = 2 if kind == 2 else 4
                size = (tag >> 2) + 1
                offset = int.from_bytes(src[pos : pos + width], "little")
                pos += width
            if offset == 0 or offset > len(out):
                raise TableError("corrupted compressed block contents")
            for _ in range(size):  # byte by byte: a copy may overlap what it writes
                out.append(out[-offset])
    except (IndexError, WireError):
        raise TableError("corrupted compressed block contents") from None
    if len(out) != length:
        raise TableError("corrupted compressed block contents")
    return bytes(out)
