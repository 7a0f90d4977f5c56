"""The protobuf wire format, decoded by hand, for the checkpoints' own few messages.

A bundle's `.index` table holds one `BundleHeaderProto` (under the empty key)
and one `BundleEntryProto` per tensor (`tensor_bundle.proto`); a V1
checkpoint's tables hold `SavedTensorSlices` (`saved_tensor_slice.proto`), whose
values are `TensorProto`s (`tensor.proto`). All need only varints, fixed-width
and length-delimited fields, so no protobuf runtime is needed.
Functions take and return `(src, pos)` as tomli's parser does; a malformed
message raises `WireError`, which the reader turns into TensorFlow's error.

Unknown fields are skipped, as protobuf does, and so is a known field with
another wire type than its own (protobuf's parser takes it for an unknown
field). For a repeated scalar, both the packed and the unpacked encodings are
accepted, as protobuf's parser does.
"""

from __future__ import annotations

from typing import NamedTuple, TypeVar

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

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


class _Field(NamedTuple):
    """How a message field is decoded: the attribute of the decoded object it sets."""

    wire_types: tuple[int, ...]
    decode: Callable[[object], object]
    attribute: str
    repeated: bool = False  # appended to the attribute's list


_T = TypeVar("_T")


def _decoded(src: bytes | memoryview, target: _T, schema: dict[int, _Field]) -> _T:
    """`target`, its attributes set from the fields of `src` as `schema` says."""
    for number, wire_type, value in fields(src):
        field = schema.get(number)
        if field is None or wire_type not in field.wire_types:
            continue  # unknown, or known with another wire type: skipped, as by protobuf
        if field.repeated:
            getattr(target, field.attribute).append(field.decode(value))
        else:
            setattr(target, field.attribute, field.decode(value))
    return target


def _as_int32(value: object) -> int:
    return _signed32(_int(value))


def _as_int64(value: object) -> int:
    return _signed64(_int(value))


def _as_shape(value: object) -> list[int] | None:
    return _parse_shape(_message(value))


def _as_slice(value: object) -> list[tuple[int, int]]:
    return _parse_slice(_message(value))


def _as_string(value: object) -> bytes:
    return _utf8(_message(value))


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
    return _decoded(src, Entry(), _ENTRY)


def _tensor_fields(dtype: int, shape: int, slices: int) -> dict[int, _Field]:
    """The fields, by their numbers, of a tensor's dtype, shape and saved slices.

    Both formats describe a tensor so: a bundle's `BundleEntryProto`, and a V1
    checkpoint's `SavedSliceMeta`.
    """
    return {
        dtype: _Field(_V, _as_int32, "dtype"),
        shape: _Field(_L, _as_shape, "shape"),
        slices: _Field(_L, _as_slice, "slices", repeated=True),
    }


# BundleEntryProto: dtype = 1, shape = 2, shard_id = 3, offset = 4, size = 5,
# crc32c = 6 (fixed32), slices = 7.
_ENTRY = {
    **_tensor_fields(dtype=1, shape=2, slices=7),
    3: _Field(_V, _as_int32, "shard_id"),
    4: _Field(_V, _as_int64, "offset"),
    5: _Field(_V, _as_int64, "size"),
    6: _Field(_F, _int, "crc32c"),
}


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


# --- V1 checkpoints: saved_tensor_slice.proto and the TensorProto fields it uses -----------


class SliceMeta:
    """`SavedSliceMeta`: one tensor's name, shape, dtype, and the slices saved of it.

    `shape` is None for an unknown rank; `slices` as `Entry.slices`.
    """

    __slots__ = ("name", "shape", "dtype", "slices")

    def __init__(self) -> None:
        self.name = b""
        self.shape: list[int] | None = []
        self.dtype = 0
        self.slices: list[list[tuple[int, int]]] = []


class TensorSlices:
    """`SavedTensorSlices`: the meta entry's tensors and version, or one slice's values.

    A V1 checkpoint file holds one under the key "" with `meta` set (its
    `tensors` and `versions`, whose version fields only are used), and one per
    saved slice with `data` set.
    """

    __slots__ = ("tensors", "versions", "data")

    def __init__(self) -> None:
        self.tensors: list[SliceMeta] = []
        self.versions = Header()
        self.data = TensorValues()


