"""Writing a one-shard bundle as TensorFlow's `SaveV2` writes it, byte for byte.

`BundleWriter` (tensor_bundle.cc) appends each tensor's bytes to
`<prefix>.data-00000-of-00001` in the order given, then writes
`<prefix>.index`: the header under the empty key and one entry per tensor, in
key order, through `TableBuilder` (`tsl/lib/io/table_builder.cc`,
`block_builder.cc`) with its defaults: 256 KiB blocks, a restart every 16
keys, no compression, shortest separators in the index block. Protobuf
messages are encoded as protobuf's C++ serializer encodes them: fields in
number order, proto3 defaults left out.

For tests and the demo: real checkpoints that TensorFlow opens, written
without it. Partitioned variables and more than one shard are not written.
"""

from __future__ import annotations

import sys

from . import crc32c
from .dtypes import STRING, byteswapped, enum_of, import_numpy
from .table import _TRAILER, FOOTER_LENGTH, MAGIC

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Literal

    from .._storage import FileSystem

    Order = Literal["little", "big"]  # the byte order of the machine that writes

_BLOCK_SIZE = 262144  # table::Options::block_size
_RESTART_INTERVAL = 16  # table::Options::block_restart_interval


def encode_bundle(tensors: Mapping[str, Any], big_endian: bool = False) -> tuple[bytes, bytes]:
    """The `.index` and `.data-00000-of-00001` bytes of a bundle holding `tensors`.

    Args:
      tensors: name -> value: a numpy array or scalar of any dtype TensorFlow
        saves (numpy's own, ml_dtypes' bfloat16 and float8), or an object
        array of `bytes`. Without numpy: `bytes` or `str` (a scalar string),
        and a Python `bool`, `int` or `float`, saved with the dtype numpy gives
        them (bool, int64, float64).
      big_endian: write the bundle a big-endian machine would write (for tests
        of the reader's byte swapping: there is no such machine here).

    Returns:
      (index, data).
    """
    data = bytearray()
    entries: dict[bytes, bytes] = {}
    for name, value in tensors.items():
        dtype, shape, payload, crc = _encode_tensor(value, "big" if big_endian else "little")
        crc = crc32c.mask(crc)
        # BundleEntryProto: dtype = 1, shape = 2, offset = 4, size = 5, crc32c = 6 (fixed32).
        entry = _varint_field(1, dtype) + _message_field(2, _shape(shape))
        entry += _varint_field(4, len(data)) + _varint_field(5, len(payload))
        if crc:
            entry += b"\x35" + crc.to_bytes(4, "little")
        entries[name.encode("utf-8")] = entry
        data += payload
    # BundleHeaderProto: num_shards = 1, endianness = 2 (BIG = 1), version { producer = 1 }.
    header = _varint_field(1, 1) + _varint_field(2, int(big_endian))
    header += _message_field(3, _varint_field(1, 1))
    table = [(b"", header), *sorted(entries.items())]
    return encode_table(table), bytes(data)


def write_bundle(prefix: str, tensors: Mapping[str, Any], storage: FileSystem) -> None:
    """Writes `tensors` as the checkpoint `prefix`: its data shard, then its index."""
    index, data = encode_bundle(tensors)
    storage.write(prefix + ".data-00000-of-00001", data)
    storage.write(prefix + ".index", index)


# --- tensors --------------------------------------------------------------------------------


# Python scalars, encoded without numpy: (dtype enum, struct format).
_SCALARS = {bool: (10, "?"), int: (9, "q"), float: (2, "d")}


def _encode_tensor(value: Any, order: Order) -> tuple[int, list[int], bytes, int]:
    """(dtype enum, shape, bytes, CRC-32C) of one tensor, as `BundleWriter::Add`.

    `order` is the byte order of the machine that writes: "little" or "big".
    """
    if isinstance(value, (bytes, str)):
        item = value.encode("utf-8") if isinstance(value, str) else value
        return (STRING, [], *_string_payload([item], order))
    if type(value) in _SCALARS:
        import struct

        enum, layout = _SCALARS[type(value)]
        payload = struct.pack(("<" if order == "little" else ">") + layout, value)
        return enum, [], payload, crc32c.value(payload)
    np = import_numpy()
    array = np.asarray(value)
    shape = list(array.shape)
    if array.dtype == object or array.dtype.kind in "SU":
        items = [v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in array.ravel()]
        return (STRING, shape, *_string_payload(items, order))
    array = np.ascontiguousarray(array)
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    if order != sys.byteorder:
        array = byteswapped(array)
    payload = array.tobytes()
    dtype_enum = enum_of(array.dtype)
    if dtype_enum is None:
        raise TypeError(f"TensorFlow saves no tensors of numpy dtype {array.dtype}")
    return dtype_enum, shape, payload, crc32c.value(payload)


