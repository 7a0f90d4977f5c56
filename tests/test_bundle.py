"""The TensorBundle reader's parts, without TensorFlow.

Oracles: the published CRC-32C check values (RFC 3720, B.4), TensorFlow's own
`ordered_code_test.cc` expectations (written out here), and protobuf's own
serializer for the wire decoder (messages built from descriptors of
`tensor_bundle.proto`, and of `saved_tensor_slice.proto` and `tensor.proto`
for V1 checkpoints, at random by hypothesis).
"""

from __future__ import annotations

import os

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from hypothesis import given, settings
from hypothesis import strategies as st

from tf_ckpt_compat._bundle import crc32c, ordered_code, wire
from tf_ckpt_compat._bundle.dtypes import DType

# --- CRC-32C --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"123456789", 0xE3069283),  # the CRC catalogue's check value
        (bytes(32), 0x8A9136AA),  # RFC 3720, B.4: 32 bytes of zeros
        (b"\xff" * 32, 0x62A8AB43),  # 32 bytes of ones
        (bytes(range(32)), 0x46DD794E),  # incrementing
        (bytes(range(31, -1, -1)), 0x113FDB5C),  # decrementing
        (b"", 0),
    ],
)
def test_crc32c_published_values(data, expected):
    assert crc32c.pure_extend(0, data) == expected
    assert crc32c.value(data) == expected  # the fast one, when installed, agrees


def test_large_buffers_take_the_c_crc_with_the_same_values():
    # The test extras install it: in CI its absence is a failure, not a quiet fallback.
    if os.environ.get("CI") == "true":
        assert crc32c.fast()
    data = bytearray(bytes(range(256)) * 64)  # 16 KiB, writable as the reader's buffers are
    assert crc32c.value(data) == crc32c.pure_extend(0, data)
    assert crc32c.extend(crc32c.value(b"123"), memoryview(data)[1:]) == crc32c.pure_extend(
        crc32c.pure_extend(0, b"123"), data[1:]
    )


@given(st.binary(max_size=200), st.binary(max_size=200))
def test_crc32c_extends(a, b):
    assert crc32c.pure_extend(crc32c.pure_extend(0, a), b) == crc32c.pure_extend(0, a + b)


@given(st.integers(0, 2**32 - 1))
def test_unmask_undoes_mask(crc):
    assert crc32c.unmask(crc32c.mask(crc)) == crc


def test_mask_is_leveldbs():
    # kMaskDelta and the 15-bit rotation of tsl/lib/hash/crc32c.h, on one value.
    assert crc32c.mask(0x12345678) == ((0x12345678 >> 15 | 0x12345678 << 17) + 0xA282EAD8) % 2**32


# --- OrderedCode: ordered_code_test.cc ------------------------------------------------------


@pytest.mark.parametrize(
    "value, encoded",
    [
        (0x0, b"\x00"),
        (0x1, b"\x01\x01"),
        (0xFF, b"\x01\xff"),
        (0x100, b"\x02\x01\x00"),
        (0xFFFF, b"\x02\xff\xff"),
        (0x10000, b"\x03\x01\x00\x00"),
        (0xFFFFFFFF, b"\x04\xff\xff\xff\xff"),
        (0x100000000, b"\x05\x01\x00\x00\x00\x00"),
    ],
)
def test_num_increasing(value, encoded):
    assert ordered_code.num_increasing(value) == encoded