class TensorValues:
    """The value fields of a `TensorProto` that TensorFlow's V1 reader reads.

    `floats` and `doubles` keep the little-endian bytes of `float_val` and
    `double_val` (NaN payloads kept); `ints` are `int_val` (int32), `int64s`
    `int64_val`, `bools` `bool_val`, `strings` `string_val`. Other fields
    (`tensor_content`, `half_val`...) are skipped: TensorFlow reads none of them.
    """

    __slots__ = ("floats", "doubles", "ints", "int64s", "bools", "strings")

    def __init__(self) -> None:
        self.floats = bytearray()
        self.doubles = bytearray()
        self.ints: list[int] = []
        self.int64s: list[int] = []
        self.bools: list[bool] = []
        self.strings: list[bytes] = []


def parse_tensor_slices(src: bytes | memoryview) -> TensorSlices:
    """A `SavedTensorSlices` message: meta = 1, data = 2."""
    result = TensorSlices()
    for number, value in _known(src, {1: _L, 2: _L}):
        if number == 1:
            _parse_slices_meta(_message(value), result)
        else:
            _parse_saved_slice(_message(value), result.data)
    return result


def _parse_slices_meta(src: memoryview, result: TensorSlices) -> None:
    # SavedTensorSliceMeta: tensor = 1 (SavedSliceMeta), versions = 2 (VersionDef).
    for number, value in _known(src, {1: _L, 2: _L}):
        if number == 1:
            result.tensors.append(_decoded(_message(value), SliceMeta(), _SLICE_META))
        else:
            _parse_version(_message(value), result.versions)


# SavedSliceMeta: name = 1, shape = 2, type = 3, slice = 4.
_SLICE_META = {1: _Field(_L, _as_string, "name"), **_tensor_fields(dtype=3, shape=2, slices=4)}


def _utf8(value: memoryview) -> bytes:
    """A proto3 `string`: protobuf refuses a message where one is not UTF-8."""
    try:
        bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise WireError("string field is not UTF-8") from None
    return bytes(value)


def _parse_saved_slice(src: memoryview, values: TensorValues) -> None:
    # SavedSlice: name = 1, slice = 2, data = 3 (TensorProto); the key names the slice.
    for number, value in _known(src, {1: _L, 3: _L}):
        if number == 1:
            _utf8(_message(value))
        else:
            _parse_tensor(_message(value), values)


# TensorProto's value fields, by number, with the wire types protobuf accepts
# for each: the packed encoding (LEN) and the one-value-per-field encoding.
_FLOAT_VAL, _DOUBLE_VAL, _INT_VAL, _STRING_VAL, _INT64_VAL, _BOOL_VAL = 5, 6, 7, 8, 10, 11
_TENSOR_SCHEMA: dict[int, tuple[int, ...]] = {
    _FLOAT_VAL: (LEN, I32),
    _DOUBLE_VAL: (LEN, I64),
    _INT_VAL: (LEN, VARINT),
    _STRING_VAL: (LEN,),
    _INT64_VAL: (LEN, VARINT),
    _BOOL_VAL: (LEN, VARINT),
}


def _parse_tensor(src: memoryview, values: TensorValues) -> None:
    for number, value in _known(src, _TENSOR_SCHEMA):
        if number == _STRING_VAL:
            values.strings.append(bytes(_message(value)))
        elif number == _FLOAT_VAL:
            values.floats += _fixed(value, 4)
        elif number == _DOUBLE_VAL:
            values.doubles += _fixed(value, 8)
        elif number == _INT_VAL:
            values.ints.extend(_signed32(item) for item in _varints(value))
        elif number == _INT64_VAL:
            values.int64s.extend(_signed64(item) for item in _varints(value))
        else:
            values.bools.extend(item != 0 for item in _varints(value))


def _fixed(value: object, width: int) -> bytes | memoryview:
    """A fixed-width field's little-endian bytes: a packed run, or one value."""
    if isinstance(value, memoryview):
        if len(value) % width:
            raise WireError("packed fixed-width field cut")
        return value
    return _int(value).to_bytes(width, "little")


def _varints(value: object) -> list[int]:
    """A varint field's values: a packed run, or one value."""
    if not isinstance(value, memoryview):
        return [_int(value)]
    items, pos = [], 0
    while pos < len(value):
        item, pos = read_varint(value, pos)
        items.append(item)
    return items
