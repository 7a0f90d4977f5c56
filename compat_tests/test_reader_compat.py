"""The bundle writer and the reader's byte order, against TensorFlow.

The reading itself is compared case by case in the conformance group
`readers` (`tf_ckpt_compat/conformance/reader_cases.py`, run by
`test_conformance.py`): checkpoints TensorFlow writes at test time, whole and
damaged, read through both sides. Here: the writer is byte-identical to
`SaveV2`, TensorFlow's byte swapping is the oracle for big-endian bundles,
`testing.CheckpointDirectory` writes checkpoints TensorFlow opens, and bundles
with a tensor of a dtype numpy cannot hold (unknown, invalid, resource) list as
TensorFlow lists them, where reading that tensor ends TensorFlow's process.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

import tf_ckpt_compat
from tf_ckpt_compat.conformance import checkpoints
from tf_ckpt_compat.conformance.runner import outcome

# --- reading: the conformance group "readers" holds the checkpoints and their damage ------


def test_the_v1_name_reads_what_tensorflows_does(tf, backend, tmp_path):
    prefix = checkpoints.copy_of("tf1_partitioned", str(tmp_path / "run"))
    ours = tf_ckpt_compat.compat.v1.train.NewCheckpointReader(prefix)
    theirs = tf.compat.v1.train.NewCheckpointReader(prefix)
    assert ours.get_variable_to_shape_map() == theirs.get_variable_to_shape_map()
    assert ours.has_tensor("part") == theirs.has_tensor("part")
    assert ours.debug_string() == theirs.debug_string()


# --- dtypes TensorFlow cannot give to numpy: listed as TensorFlow lists them ----------------


def _with_odd_entry(prefix: str, dtype: int, shape: list[int], payload: bytes) -> None:
    """A bundle of the package's writer, plus tensor `odd` of enum `dtype`, CRCs all right."""
    from tf_ckpt_compat._bundle import crc32c
    from tf_ckpt_compat._bundle.table import Table
    from tf_ckpt_compat._bundle.writer import (
        _message_field,
        _shape,
        _varint_field,
        encode_bundle,
        encode_table,
    )

    index, data = encode_bundle({"a": np.arange(3, dtype=np.float32), "s": b"xy"})
    items = list(Table(lambda o, n: index[o : o + n], len(index)).items())
    # BundleEntryProto: dtype 1, shape 2, offset 4, size 5, crc32c 6 (fixed32).
    entry = _varint_field(1, dtype) + _message_field(2, _shape(shape))
    entry += _varint_field(4, len(data)) + _varint_field(5, len(payload))
    entry += b"\x35" + crc32c.mask(crc32c.value(payload)).to_bytes(4, "little")
    with open(prefix + ".index", "wb") as f:
        f.write(encode_table(sorted([*items, (b"odd", entry)])))
    with open(prefix + ".data-00000-of-00001", "wb") as f:
        f.write(data + payload)


def _listings(reader_module, prefix: str) -> list[tuple[object, ...]]:
    def dtypes():
        return sorted(
            (k, v.name)
            for k, v in reader_module.load_checkpoint(prefix).get_variable_to_dtype_map().items()
        )

    reader = reader_module.load_checkpoint(prefix)
    return [
        outcome(partial(reader_module.list_variables, prefix), str),
        sorted(reader.get_variable_to_shape_map().items()),
        outcome(dtypes, str),
        reader.debug_string(),
        reader.has_tensor("odd"),
        outcome(partial(reader.get_tensor, "a"), str),
    ]


@pytest.mark.parametrize(
    "dtype, shape, payload",
    [
        (0, [2], bytes(8)),  # DT_INVALID
        (99, [2], bytes(8)),  # no TensorFlow has it
        (20, [2], bytes(8)),  # a resource: TensorFlow checks 200 bytes an element
    ],
    ids=["invalid", "unknown", "resource"],
)
def test_dtypes_numpy_cannot_hold_are_listed_as_tensorflow_lists_them(
    tf, backend, tmp_path, dtype, shape, payload
):
    prefix = str(tmp_path / "ckpt")
    _with_odd_entry(prefix, dtype, shape, payload)
    assert _listings(tf_ckpt_compat.train, prefix) == _listings(tf.train, prefix)
    if dtype == 20:  # the size is checked first: TensorFlow's error, not its abort
        ours = tf_ckpt_compat.load_checkpoint(prefix)
        theirs = tf.train.load_checkpoint(prefix)
        assert outcome(partial(ours.get_tensor, "odd"), str) == outcome(
            partial(theirs.get_tensor, "odd"), str
        )