def _string_payload(items: list[bytes], order: Order) -> tuple[bytes, int]:
    """`WriteStringTensor`: varint lengths, their masked CRC, then the bytes; and the CRC.

    The CRC covers each length as the writing machine holds it in memory.
    """
    lengths = bytearray()
    crc = 0
    for item in items:
        lengths += _varint(len(item))
        width = 4 if len(item) <= 0xFFFFFFFF else 8
        crc = crc32c.extend(crc, len(item).to_bytes(width, order))
    length_crc = crc32c.mask(crc).to_bytes(4, order)
    crc = crc32c.extend(crc, length_crc)
    for item in items:
        crc = crc32c.extend(crc, item)
    return bytes(lengths) + length_crc + b"".join(items), crc


# --- protobuf encoding ---------------------------------------------------------------------


def _varint(value: int) -> bytes:
    value &= 0xFFFFFFFFFFFFFFFF  # negative ints are ten bytes, as protobuf writes them
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _varint_field(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value) if value else b""


def _message_field(number: int, body: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(body)) + body


def _shape(dims: list[int]) -> bytes:
    # TensorShapeProto: dim = 2, each Dim { size = 1 }.
    return b"".join(_message_field(2, _varint_field(1, d)) for d in dims)


# --- the table -------------------------------------------------------------------------------


def encode_table(items: list[tuple[bytes, bytes]]) -> bytes:
    """`TableBuilder` over sorted (key, value) pairs: data blocks, metaindex, index, footer."""
    out = bytearray()
    index = _BlockBuilder(restart_interval=1)
    block = _BlockBuilder(_RESTART_INTERVAL)
    pending: tuple[int, int] | None = None
    last_key = b""
    for key, value in items:
        if pending is not None:
            index.add(_shortest_separator(last_key, key), _handle(*pending))
            pending = None
        last_key = key
        block.add(key, value)
        if block.size_estimate() >= _BLOCK_SIZE:
            pending = _write_block(out, block.finish())
            block = _BlockBuilder(_RESTART_INTERVAL)
    if not block.empty():
        pending = _write_block(out, block.finish())
    metaindex = _write_block(out, _BlockBuilder(_RESTART_INTERVAL).finish())
    if pending is not None:
        index.add(_short_successor(last_key), _handle(*pending))
    index_handle = _write_block(out, index.finish())
    footer = (_handle(*metaindex) + _handle(*index_handle)).ljust(FOOTER_LENGTH - 8, b"\0")
    out += footer + MAGIC.to_bytes(8, "little")
    return bytes(out)


def _write_block(out: bytearray, contents: bytes) -> tuple[int, int]:
    """`WriteRawBlock`: the contents, the type byte (none), the masked CRC; their handle."""
    handle = (len(out), len(contents))
    trailer = b"\x00"
    crc = crc32c.mask(crc32c.extend(crc32c.value(contents), trailer))
    out += contents + trailer + crc.to_bytes(4, "little")
    assert len(trailer) + 4 == _TRAILER
    return handle


def _handle(offset: int, size: int) -> bytes:
    return _varint(offset) + _varint(size)


class _BlockBuilder:
    """`BlockBuilder`: prefix-compressed entries, a restart point every `restart_interval`."""

    def __init__(self, restart_interval: int) -> None:
        self._interval = restart_interval
        self._buffer = bytearray()
        self._restarts = [0]
        self._counter = 0
        self._last = b""

    def add(self, key: bytes, value: bytes) -> None:
        shared = 0
        if self._counter < self._interval:
            limit = min(len(self._last), len(key))
            while shared < limit and self._last[shared] == key[shared]:
                shared += 1
        else:
            self._restarts.append(len(self._buffer))
            self._counter = 0
        self._buffer += _varint(shared) + _varint(len(key) - shared) + _varint(len(value))
        self._buffer += key[shared:] + value
        self._last = key
        self._counter += 1

    def empty(self) -> bool:
        return not self._buffer

    def size_estimate(self) -> int:
        return len(self._buffer) + 4 * len(self._restarts) + 4

    def finish(self) -> bytes:
        restarts = b"".join(r.to_bytes(4, "little") for r in self._restarts)
        return bytes(self._buffer) + restarts + len(self._restarts).to_bytes(4, "little")


def _shortest_separator(start: bytes, limit: bytes) -> bytes:
    """`BytewiseComparator::FindShortestSeparator`: a short key in [start, limit)."""
    common = 0
    while common < min(len(start), len(limit)) and start[common] == limit[common]:
        common += 1
    if common >= min(len(start), len(limit)):
        return start  # one is a prefix of the other
    byte = start[common]
    if byte < 0xFF and byte + 1 < limit[common]:
        return start[:common] + bytes([byte + 1])
    return start


def _short_successor(key: bytes) -> bytes:
    """`BytewiseComparator::FindShortSuccessor`: a short key >= `key`."""
    for i, byte in enumerate(key):
        if byte != 0xFF:
            return key[:i] + bytes([byte + 1])
    return key