@pytest.mark.parametrize(
    "value, encoded",
    [
        (0, b"\x80"),
        (-1, b"\x7f"),
        (-2, b"~"),
        (-64, b"@"),
        (-65, b"?\xbf"),
        (-256, b"?\x00"),
        (-8192, b" \x00"),
        (-8193, b"\x1f\xdf\xff"),
        (-1048577, b"\x0f\xef\xff\xff"),
        (-134217729, b"\x07\xf7\xff\xff\xff"),
        (524288, b"\xe8\x00\x00"),
        (1048575, b"\xef\xff\xff"),
        (1048576, b"\xf0\x10\x00\x00"),
        (134217728, b"\xf8\x08\x00\x00\x00"),
        (4294967296, b"\xf9\x00\x00\x00\x00"),
        (281474976710656, b"\xff\x01\x00\x00\x00\x00\x00\x00"),
        (36028797018963968, b"\xff\x80\x80\x00\x00\x00\x00\x00\x00"),
        (4611686018427387904, b"\xff\xc0@\x00\x00\x00\x00\x00\x00\x00"),
        (9223372036854775807, b"\xff\xc0\x7f\xff\xff\xff\xff\xff\xff\xff"),
        (-9223372036854775807, b"\x00?\x80\x00\x00\x00\x00\x00\x00\x01"),
        (-140737488355328, b"\x01\x80\x00\x00\x00\x00\x00"),
    ],
)
def test_signed_num_increasing(value, encoded):
    assert ordered_code.signed_num_increasing(value) == encoded


@pytest.mark.parametrize(
    "value, encoded",
    [
        (b"", b"\x00\x01"),
        (b"foo", b"foo\x00\x01"),
        (b"\x00\x01\xff", b"\x00\xff\x01\xff\x00\x00\x01"),
    ],
)
def test_string(value, encoded):
    assert ordered_code.string(value) == encoded


@given(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=2, max_size=2))
def test_signed_encoding_keeps_order(pair):
    a, b = sorted(pair)
    assert ordered_code.signed_num_increasing(a) <= ordered_code.signed_num_increasing(b)


def test_tensor_slice_key_layout():
    # 0, the name, the rank, then (start, length) per dimension; -1 is a whole one.
    key = ordered_code.tensor_slice_key(b"part", [(4, 3), (0, -1)])
    assert key == b"\x00" + b"part\x00\x01" + b"\x01\x02" + b"\x84\x83" + b"\x80\x7f"


# --- the wire format, against protobuf's serializer ------------------------------------------