@pytest.mark.parametrize("dtype", [0, 99])
def test_tensorflow_aborts_on_a_tensor_of_unknown_dtype(tf, tmp_path, dtype):
    # What the README says, and why no comparison of get_tensor can run: the
    # pure reader raises InternalError where TensorFlow ends the process.
    import signal
    import subprocess
    import sys

    from tf_ckpt_compat._bundle.reader import CheckpointReader

    prefix = str(tmp_path / "ckpt")
    _with_odd_entry(prefix, dtype, [2], bytes(8))
    code = f"import tensorflow as tf; tf.train.load_checkpoint({prefix!r}).get_tensor('odd')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert result.returncode == -signal.SIGABRT, result.stderr[-500:]
    with pytest.raises(tf_ckpt_compat.errors.InternalError, match="not convertible to numpy"):
        CheckpointReader(prefix).get_tensor("odd")


# --- V1 checkpoints TensorFlow's saver would not write: made by SaveSlices, or edited ---------


def _save_slices(tf, path: str, tensors: dict[str, tuple[str, object]]) -> None:
    """One V1 file: each tensor under its name, as `shape_and_slice` (`"4 3 0,2:-"`) says."""
    tf.raw_ops.SaveSlices(
        filename=path,
        tensor_names=list(tensors),
        shapes_and_slices=[spec for spec, _ in tensors.values()],
        data=[value for _, value in tensors.values()],
    )


def _v1_readings(reader_module, pattern: str, names: tuple[str, ...]) -> list[tuple[object, ...]]:
    """What `load_checkpoint(pattern)` gives: its listings and the values of `names`."""
    try:
        reader = reader_module.load_checkpoint(pattern)
    except Exception as e:  # compared, class and message
        return [(type(e).__name__, str(e))]
    return [
        sorted(reader.get_variable_to_shape_map().items()),
        sorted((k, v.name) for k, v in reader.get_variable_to_dtype_map().items()),
        reader.debug_string(),
        *(outcome(partial(reader.get_tensor, name), str) for name in names),
        *(reader.has_tensor(name) for name in names),
    ]


def _with_record(path: str, name: bytes, record: bytes | None) -> None:
    """Rewrites V1 file `path` with the record of tensor `name`'s one slice replaced, or removed."""
    from tf_ckpt_compat._bundle.table import Table
    from tf_ckpt_compat._bundle.writer import encode_table

    with open(path, "rb") as f:
        table = f.read()
    items = Table(lambda o, n: table[o : o + n], len(table)).items()
    prefix = b"\x00" + name + b"\x00\x01"  # the slice keys of `name` (ordered_code)
    edited = [(k, record if k.startswith(prefix) else v) for k, v in items]
    with open(path, "wb") as f:
        f.write(encode_table([(k, v) for k, v in edited if v is not None]))


def _record(values: bytes) -> bytes:
    """A SavedTensorSlices: data (2), of slice "a" (1), whole (2), TensorProto `values` (3)."""
    saved_slice = b"\x0a\x01a\x12\x02\x0a\x00\x1a" + bytes([len(values)]) + values
    return b"\x12" + bytes([len(saved_slice)]) + saved_slice


def _floats(*values: float) -> bytes:
    """float_val (5), packed."""
    return b"\x2a" + bytes([4 * len(values)]) + np.array(values, "<f4").tobytes()


