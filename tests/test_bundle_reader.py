"""The pure checkpoint reader on bundles the package writes, without TensorFlow.

The writer is proven byte-identical to TensorFlow's `SaveV2` in
`compat_tests/test_reader_compat.py`, and the reader against TensorFlow's on
TensorFlow's own checkpoints there; here the two run where TensorFlow is not
installed: round trips of every dtype, big-endian bundles, missing numpy, and
a fuzz of corrupted bundles (and V1 files) that must fail only with
TensorFlow's exceptions, and never hang.
"""

from __future__ import annotations

import contextlib
import re
import sys
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tf_ckpt_compat
from tf_ckpt_compat import errors
from tf_ckpt_compat._bundle import table
from tf_ckpt_compat._bundle.reader import CheckpointReader
from tf_ckpt_compat._bundle.writer import encode_bundle, encode_table

TENSORS = {
    "f32": np.arange(12, dtype=np.float32).reshape(3, 4),
    "f64": np.array([np.nan, -0.0, np.inf]),
    "bf16": np.array([1.5, -2.0], ml_dtypes.bfloat16),
    "f8": np.array([0.5], ml_dtypes.float8_e5m2),
    "i8": np.array([-128], np.int8),
    "u64": np.array([2**64 - 1], np.uint64),
    "c64": np.array([1 + 2j], np.complex64),
    "bool": np.array([[True], [False]]),
    "scalar": np.int64(-5),
    "empty": np.zeros((0, 4), np.float32),
    "string": b"\x00\xffbytes",
    "strings": np.array([[b"", "é".encode()], [b"x" * 1000, b"y"]], dtype=object),
    "py_int": 7,
    "py_float": 1.25,
}


@pytest.fixture
def prefix(tmp_path):
    return str(tmp_path / "ckpt-1")


def _write(prefix: str, tensors: dict, big_endian: bool = False) -> None:
    _write_files(prefix, *encode_bundle(tensors, big_endian=big_endian))


def _write_files(prefix: str, index: bytes, data: bytes) -> None:
    with open(prefix + ".index", "wb") as f:
        f.write(index)
    with open(prefix + ".data-00000-of-00001", "wb") as f:
        f.write(data)


def _same(read: object, written: object) -> bool:
    expected = np.asarray(written)
    if expected.dtype == object or isinstance(written, bytes):
        return np.asarray(read, dtype=object).tolist() == expected.astype(object).tolist()
    got = np.asarray(read)
    return got.dtype == expected.dtype and got.tobytes() == expected.tobytes()


@pytest.mark.parametrize("big_endian", [False, True], ids=["little", "big"])
def test_round_trip_of_every_kind(prefix, monkeypatch, big_endian):
    monkeypatch.setenv("TF_CKPT_COMPAT_BACKEND", "pure")
    tensors = dict(TENSORS)
    if big_endian:  # TensorFlow refuses to swap float8 (compat_tests show it)
        del tensors["f8"]
    _write(prefix, tensors, big_endian)
    reader = tf_ckpt_compat.load_checkpoint(prefix)
    assert sorted(reader.get_variable_to_shape_map()) == sorted(tensors)
    for name, value in tensors.items():
        assert _same(reader.get_tensor(name), value), name
    assert type(reader.get_tensor("scalar")) is np.int64
    assert type(reader.get_tensor("string")) is bytes
    assert reader.get_tensor("f32").flags.writeable


def test_listings_need_no_numpy(prefix, monkeypatch):
    _write(prefix, TENSORS)
    monkeypatch.setenv("TF_CKPT_COMPAT_BACKEND", "pure")
    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy -> ImportError
    reader = tf_ckpt_compat.load_checkpoint(prefix)
    assert dict(tf_ckpt_compat.list_variables(prefix))["f32"] == [3, 4]
    assert reader.get_variable_to_dtype_map()["bf16"].name == "bfloat16"
    assert reader.has_tensor("strings") and not reader.has_tensor("nope")
    assert b"f32 (DT_FLOAT) [3,4]\n" in reader.debug_string()
    with pytest.raises(ImportError, match=r"pip install 'tf-ckpt-compat\[tensors\]'"):
        reader.get_tensor("f32")


def test_a_missing_key_and_a_missing_prefix(prefix, monkeypatch):
    _write(prefix, {"a": 1})
    monkeypatch.setenv("TF_CKPT_COMPAT_BACKEND", "pure")
    with pytest.raises(errors.NotFoundError, match="^Key b not found in checkpoint$"):
        tf_ckpt_compat.load_variable(prefix, "b:0")
    with pytest.raises(errors.NotFoundError, match="Failed to find any matching files"):
        tf_ckpt_compat.load_checkpoint(prefix + "-missing")