def _messages():
    """Message classes from descriptors of tensor_bundle.proto and the V1 protos.

    BundleHeaderProto, BundleEntryProto, SavedTensorSlices and TensorProto
    (its value fields the V1 reader reads, and two it skips).
    """
    f = descriptor_pb2.FileDescriptorProto(name="tb_test.proto", package="tbtest", syntax="proto3")
    T = descriptor_pb2.FieldDescriptorProto

    def add(m, name, number, kind, label=T.LABEL_OPTIONAL, type_name=None):
        field = m.field.add(name=name, number=number, type=kind, label=label)
        if type_name:
            field.type_name = type_name

    version = f.message_type.add(name="VersionDef")
    add(version, "producer", 1, T.TYPE_INT32)
    add(version, "min_consumer", 2, T.TYPE_INT32)
    add(version, "bad_consumers", 3, T.TYPE_INT32, T.LABEL_REPEATED)
    header = f.message_type.add(name="BundleHeaderProto")
    add(header, "num_shards", 1, T.TYPE_INT32)
    add(header, "endianness", 2, T.TYPE_INT32)
    add(header, "version", 3, T.TYPE_MESSAGE, type_name=".tbtest.VersionDef")
    dim = f.message_type.add(name="Dim")
    add(dim, "size", 1, T.TYPE_INT64)
    add(dim, "name", 2, T.TYPE_STRING)
    shape = f.message_type.add(name="TensorShapeProto")
    add(shape, "dim", 2, T.TYPE_MESSAGE, T.LABEL_REPEATED, ".tbtest.Dim")
    add(shape, "unknown_rank", 3, T.TYPE_BOOL)
    extent = f.message_type.add(name="Extent")
    add(extent, "start", 1, T.TYPE_INT64)
    length = extent.field.add(name="length", number=2, type=T.TYPE_INT64, label=T.LABEL_OPTIONAL)
    length.proto3_optional = True
    length.oneof_index = 0
    extent.oneof_decl.add(name="_length")
    slice_ = f.message_type.add(name="TensorSliceProto")
    add(slice_, "extent", 1, T.TYPE_MESSAGE, T.LABEL_REPEATED, ".tbtest.Extent")
    entry = f.message_type.add(name="BundleEntryProto")
    add(entry, "dtype", 1, T.TYPE_INT32)
    add(entry, "shape", 2, T.TYPE_MESSAGE, type_name=".tbtest.TensorShapeProto")
    add(entry, "shard_id", 3, T.TYPE_INT32)
    add(entry, "offset", 4, T.TYPE_INT64)
    add(entry, "size", 5, T.TYPE_INT64)
    add(entry, "crc32c", 6, T.TYPE_FIXED32)
    add(entry, "slices", 7, T.TYPE_MESSAGE, T.LABEL_REPEATED, ".tbtest.TensorSliceProto")
    tensor = f.message_type.add(name="TensorProto")
    add(tensor, "dtype", 1, T.TYPE_INT32)
    add(tensor, "tensor_content", 4, T.TYPE_BYTES)
    add(tensor, "float_val", 5, T.TYPE_FLOAT, T.LABEL_REPEATED)
    add(tensor, "double_val", 6, T.TYPE_DOUBLE, T.LABEL_REPEATED)
    add(tensor, "int_val", 7, T.TYPE_INT32, T.LABEL_REPEATED)
    add(tensor, "string_val", 8, T.TYPE_BYTES, T.LABEL_REPEATED)
    add(tensor, "int64_val", 10, T.TYPE_INT64, T.LABEL_REPEATED)
    add(tensor, "bool_val", 11, T.TYPE_BOOL, T.LABEL_REPEATED)
    add(tensor, "half_val", 13, T.TYPE_INT32, T.LABEL_REPEATED)
    meta = f.message_type.add(name="SavedSliceMeta")
    add(meta, "name", 1, T.TYPE_STRING)
    add(meta, "shape", 2, T.TYPE_MESSAGE, type_name=".tbtest.TensorShapeProto")
    add(meta, "type", 3, T.TYPE_INT32)
    add(meta, "slice", 4, T.TYPE_MESSAGE, T.LABEL_REPEATED, ".tbtest.TensorSliceProto")
    slices_meta = f.message_type.add(name="SavedTensorSliceMeta")
    add(slices_meta, "tensor", 1, T.TYPE_MESSAGE, T.LABEL_REPEATED, ".tbtest.SavedSliceMeta")
    add(slices_meta, "versions", 2, T.TYPE_MESSAGE, type_name=".tbtest.VersionDef")
    saved_slice = f.message_type.add(name="SavedSlice")
    add(saved_slice, "name", 1, T.TYPE_STRING)
    add(saved_slice, "slice", 2, T.TYPE_MESSAGE, type_name=".tbtest.TensorSliceProto")
    add(saved_slice, "data", 3, T.TYPE_MESSAGE, type_name=".tbtest.TensorProto")
    slices = f.message_type.add(name="SavedTensorSlices")
    add(slices, "meta", 1, T.TYPE_MESSAGE, type_name=".tbtest.SavedTensorSliceMeta")
    add(slices, "data", 2, T.TYPE_MESSAGE, type_name=".tbtest.SavedSlice")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return tuple(
        message_factory.GetMessageClass(pool.FindMessageTypeByName(f"tbtest.{name}"))
        for name in ("BundleHeaderProto", "BundleEntryProto", "SavedTensorSlices", "TensorProto")
    )


HeaderProto, EntryProto, SlicesProto, TensorProto = _messages()
INT32 = st.integers(-(2**31), 2**31 - 1)
INT64 = st.integers(-(2**63), 2**63 - 1)


