"""The protobuf wire format, decoded by hand, for the bundle's own few messages.

A bundle's `.index` table holds one `BundleHeaderProto` (under the empty key)
and one `BundleEntryProto` per tensor (`tensor_bundle.proto`); both need only
varints, fixed32 and length-delimited fields, so no protobuf runtime is needed.
Functions take and return `(src, pos)` as tomli's parser does; a malformed
message raises `WireError`, which the reader turns into TensorFlow's error.

Unknown fields are skipped, as protobuf does, and so is a known field with
another wire type than its own (protobuf's parser takes it for an unknown
field). For a repeated scalar, both the packed and the unpacked encodings are
accepted, as protobuf's parser does.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

# Wire types (https://protobuf.dev/programming-guides/encoding/).
VARINT, I64, LEN, I32 = 0, 1, 2, 5


class WireError(ValueError):
    """The bytes are not a valid encoding of the expected message."""


def read_varint(src: bytes | bytearray | memoryview, pos: int) -> tuple[int, int]:
    """A base-128 varint at `pos`: (value, position after it). At most 10 bytes."""
    result = shift = 0
    end = min(len(src), pos + 10)
    while pos < end:
        byte = src[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7
    raise WireError("truncated or overlong varint")


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _signed32(value: int) -> int:
    # int32 fields are sign-extended to 64 bits on the wire; protobuf truncates.
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def fields(src: bytes | memoryview) -> Iterator[tuple[int, int, object]]:
    """The (field number, wire type, value) of each field of one message, in order.

    A varint or fixed value is an int; a length-delimited one is a memoryview.
    """
    view = memoryview(src)
    pos, end = 0, len(view)
    while pos < end:
        tag, pos = read_varint(view, pos)
        number, wire_type = tag >> 3, tag & 7
        if number == 0:
            raise WireError("field number 0")
        if wire_type == VARINT:
            value, pos = read_varint(view, pos)
            yield number, wire_type, value
        elif wire_type == I64:
            if pos + 8 > end:
                raise WireError("truncated fixed64")
            yield number, wire_type, int.from_bytes(view[pos : pos + 8], "little")
            pos += 8
        elif wire_type == I32:
            if pos + 4 > end:
                raise WireError("truncated fixed32")
            yield number, wire_type, int.from_bytes(view[pos : pos + 4], "little")
            pos += 4
        elif wire_type == LEN:
            length, pos = read_varint(view, pos)
            if pos + length > end:
                raise WireError("truncated length-delimited field")
            yield number, wire_type, view[pos : pos + length]
            pos += length
        else:  # groups (3, 4) are not in these messages, and 6, 7 do not exist
            raise WireError(f"unexpected wire type {wire_type}")


def _known(
    src: bytes | memoryview, schema: dict[int, tuple[int, ...]]
) -> Iterator[tuple[int, object]]:
    """(number, value) of the fields of `src` that `schema` names, with a wire type it allows."""
    for number, wire_type, value in fields(src):
        if wire_type in schema.get(number, ()):
            yield number, value


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _message(value: object) -> memoryview:
    assert isinstance(value, memoryview)
    return value


_V, _L, _F = (VARINT,), (LEN,), (I32,)


class Header:
    """`BundleHeaderProto`: the shard count, the byte order, the format version."""

    __slots__ = ("num_shards", "endianness", "producer", "min_consumer", "bad_consumers")

    LITTLE = 0
    BIG = 1

    def __init__(self) -> None:
        self.num_shards = 0
        self.endianness = self.LITTLE
        self.producer = 0
        self.min_consumer = 0
        self.bad_consumers: list[int] = []


def parse_header(src: bytes | memoryview) -> Header:
    header = Header()
    for number, value in _known(src, {1: _V, 2: _V, 3: _L}):
        if number == 1:
            header.num_shards = _signed32(_int(value))
        elif number == 2:
            header.endianness = _signed32(_int(value))
        else:
            _parse_version(_message(value), header)
    return header


def _parse_version(src: memoryview, header: Header) -> None:
    # VersionDef (versions.proto): producer = 1, min_consumer = 2, bad_consumers = 3.
    for number, value in _known(src, {1: _V, 2: _V, 3: (VARINT, LEN)}):
        if number == 1:
            header.producer = _signed32(_int(value))
        elif number == 2:
            header.min_consumer = _signed32(_int(value))
        elif isinstance(value, memoryview):  # packed
            pos = 0
            while pos < len(value):
                item, pos = read_varint(value, pos)
                header.bad_consumers.append(_signed32(item))
        else:
            header.bad_consumers.append(_signed32(_int(value)))


class Entry:
    """`BundleEntryProto`: where one tensor's bytes are, and what they are.

    `shape` is None for an unknown rank; `slices` lists, for a partitioned
    variable, each stored slice as `(start, length)` per dimension, with
    length -1 for a whole dimension (`TensorSliceProto`).
    """

    __slots__ = ("dtype", "shape", "shard_id", "offset", "size", "crc32c", "slices")

    def __init__(self) -> None:
        self.dtype = 0
        self.shape: list[int] | None = []
        self.shard_id = 0
        self.offset = 0
        self.size = 0
        self.crc32c = 0
        self.slices: list[list[tuple[int, int]]] = []


def parse_entry(src: bytes | memoryview) -> Entry:
    entry = Entry()
    schema: dict[int, tuple[int, ...]] = {1: _V, 2: _L, 3: _V, 4: _V, 5: _V, 6: _F, 7: _L}
    for number, value in _known(src, schema):
        if number == 1:
            entry.dtype = _signed32(_int(value))
        elif number == 2:
            entry.shape = _parse_shape(_message(value))
        elif number == 3:
            entry.shard_id = _signed32(_int(value))
        elif number == 4:
            entry.offset = _signed64(_int(value))
        elif number == 5:
            entry.size = _signed64(_int(value))
        elif number == 6:
            entry.crc32c = _int(value)
        else:
            entry.slices.append(_parse_slice(_message(value)))
    return entry


def _parse_shape(src: memoryview) -> list[int] | None:
    # TensorShapeProto: dim = 2 (Dim: size = 1, name = 2), unknown_rank = 3.
    dims: list[int] = []
    unknown_rank = False
    for number, value in _known(src, {2: _L, 3: _V}):
        if number == 2:
            size = 0
            for _, dim_size in _known(_message(value), {1: _V}):
                size = _signed64(_int(dim_size))
            dims.append(size)
        else:
            unknown_rank = bool(_int(value))
    return None if unknown_rank else dims


def _parse_slice(src: memoryview) -> list[tuple[int, int]]:
    # TensorSliceProto: extent = 1 (Extent: start = 1, oneof has_length { length = 2 }).
    extents = []
    for _, extent in _known(src, {1: _L}):
        start, length = 0, -1
        for number, value in _known(_message(extent), {1: _V, 2: _V}):
            if number == 1:
                start = _signed64(_int(value))
            else:
                length = _signed64(_int(value))
        extents.append((start, length))
    return extents


def parse_variant(src: bytes | memoryview) -> tuple[str, bool]:
    """`VariantTensorDataProto`: its type name, and whether it holds metadata or tensors.

    The tensors (`TensorProto`s) are checked as well-formed messages, not
    decoded: the reader keeps no variant's value, only TensorFlow's checks.
    """
    # VariantTensorDataProto: type_name = 1 (string), metadata = 2, tensors = 3.
    type_name, contents = "", False
    for number, value in _known(src, {1: _L, 2: _L, 3: _L}):
        if number == 1:
            try:  # proto3 strings must be UTF-8, or protobuf refuses the message
                type_name = bytes(_message(value)).decode("utf-8")
            except UnicodeDecodeError:
                raise WireError("type_name is not UTF-8") from None
        elif number == 2:
            contents = contents or len(_message(value)) > 0
        else:
            for _ in fields(_message(value)):
                pass
            contents = True
    return type_name, contents