def test_one_lookup_reads_one_data_block_once(prefix, monkeypatch):
    # 20,000 keys span several 256 KiB blocks; a lookup must not scan them all.
    _write(prefix, {f"v{i:05d}": np.float32(i) for i in range(20_000)})
    reads: list[tuple[int, int]] = []
    original = table.Table._block

    def counted(self, handle):
        reads.append(handle)
        return original(self, handle)

    monkeypatch.setattr(table.Table, "_block", counted)
    monkeypatch.setenv("TF_CKPT_COMPAT_BACKEND", "pure")
    reader = tf_ckpt_compat.load_checkpoint(prefix)
    assert len(reads) == 2  # the index block and the header's data block, when it opens
    reads.clear()
    assert reader.get_tensor("v19321") == 19321
    assert len(reads) == 1  # the block that holds the key, checked once
    assert reader.get_tensor("v19322") == 19322
    assert len(reads) == 1  # the same block: already read and checked


def test_snappy_blocks_are_read():
    # A literal, then a copy of 4 bytes from 4 back (overlapping its own output).
    compressed = bytes([8, 3 << 2]) + b"abcd" + bytes([0b000_000_01 | (0 << 2), 4])
    assert table.snappy_decompress(memoryview(compressed)) == b"abcdabcd"
    with pytest.raises(table.TableError, match="corrupted compressed block contents"):
        table.snappy_decompress(memoryview(bytes([9, 3 << 2]) + b"abcd"))


# The exceptions TensorFlow's reader raises for a bad checkpoint, and nothing else.
TF_ERRORS = (errors.OpError, IndexError, ValueError, NotImplementedError)
FUZZ = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FUZZ_TENSORS = {"a": np.arange(4, dtype=np.float32), "s": np.array([b"xy", b""], dtype=object)}


@FUZZ
@given(data=st.data())
def test_corrupted_bundles_fail_only_as_tensorflow_does(tmp_path, data):
    prefix = str(tmp_path / "fuzz")
    index, payload = encode_bundle({**FUZZ_TENSORS, "n": 3})
    target = data.draw(st.sampled_from(["index", "data"]))
    blob = bytearray(index if target == "index" else payload)
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["flip", "cut", "grow"]))
        at = data.draw(st.integers(0, max(len(blob) - 1, 0)))
        if kind == "flip" and blob:
            blob[at] ^= 1 << data.draw(st.integers(0, 7))
        elif kind == "cut":
            del blob[at:]
        else:
            blob[at:at] = data.draw(st.binary(min_size=1, max_size=8))
    files = {"index": index, "data": payload, target: bytes(blob)}
    _write_files(prefix, files["index"], files["data"])
    _read_everything(prefix)


@FUZZ
@given(data=st.data())
def test_corrupted_v1_checkpoints_fail_only_as_tensorflow_does(tmp_path, data):
    # A V1 file TensorFlow wrote (tests/data/v1/make.py): its meta entry, a
    # float, an int64 and a slice of a partitioned variable.
    path = Path(__file__).parent / "data" / "v1" / "sharded" / "model.ckpt-00000-of-00002"
    blob = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, max(len(blob) - 1, 0)))
        if data.draw(st.booleans()) and blob:
            blob[at] ^= 1 << data.draw(st.integers(0, 7))
        else:
            del blob[at : at + data.draw(st.integers(1, 8))]
    (tmp_path / "model.ckpt").write_bytes(bytes(blob))
    _read_everything(str(tmp_path / "model.ckpt"))


def _read_everything(prefix: str) -> None:
    """Opens, lists and reads every tensor; TensorFlow's exceptions are the allowed ends."""
    try:
        reader = CheckpointReader(prefix)
        names = reader.get_variable_to_shape_map()
        reader.debug_string()
        # TypeError: TensorFlow's DType() for an enum value it does not know.
        with contextlib.suppress(TypeError):
            reader.get_variable_to_dtype_map()
        for name in names:
            reader.get_tensor(name)
    except TF_ERRORS:
        pass


@FUZZ
@given(data=st.data())
def test_entries_with_valid_checksums_but_wrong_contents(tmp_path, data):
    # The index blocks' CRCs stop most damage; here the entries themselves are
    # wrong (as a buggy writer would make them), under valid block CRCs.
    prefix = str(tmp_path / "fuzz")
    index, payload = encode_bundle({**FUZZ_TENSORS, "n": 3})
    items = list(table.Table(lambda o, n: index[o : o + n], len(index)).items())
    key, value = items[data.draw(st.integers(0, len(items) - 1))]
    value = bytearray(value)
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, max(len(value) - 1, 0)))
        if value and data.draw(st.booleans()):
            value[at] = data.draw(st.integers(0, 255))
        else:
            value[at:at] = data.draw(st.binary(min_size=1, max_size=3))
    items = [(k, bytes(value) if k == key else v) for k, v in items]
    _write_files(prefix, encode_table(items), payload)
    _read_everything(prefix)