@settings(max_examples=300)
@given(
    num_shards=INT32,
    endianness=st.integers(0, 1),
    producer=INT32,
    min_consumer=INT32,
    bad=st.lists(INT32, max_size=4),
)
def test_header_decodes_as_protobuf_encodes(num_shards, endianness, producer, min_consumer, bad):
    proto = HeaderProto(num_shards=num_shards, endianness=endianness)
    proto.version.producer = producer
    proto.version.min_consumer = min_consumer
    proto.version.bad_consumers.extend(bad)  # packed, as proto3 writes it
    header = wire.parse_header(proto.SerializeToString())
    assert (header.num_shards, header.endianness) == (num_shards, endianness)
    assert (header.producer, header.min_consumer, header.bad_consumers) == (
        producer,
        min_consumer,
        bad,
    )


EXTENTS = st.lists(st.tuples(INT64, st.one_of(st.none(), INT64)), max_size=3)


@settings(max_examples=300)
@given(
    dtype=st.integers(0, 40),
    dims=st.one_of(st.none(), st.lists(INT64, max_size=4)),
    shard_id=INT32,
    offset=INT64,
    size=INT64,
    crc=st.integers(0, 2**32 - 1),
    slices=st.lists(EXTENTS, max_size=3),
)
def test_entry_decodes_as_protobuf_encodes(dtype, dims, shard_id, offset, size, crc, slices):
    proto = EntryProto(dtype=dtype, shard_id=shard_id, offset=offset, size=size, crc32c=crc)
    _fill(proto.shape, dims, proto.slices, slices)
    entry = wire.parse_entry(proto.SerializeToString())
    assert (entry.dtype, entry.shard_id, entry.offset, entry.size, entry.crc32c) == (
        dtype,
        shard_id,
        offset,
        size,
        crc,
    )
    assert entry.shape == dims
    assert entry.slices == _extents(slices)


def _fill(shape, dims, slices_field, slices) -> None:
    """Sets a TensorShapeProto to `dims` (None: unknown rank), and adds `slices`."""
    if dims is None:
        shape.unknown_rank = True
    else:
        for d in dims:
            shape.dim.add(size=d, name="ignored")
    for extents in slices:
        message = slices_field.add()
        for start, length in extents:
            extent = message.extent.add(start=start)
            if length is not None:
                extent.length = length


def _extents(slices):
    """`slices` as the decoder gives them: a whole dimension's length is -1."""
    return [[(s, -1 if n is None else n) for s, n in extents] for extents in slices]


NAMES = st.text(max_size=8)
META = st.tuples(
    NAMES,
    st.one_of(st.none(), st.lists(INT64, max_size=3)),
    st.integers(0, 40),
    st.lists(EXTENTS, max_size=3),
)


@settings(max_examples=300)
@given(tensors=st.lists(META, max_size=4), producer=INT32, min_consumer=INT32)
def test_v1_meta_decodes_as_protobuf_encodes(tensors, producer, min_consumer):
    proto = SlicesProto()
    proto.meta.versions.producer = producer
    proto.meta.versions.min_consumer = min_consumer
    for name, dims, dtype, slices in tensors:
        meta = proto.meta.tensor.add(name=name, type=dtype)
        _fill(meta.shape, dims, meta.slice, slices)
    decoded = wire.parse_tensor_slices(proto.SerializeToString())
    assert [(t.name, t.shape, t.dtype, t.slices) for t in decoded.tensors] == [
        (name.encode(), dims, dtype, _extents(slices)) for name, dims, dtype, slices in tensors
    ]
    assert (decoded.versions.producer, decoded.versions.min_consumer) == (producer, min_consumer)


FLOAT_BITS = st.integers(0, 2**32 - 1)
DOUBLE_BITS = st.integers(0, 2**64 - 1)