@pytest.mark.parametrize(
    "record",
    [
        None,  # the record is missing
        b"\xff\xff",  # not a message
        _record(_floats(9, 10)),  # fewer values than the slice has
        _record(_floats(9, 10, 11, 12)),  # more
        _record(_floats(9, 10, 11)),  # as many
        # float_val unpacked (fixed32 each), which protobuf reads as well
        _record(b"".join(b"\x2d" + np.float32(v).tobytes() for v in (9, -0.0, np.nan))),
        _record(_floats(9, 10, 11) + b"\x22\x01z"),  # and tensor_content, which is not read
        _record(b"\x3a\x03\x01\x02\x03"),  # int_val only: none in float_val
    ],
    ids=["missing", "unparseable", "fewer", "more", "exact", "unpacked", "content", "int_val"],
)
def test_v1_records_read_as_tensorflow_reads_them(tf, backend, tmp_path, record):
    # TensorFlow 2.16 to 2.21 answer NotFoundError for a record they cannot copy.
    path = str(tmp_path / "model.ckpt")
    _save_slices(tf, path, {"a": ("", tf.constant([1.0, 2.0, 3.0])), "s": ("", tf.constant(b"x"))})
    _with_record(path, b"a", record)
    names = ("a", "s")
    assert _v1_readings(tf_ckpt_compat.train, path, names) == _v1_readings(tf.train, path, names)


def test_v1_dtypes_and_slices_the_saver_leaves_out_read_as_tensorflow_reads_them(
    tf, backend, tmp_path
):
    # Quantized types are listed but not copied; a tensor saved as one slice
    # smaller than itself copies into the start of the tensor, the rest left
    # uninitialized: compared for strings, which TensorFlow leaves empty.
    path = str(tmp_path / "model.ckpt")
    ints = tf.constant([1, -2], tf.int8)
    _save_slices(
        tf,
        path,
        {
            "q8": ("", tf.raw_ops.Bitcast(input=ints, type=tf.qint8)),
            "qu8": ("", tf.raw_ops.Bitcast(input=tf.cast(ints, tf.uint8), type=tf.quint8)),
            "q32": ("", tf.raw_ops.Bitcast(input=tf.constant([7, -7]), type=tf.qint32)),
            "partial_strings": ("3 1,2", tf.constant([b"x", "é".encode()])),
            "partial_floats": ("4 3 0,2:-", tf.constant([[1.0, 2, 3], [4, 5, 6]])),
        },
    )
    names = ("q8", "qu8", "q32", "partial_strings")
    assert _v1_readings(tf_ckpt_compat.train, path, names) == _v1_readings(tf.train, path, names)


@pytest.mark.parametrize(
    "second",
    [
        ("4 3 1,2:-", 1.0),  # overlaps the first file's slice
        ("5 3 2,2:-", 1.0),  # another shape
        ("4 3 2,2:-", 1),  # another dtype
        ("4 3 2,2:-", 1.0),  # the rest of the tensor: fine, two slices
    ],
    ids=["overlap", "shape", "dtype", "complement"],
)
def test_v1_files_that_disagree_fail_as_tensorflow_fails(tf, backend, tmp_path, second):
    spec, one = second
    _save_slices(tf, str(tmp_path / "x-0"), {"a": ("4 3 0,2:-", tf.fill([2, 3], 1.0))})
    _save_slices(tf, str(tmp_path / "x-1"), {"a": (spec, tf.fill([2, 3], one))})
    pattern = str(tmp_path / "x-?")
    assert _v1_readings(tf_ckpt_compat.train, pattern, ("a",)) == _v1_readings(
        tf.train, pattern, ("a",)
    )


def test_a_directory_as_the_prefix_fails_as_tensorflow_fails(tf, backend, tmp_path):
    # No `<dir>.index`: TensorFlow opens the directory itself as a V1 file.
    name = str(tmp_path)
    ours = outcome(partial(tf_ckpt_compat.compat.v1.train.NewCheckpointReader, name), str)
    assert ours == outcome(partial(tf.compat.v1.train.NewCheckpointReader, name), str)


# --- tf-ckpt-compat inspect: the text of TensorFlow's inspect_checkpoint tool ---------------


@pytest.mark.parametrize(
    "kind, mode",
    [
        *(
            (kind, mode)
            for kind in ("tf2_dtypes", "tf1_partitioned", "iterator")
            for mode in ("listing", "all_tensors", "one_tensor")
        ),
        ("tf1_v1", "listing"),
        ("tf1_v1", "one_tensor"),
        ("tf1_v1_sharded", "listing"),
    ],
)
def test_inspect_prints_what_tensorflows_tool_prints(tf, backend, tmp_path, capsys, kind, mode):
    from tensorflow.python.tools.inspect_checkpoint import print_tensors_in_checkpoint_file

    from tf_ckpt_compat import _cli

    prefix = checkpoints.copy_of(kind, str(tmp_path / "run"))
    name = tf.train.list_variables(prefix)[-1][0] if mode == "one_tensor" else ""
    print_tensors_in_checkpoint_file(prefix, name, all_tensors=mode == "all_tensors")
    theirs = capsys.readouterr().out
    options = {"listing": [], "all_tensors": ["--all-tensors"], "one_tensor": ["--tensor", name]}
    assert _cli.main(["inspect", prefix, *options[mode]]) == 0
    assert capsys.readouterr().out == theirs