# --- what TensorFlow checks and cannot convert: compat_tests compare the same with TF ------


def _variant_bundle(prefix: str, elements: list[bytes], damage: int | None = None) -> None:
    """A bundle with `v`, a variant tensor of serialized VariantTensorDataProtos, as
    `WriteVariantTensor` writes it: each a varint length, the bytes, the masked
    running CRC (which covers each length as a little-endian uint64)."""
    from tf_ckpt_compat._bundle import crc32c
    from tf_ckpt_compat._bundle.writer import _message_field, _shape, _varint, _varint_field

    index, data = encode_bundle({"a": np.float32(1)})
    payload, crc = bytearray(), 0
    for element in elements:
        payload += _varint(len(element)) + element
        crc = crc32c.extend(crc32c.extend(crc, len(element).to_bytes(8, "little")), element)
        stored = crc32c.mask(crc).to_bytes(4, "little")
        payload += stored
        crc = crc32c.extend(crc, stored)
    if damage is not None:
        payload[damage] ^= 1
    entry = _varint_field(1, 21) + _message_field(2, _shape([len(elements)]))
    entry += _varint_field(4, len(data)) + _varint_field(5, len(payload))
    entry += b"\x35" + crc32c.mask(crc).to_bytes(4, "little")
    items = list(table.Table(lambda o, n: index[o : o + n], len(index)).items())
    _write_files(prefix, encode_table(sorted([*items, (b"v", entry)])), data + bytes(payload))


# VariantTensorDataProto: type_name = 1, metadata = 2.
ITERATOR_STATE = b"\x0a\x14tensorflow::Iterator\x12\x03abc"


def test_a_variant_tensor_is_checked_then_refused_as_tensorflow_does(prefix):
    _variant_bundle(prefix, [ITERATOR_STATE, b""])
    reader = CheckpointReader(prefix)
    assert reader.get_variable_to_dtype_map()["v"].name == "variant"
    with pytest.raises(errors.InternalError) as raised:
        reader.get_tensor("v")
    assert str(raised.value) == "Tensorflow type 21 not convertible to numpy dtype."


@pytest.mark.parametrize(
    "elements, damage, error, message",
    [
        # The stored CRC of the second element (its last 4 bytes).
        ([ITERATOR_STATE, b""], -1, errors.OpError, "The checksum after Variant 1 does not match"),
        ([b"\x0a\xff"], None, errors.OpError, "Unable to parse VariantTensorDataProto from buf"),
        ([b"\x12\x01x"], None, errors.OpError, 'Could not decode variant with type_name: "".'),
    ],
    ids=["element_checksum", "unparseable", "empty_type_name_with_metadata"],
)
def test_a_damaged_variant_tensor_fails_as_tensorflow_does(
    prefix, elements, damage, error, message
):
    _variant_bundle(prefix, elements, damage)
    with pytest.raises(error, match=re.escape(message)):
        CheckpointReader(prefix).get_tensor("v")
    assert CheckpointReader(prefix).get_tensor("a") == 1  # only that tensor fails


@pytest.mark.parametrize(
    "version, message",
    [
        ((1, 2, ()), "min consumer version 2 above current version 1 for TensorFlow {}.  Please"),
        ((1, 0, (1,)), "disallows consumer version 1.  Please upgrade TensorFlow: this version"),
        ((-1, 0, ()), "producer version -1 below min producer 0 supported by TensorFlow {}.  "),
    ],
)
def test_a_header_of_a_newer_format_names_the_reproduced_version(
    prefix, monkeypatch, version, message
):
    from tf_ckpt_compat._bundle.writer import _message_field, _varint, _varint_field

    producer, min_consumer, bad = version
    # VersionDef: producer = 1, min_consumer = 2, bad_consumers = 3 (unpacked).
    body = _varint(8) + _varint(producer) + _varint_field(2, min_consumer)
    body += b"".join(_varint(24) + _varint(v) for v in bad)
    index, data = encode_bundle({"a": np.float32(1)})
    items = list(table.Table(lambda o, n: index[o : o + n], len(index)).items())
    header = _varint_field(1, 1) + _message_field(3, body)
    _write_files(prefix, encode_table([(b"", header), *items[1:]]), data)
    monkeypatch.delenv("TF_CKPT_COMPAT_TF_VERSION", raising=False)
    for setting, shown in ((None, "2.21.0"), ("2.16.2", "2.16.2")):
        tf_ckpt_compat.set_tf_version(setting)
        try:
            with pytest.raises(ValueError) as raised:
                CheckpointReader(prefix)
        finally:
            tf_ckpt_compat.set_tf_version(None)
        assert message.format(shown) in str(raised.value)