@settings(max_examples=300)
@given(
    floats=st.lists(FLOAT_BITS, max_size=5),
    doubles=st.lists(DOUBLE_BITS, max_size=5),
    ints=st.lists(INT32, max_size=5),
    int64s=st.lists(INT64, max_size=5),
    bools=st.lists(st.booleans(), max_size=5),
    strings=st.lists(st.binary(max_size=300), max_size=5),
    packed=st.booleans(),
)
def test_v1_values_decode_as_protobuf_encodes(
    floats, doubles, ints, int64s, bools, strings, packed
):
    import struct

    # Floats by their bits, NaN payloads among them, which must come through.
    as_floats = [struct.unpack("<f", struct.pack("<I", b))[0] for b in floats]
    as_doubles = [struct.unpack("<d", struct.pack("<Q", b))[0] for b in doubles]
    values = TensorProto(
        dtype=1,
        tensor_content=b"skipped",
        float_val=as_floats,
        double_val=as_doubles,
        int_val=ints,
        int64_val=int64s,
        bool_val=bools,
        string_val=strings,
        half_val=[1, 2],
    )
    encoded = values.SerializeToString()
    if not packed:
        # Each value in its own field, as proto2 writes them: protobuf reads both.
        encoded = b"".join(b"\x2d" + struct.pack("<I", b) for b in floats) + b"".join(
            b"\x38" + _varint(i & (2**64 - 1)) for i in ints
        )
        int64s, bools, strings, doubles = [], [], [], []
    # Wrapped by hand: protobuf would pack the unpacked values again.
    saved_slice = b"\x0a\x01t\x1a" + _varint(len(encoded)) + encoded  # name, data
    message = b"\x12" + _varint(len(saved_slice)) + saved_slice  # SavedTensorSlices.data
    decoded = wire.parse_tensor_slices(message).data
    assert bytes(decoded.floats) == b"".join(struct.pack("<I", b) for b in floats)
    assert bytes(decoded.doubles) == b"".join(struct.pack("<Q", b) for b in doubles)
    assert (decoded.ints, decoded.int64s, decoded.bools, decoded.strings) == (
        ints,
        int64s,
        bools,
        strings,
    )


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    return bytes([*out, value])


@pytest.mark.parametrize(
    "data",
    [
        b"\x0a\x05\x0a\x03\x0a\x01\xff",  # meta { tensor { name: "\\xff" } }: not UTF-8
        b"\x12\x03\x0a\x01\xff",  # data { name: "\\xff" }
        b"\x12\x04\x1a\x02\x2a\x03",  # data { data { float_val, cut } }
        b"\x12\x05\x1a\x03\x2a\x01\x00",  # packed float_val of 1 byte
    ],
    ids=["meta-name", "slice-name", "cut", "packed-cut"],
)
def test_malformed_v1_messages_raise_wire_error(data):
    with pytest.raises(wire.WireError):
        wire.parse_tensor_slices(data)


@pytest.mark.parametrize(
    "data",
    [b"\x08", b"\x0a\x05ab", b"\x00\x00", b"\x0b", b"\x35\x01\x02", b"\x08" + b"\xff" * 11],
    ids=["cut-varint", "cut-bytes", "field-0", "group", "cut-fixed32", "overlong-varint"],
)
def test_malformed_messages_raise_wire_error(data):
    with pytest.raises(wire.WireError):
        wire.parse_entry(data)


# --- dtypes ---------------------------------------------------------------------------------


def test_dtype_reads_as_tensorflows():
    # As TF 2.21: repr(tf.float32) == "tf.float32", str(tf.float32) == "<dtype: 'float32'>",
    # tf.float32 == 1 and == "float32", hash(tf.float32) == hash(1).
    f32 = DType(1)
    assert (f32.name, repr(f32), str(f32)) == ("float32", "tf.float32", "<dtype: 'float32'>")
    assert f32 == 1 and f32 == "float32" and f32 == DType(1) and hash(f32) == hash(1)
    assert f32 != 2 and f32 != "float64" and f32 != None  # noqa: E711 (TF's == None is False)
    assert DType(14).name == "bfloat16" and DType(7).proto_name == "DT_STRING"
    assert DType(19).proto_name == "DT_HALF" and DType(1).proto_name == "DT_FLOAT"
    assert DType(7).as_numpy_dtype is object
    with pytest.raises(TypeError):
        DType(99)