# --- writing: byte for byte what SaveV2 writes --------------------------------------------------


def _tensor_sets():
    import ml_dtypes

    rng = np.random.default_rng(1)
    return {
        "mixed": {
            "w": rng.standard_normal((3, 4)).astype(np.float32),
            "a/b": np.int64(7),
            "s": np.array(b"hi", dtype=object),
            "strings": np.array([[b"", b"x" * 300, "é".encode()]], dtype=object),
            "no_strings": np.zeros((0,), dtype=object),
            "bf16": np.array([1.5, 2], ml_dtypes.bfloat16),
            "f8": np.array([1.0, -2.0], ml_dtypes.float8_e4m3fn),
            "empty": np.zeros((0, 2), np.float64),
            "bool": np.array([True, False]),
            "c128": np.array([1 + 1j], np.complex128),
            "i8": np.array([-1], np.int8),
            "u64": np.array([2**64 - 1], np.uint64),
        },
        "many_blocks": {
            f"layer/{i:06d}/kernel": rng.standard_normal(200).astype(np.float32)
            for i in range(4000)
        },
        "unsorted_names": {"z": np.float32(1), "a": np.float32(2), "mé": np.float32(3)},
    }


def _tf_tensor(tf, value):
    if isinstance(value, np.ndarray) and value.dtype == object:
        return tf.constant(value.tolist() if value.ndim else value.item(), dtype=tf.string)
    return tf.constant(value)


@pytest.mark.parametrize("label", ["mixed", "many_blocks", "unsorted_names"])
def test_bundle_writer_writes_what_save_v2_writes(tf, tmp_path, label):
    from tf_ckpt_compat._bundle.writer import encode_bundle

    tensors = _tensor_sets()[label]
    prefix = str(tmp_path / "ckpt")
    tf.raw_ops.SaveV2(
        prefix=prefix,
        tensor_names=list(tensors),
        shape_and_slices=[""] * len(tensors),
        tensors=[_tf_tensor(tf, v) for v in tensors.values()],
    )
    index, data = encode_bundle(tensors)
    with open(prefix + ".index", "rb") as f:
        assert f.read() == index
    with open(prefix + ".data-00000-of-00001", "rb") as f:
        assert f.read() == data


def test_a_big_endian_bundle_reads_as_tensorflow_reads_it(tf, backend, tmp_path):
    # No big-endian machine here: the bundle one would write is built, and
    # TensorFlow's own byte swapping is the oracle for the pure reader's.
    from tf_ckpt_compat._bundle.writer import encode_bundle

    tensors = _tensor_sets()["mixed"]
    tensors["python_int"] = 5
    prefix = str(tmp_path / "ckpt")
    index, data = encode_bundle(tensors, big_endian=True)
    (tmp_path / "ckpt.index").write_bytes(index)
    (tmp_path / "ckpt.data-00000-of-00001").write_bytes(data)
    theirs, ours = tf.train.load_checkpoint(prefix), tf_ckpt_compat.load_checkpoint(prefix)
    for name in tensors:
        assert outcome(partial(ours.get_tensor, name), str) == outcome(
            partial(theirs.get_tensor, name), str
        ), name


def test_testing_checkpoints_are_real_ones_tensorflow_opens(tf, tmp_path):
    from tf_ckpt_compat.testing import CheckpointDirectory

    run = CheckpointDirectory(tmp_path / "run")
    run.publish(100)
    run.publish("final")
    assert tf.train.load_variable(run.prefix(100), "global_step") == 100
    assert tf.train.load_variable(str(run.directory), "global_step") == b"final"
    assert tf.train.list_variables(run.prefix(100)) == [("global_step", [])]
