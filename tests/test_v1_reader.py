"""The pure reader on V1 checkpoints (`_bundle/slices.py`), without TensorFlow.

The checkpoints in `tests/data/v1/` were written by TensorFlow 1's saver
(`make.py` there, under TensorFlow 2.21), which also printed what TensorFlow's
own reader reads from them: the expected listings, values (their bytes, in
hex) and errors here are those readings, written out. The compat suite
compares the two readers live, on more checkpoints and more damage.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import tf_ckpt_compat
from tf_ckpt_compat import errors
from tf_ckpt_compat._bundle.reader import CheckpointReader
from tf_ckpt_compat._bundle.table import Table
from tf_ckpt_compat._bundle.writer import encode_table

DATA = Path(__file__).parent / "data" / "v1"
MODEL = str(DATA / "model.ckpt")
SHARDED = str(DATA / "sharded" / "model.ckpt-?????-of-00002")

# TensorFlow's DebugString of model.ckpt: its map's order, not the names' order.
_LAYER = "layer_{:02d}/kernel/with/a/long/name (DT_FLOAT) []\n"
DEBUG_STRING = "".join(
    [
        "u8 (DT_UINT8) [2]\n",
        "strings (DT_STRING) [3]\n",
        "s (DT_STRING) []\n",
        "part (DT_FLOAT) [4,2], 2 slices\n",
        *(_LAYER.format(i) for i in (29, 27, 26, 24, 23, 22, 20, 1, 0, 12, 2, 10, 25)),
        "i16 (DT_INT16) [2]\n",
        _LAYER.format(28),
        "f64 (DT_DOUBLE) [3]\n",
        _LAYER.format(14),
        "i32 (DT_INT32) []\n",
        _LAYER.format(18),
        "f32 (DT_FLOAT) [2,3]\n",
        "bool (DT_BOOL) [1,2]\n",
        "empty (DT_FLOAT) [0,3]\n",
        _LAYER.format(16),
        "c64 (DT_COMPLEX64) [1]\n",
        *(_LAYER.format(i) for i in (3, 5, 21, 4, 6, 15, 7, 8)),
        "i64 (DT_INT64) [2]\n",
        _LAYER.format(9),
        "i8 (DT_INT8) [2]\n",
        *(_LAYER.format(i) for i in (19, 11, 13, 17)),
    ]
).encode()

# name: (type, numpy dtype, shape, the bytes TensorFlow's reader returned, in hex).
VALUES = {
    "f32": (
        np.ndarray,
        "float32",
        (2, 3),
        "0000c03f00000080efbec07f0000807f000080ff01000000",  # -0.0, a NaN payload
    ),
    "f64": (np.ndarray, "float64", (3,), "0100efbeaddef87f0000000000000080a0c8eb85f3cce17f"),
    "i32": (np.int32, "int32", (), "f9ffffff"),
    "u8": (np.ndarray, "uint8", (2,), "00ff"),
    "i16": (np.ndarray, "int16", (2,), "0080ff7f"),
    "i8": (np.ndarray, "int8", (2,), "807f"),
    "i64": (np.ndarray, "int64", (2,), "0000000000000080ffffffffffffff7f"),
    "bool": (np.ndarray, "bool", (1, 2), "0100"),
    "empty": (np.ndarray, "float32", (0, 3), ""),
    "layer_17/kernel/with/a/long/name": (np.float32, "float32", (), "00008841"),
}


def _hex_of(value: object) -> tuple[object, ...]:
    array = np.asarray(value)
    return type(value), str(array.dtype), array.shape, array.tobytes().hex()


def test_the_listings_are_tensorflows():
    reader = tf_ckpt_compat.load_checkpoint(MODEL)
    assert reader.debug_string() == DEBUG_STRING
    shapes = reader.get_variable_to_shape_map()
    # pybind11 builds TensorFlow's dict in its map's order, which DebugString shows.
    assert [f"{name} " for name in shapes] == [
        line.split(b" (")[0].decode() + " " for line in DEBUG_STRING.splitlines()
    ]
    assert shapes["part"] == [4, 2] and shapes["s"] == [] and shapes["empty"] == [0, 3]
    dtypes = reader.get_variable_to_dtype_map()
    assert (dtypes["c64"].name, dtypes["bool"].name, dtypes["f64"].name) == (
        "complex64",
        "bool",
        "float64",
    )
    assert reader.has_tensor("part") and not reader.has_tensor("part/part_0")
    assert tf_ckpt_compat.list_variables(MODEL)[:3] == [
        ("bool", [1, 2]),
        ("c64", [1]),
        ("empty", [0, 3]),
    ]


@pytest.mark.parametrize("name", list(VALUES))
def test_values_are_tensorflows_bit_for_bit(name):
    value = tf_ckpt_compat.load_variable(MODEL, name + ":0")
    assert _hex_of(value) == VALUES[name]
    assert not isinstance(value, np.ndarray) or value.flags.writeable


def test_strings_are_tensorflows():
    reader = CheckpointReader(MODEL)
    assert reader.get_tensor("s") == b"hello"
    strings = reader.get_tensor("strings")
    assert strings.dtype == object and strings.shape == (3,)
    assert strings.tolist() == [b"", b"\xc3\xa9\xe2\x82\xac", b"x" * 300]


@pytest.mark.parametrize(
    "name, error, message",
    [
        ("c64", errors.UnimplementedError, "Data type not supported"),
        ("part", errors.UnimplementedError, "Sliced checkpoints are not supported"),
        ("part/part_0", errors.NotFoundError, "part/part_0 not found in checkpoint file"),
        ("", errors.NotFoundError, " not found in checkpoint file"),
    ],
)
def test_what_tensorflows_v1_reader_does_not_read(name, error, message):
    with pytest.raises(error) as raised:
        CheckpointReader(MODEL).get_tensor(name)
    assert str(raised.value) == message


def test_a_sharded_save_by_its_pattern_and_through_its_directory():
    for where in (SHARDED, str(DATA / "sharded")):
        reader = tf_ckpt_compat.load_checkpoint(where)
        assert reader.debug_string() == (
            b"b (DT_INT64) [1]\npart (DT_FLOAT) [4,2], 2 slices\na (DT_FLOAT) [3]\n"
        )
        assert _hex_of(reader.get_tensor("a")) == (
            np.ndarray,
            "float32",
            (3,),
            "0000803f0000004000004040",
        )
        assert _hex_of(reader.get_tensor("b")) == (np.ndarray, "int64", (1,), "0500000000000000")
    reader = tf_ckpt_compat.compat.v1.train.NewCheckpointReader(SHARDED)
    assert sorted(reader.get_variable_to_shape_map()) == ["a", "b", "part"]
    # The directory above: its state file names the one-file checkpoint.
    assert tf_ckpt_compat.load_variable(str(DATA), "u8").tolist() == [0, 255]


def test_inspect_prints_tensorflows_listing(capsys):
    from tf_ckpt_compat import _cli

    assert _cli.main(["inspect", str(DATA / "sharded")]) == 0
    assert capsys.readouterr().out == (
        "b (DT_INT64) [1]\npart (DT_FLOAT) [4,2], 2 slices\na (DT_FLOAT) [3]\n\n"
        "# Total number of params: 12\n"
    )


def test_a_missing_shard_leaves_its_tensors_out(tmp_path):
    shutil.copytree(DATA / "sharded", tmp_path / "run")
    (tmp_path / "run" / "model.ckpt-00001-of-00002").unlink()
    reader = tf_ckpt_compat.load_checkpoint(str(tmp_path / "run"))
    assert sorted(reader.get_variable_to_shape_map()) == ["a", "part"]
    assert b"part (DT_FLOAT) [4,2]\n" in reader.debug_string()  # one slice: no count
    with pytest.raises(errors.NotFoundError, match="^b not found in checkpoint file$"):
        reader.get_tensor("b")


def test_listings_need_no_numpy(monkeypatch):
    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy -> ImportError
    reader = tf_ckpt_compat.load_checkpoint(MODEL)
    assert reader.debug_string() == DEBUG_STRING
    assert reader.get_variable_to_dtype_map()["u8"].name == "uint8"
    with pytest.raises(ImportError, match=r"pip install 'tf-ckpt-compat\[tensors\]'"):
        reader.get_tensor("u8")
    # Refused before numpy is needed, as TensorFlow refuses them.
    with pytest.raises(errors.UnimplementedError):
        reader.get_tensor("c64")


def test_on_an_object_store(memory_root):
    import fsspec

    fs = fsspec.filesystem("memory")
    for path in (DATA / "sharded").iterdir():
        fs.pipe(f"{memory_root}/run/{path.name}", path.read_bytes())
    reader = tf_ckpt_compat.load_checkpoint(f"{memory_root}/run")
    assert reader.get_tensor("a").tolist() == [1.0, 2.0, 3.0]
    assert reader.get_tensor("b").tolist() == [5]


# --- damage: TensorFlow 2.21's exceptions and messages ----------------------------------------

_HINT = (
    ": perhaps your file is in a different file format and you need to use a different "
    "restore operator?"
)


def _items(path: str) -> list[tuple[bytes, bytes]]:
    with open(path, "rb") as f:
        table = f.read()
    return list(Table(lambda o, n: table[o : o + n], len(table)).items())


def _copy(tmp_path: Path) -> str:
    shutil.copy(MODEL, tmp_path / "model.ckpt")
    return str(tmp_path / "model.ckpt")


def _rewrite(path: str, items: list[tuple[bytes, bytes]]) -> None:
    with open(path, "wb") as f:
        f.write(encode_table(items))


def test_no_file_matches(tmp_path):
    pattern = str(tmp_path / "model.ckpt-?????-of-00002")
    with pytest.raises(errors.NotFoundError) as raised:
        CheckpointReader(pattern)
    assert str(raised.value) == (
        f"Unsuccessful TensorSliceReader constructor: Failed to find any matching files for "
        f"{pattern}"
    )


@pytest.mark.parametrize(
    "content, reason",
    [
        (
            b"hello world, this is not a table at all, not at all!!",
            "not an sstable (bad magic number)",
        ),
        (b"", "file is too short to be an sstable"),
        (b"x" * 30, "file is too short to be an sstable"),
    ],
    ids=["not_a_table", "empty", "truncated"],
)
def test_a_file_that_is_not_a_table(tmp_path, content, reason):
    path = tmp_path / "model.ckpt"
    path.write_bytes(content)
    with pytest.raises(errors.DataLossError) as raised:
        CheckpointReader(str(path))
    assert str(raised.value) == f"Unable to open table file {path}: DATA_LOSS: {reason}{_HINT}"


def test_a_directory_as_the_prefix(tmp_path):
    with pytest.raises(errors.DataLossError) as raised:
        CheckpointReader(str(tmp_path))
    assert str(raised.value) == (
        f"Unable to open table file {tmp_path}: FAILED_PRECONDITION: {tmp_path}; Is a directory"
        + _HINT
    )


@pytest.mark.parametrize(
    "edit",
    [
        lambda items: items[1:],  # no meta entry
        lambda items: [(b"", b"\xff"), *items[1:]],  # a meta entry that does not parse
    ],
    ids=["missing", "unparseable"],
)
def test_no_readable_meta_entry(tmp_path, edit):
    path = _copy(tmp_path)
    _rewrite(path, edit(_items(path)))
    with pytest.raises(errors.InternalError) as raised:
        CheckpointReader(path)
    assert str(raised.value) == (
        f"Failed to find the saved tensor slices at the beginning of the checkpoint file: {path}"
    )


def test_a_newer_format_names_the_reproduced_version(tmp_path):
    path = _copy(tmp_path)
    items = _items(path)
    # A second meta (1), which protobuf merges: versions (2) { min_consumer (2): 5 }.
    _rewrite(path, [(b"", items[0][1] + b"\x0a\x04\x12\x02\x10\x05"), *items[1:]])
    with pytest.raises(ValueError) as raised:
        CheckpointReader(path)
    assert str(raised.value) == (
        "Checkpoint min consumer version 5 above current version 1 for TensorFlow 2.21.0.  "
        "Please upgrade TensorFlow."
    )


def _record(values: bytes) -> bytes:
    """SavedTensorSlices { data (2) { name (1) "u8", slice (2) {}, data (3) `values` } }."""
    saved_slice = b"\x0a\x02u8\x12\x00\x1a" + bytes([len(values)]) + values
    return b"\x12" + bytes([len(saved_slice)]) + saved_slice


@pytest.mark.parametrize(
    "record, expected",
    [
        (None, None),  # the record is missing
        (b"\xff", None),  # it does not parse
        (_record(b"\x3a\x01\x07"), None),  # int_val: one value for two
        (_record(b"\x3a\x03\x07\x08\x09"), None),  # three
        (_record(b"\x38\x07\x38\xff\x01"), [7, 255]),  # unpacked int_val
        (_record(b"\x3a\x03\x07\x81\x02"), [7, 1]),  # 257 narrowed, as C++ does
    ],
    ids=["missing", "unparseable", "fewer", "more", "unpacked", "narrowed"],
)
def test_a_record_tensorflow_cannot_copy_is_not_found(tmp_path, record, expected):
    path = _copy(tmp_path)
    key = b"\x00u8\x00\x01\x01\x01\x80\x7f"  # EncodeTensorNameSlice("u8", whole)
    items = [(k, record if k == key else v) for k, v in _items(path)]
    _rewrite(path, [(k, v) for k, v in items if v is not None])
    reader = CheckpointReader(path)
    if expected is None:
        with pytest.raises(errors.NotFoundError, match="^u8 not found in checkpoint file$"):
            reader.get_tensor("u8")
    else:
        assert reader.get_tensor("u8").tolist() == expected
