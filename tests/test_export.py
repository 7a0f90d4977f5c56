"""`tf-ckpt-compat export`, without TensorFlow: what numpy and safetensors read back.

The checkpoints are written by the package's bundle writer (byte-identical to
TensorFlow's `SaveV2`, as compat_tests/test_reader_compat.py proves); the
oracles are the values given to that writer, compared bit for bit with what
`numpy.load` and safetensors' own reader return. The same against TensorFlow's
`load_variable` is compat_tests/test_export_compat.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import ml_dtypes
import numpy as np
import pytest
import safetensors
from test_cli import COMMAND, DEADLINE, ENV, assert_one_line_error, cli

from tf_ckpt_compat import _cli
from tf_ckpt_compat._bundle import ordered_code
from tf_ckpt_compat._bundle.table import Table
from tf_ckpt_compat._bundle.writer import (
    _message_field,
    _shape,
    _varint_field,
    encode_bundle,
    encode_table,
)
from tf_ckpt_compat.testing import CheckpointDirectory

GRAPH = "_CHECKPOINTABLE_OBJECT_GRAPH"
# Every kind safetensors holds, with the dtype code its format names it by
# (the safetensors format's own table, written out here).
NUMERIC = {
    "dense/kernel": (np.arange(12, dtype=np.float32).reshape(3, 4), "F32"),
    "f64": (np.array([np.nan, -0.0, np.inf]), "F64"),
    "nan_payload": (np.array([0x7FF8DEADBEEF0001], np.uint64).view(np.float64), "F64"),
    "f16": (np.array([65504, -1.5], np.float16), "F16"),
    "bf16": (np.array([1.5, -3.0, 1e30], ml_dtypes.bfloat16), "BF16"),
    "f8_e4m3": (np.array([0.5, -448], ml_dtypes.float8_e4m3fn), "F8_E4M3"),
    "f8_e5m2": (np.array([[0.25, 57344]], ml_dtypes.float8_e5m2), "F8_E5M2"),
    "i8": (np.array([-128, 127], np.int8), "I8"),
    "u8": (np.array([255], np.uint8), "U8"),
    "i16": (np.array([-32768], np.int16), "I16"),
    "u16": (np.array([65535], np.uint16), "U16"),
    "i32": (np.int32(-7), "I32"),
    "u32": (np.array([4_000_000_000], np.uint32), "U32"),
    "step": (np.int64(5), "I64"),
    "u64": (np.array([2**64 - 1], np.uint64), "U64"),
    "bool": (np.array([[True], [False]]), "BOOL"),
    "c64": (np.array([1 + 2j, -0.0 - 1j], np.complex64), "C64"),
    "empty": (np.zeros((0, 3), np.float32), "F32"),
}
STRINGS = {
    GRAPH: b"\x0a\x05graph",
    "vocab": np.array([[b"", "é€".encode()], [b"x" * 300, b"\xff\x80"]], dtype=object),
    "trailing_nul": np.array([b"ab\x00", b"c"], dtype=object),
    "lopsided": np.array([b"y" * 2_000_000] + [b"z"] * 10, dtype=object),
    "no_strings": np.zeros((2, 0), dtype=object),
}
OTHERS = {"c128": np.array([[1 - 2j]], np.complex128), "i4": np.array([-8, 7], ml_dtypes.int4)}
TENSORS = {
    **{name: value for name, (value, _) in NUMERIC.items()},
    **STRINGS,
    **OTHERS,
}


@pytest.fixture(autouse=True)
def pure(monkeypatch):
    monkeypatch.setenv("TF_CKPT_COMPAT_BACKEND", "pure")


def _write(prefix: str, index: bytes, data: bytes) -> None:
    with open(prefix + ".index", "wb") as f:
        f.write(index)
    with open(prefix + ".data-00000-of-00001", "wb") as f:
        f.write(data)


@pytest.fixture
def checkpoint(tmp_path) -> str:
    prefix = str(tmp_path / "ckpt-3")
    _write(prefix, *encode_bundle(TENSORS))
    return prefix


def export(capsys, *args: str) -> tuple[int, str, str]:
    """Runs `export ARGS` in this process: (status, stdout, stderr)."""
    status = _cli.main(["export", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if status:
        assert err.startswith("tf-ckpt-compat: error: ") and err.count("\n") == 1, err
    return status, out, err


def _bits(value: object) -> tuple[tuple[int, ...], bytes]:
    array = np.asarray(value)
    return array.shape, array.tobytes()


def _leftovers(directory) -> list[str]:
    return sorted(name for name in os.listdir(directory) if not name.startswith("ckpt-"))


# --- .npz -------------------------------------------------------------------------------


def test_npz_holds_every_tensor_bit_for_bit(checkpoint, tmp_path, capsys):
    out = str(tmp_path / "model.npz")
    status, stdout, stderr = export(capsys, checkpoint, out)
    assert (status, stdout, stderr) == (0, f"{out}: {len(TENSORS)} tensors\n", "")
    with np.load(out, allow_pickle=True) as npz:
        assert sorted(npz.files) == sorted(TENSORS)
        for name, (value, _) in NUMERIC.items():
            loaded = npz[name]
            if value.dtype.name in ("bfloat16", "float8_e4m3fn", "float8_e5m2"):
                # numpy writes ml_dtypes arrays as raw bytes, as for any user.
                assert loaded.dtype == np.dtype(f"V{value.dtype.itemsize}"), name
                loaded = loaded.view(value.dtype)
            assert loaded.dtype == value.dtype, name
            assert _bits(loaded) == _bits(value), name
        assert npz["c128"].dtype == np.complex128 and _bits(npz["c128"]) == _bits(OTHERS["c128"])
        assert npz["i4"].view(ml_dtypes.int4).tolist() == [-8, 7]
        assert npz[GRAPH].item() == STRINGS[GRAPH]
        for name in ("vocab", "trailing_nul", "lopsided", "no_strings"):
            assert npz[name].shape == STRINGS[name].shape, name
            assert npz[name].tolist() == STRINGS[name].tolist(), name


def test_npz_strings_load_without_pickle_unless_fixed_width_would_lose_them(
    checkpoint, tmp_path, capsys
):
    out = str(tmp_path / "model.npz")
    assert export(capsys, checkpoint, out)[0] == 0
    with np.load(out) as npz:  # allow_pickle=False, numpy's default
        assert npz["vocab"].dtype.kind == "S"
        assert npz[GRAPH].dtype.kind == "S"
        assert npz["no_strings"].dtype.kind == "S"
        # `S` drops a trailing NUL; one 2 MB string would pad ten others to 22 MB.
        for name in ("trailing_nul", "lopsided"):
            with pytest.raises(ValueError, match="allow_pickle=False"):
                npz[name]


def _partitioned(prefix: str) -> np.ndarray:
    """A bundle holding `part` as TensorFlow's Saver writes a partitioned variable: 3 slices."""
    full = np.arange(30, dtype=np.float32).reshape(10, 3)
    rows = [(0, 4), (4, 3), (7, 3)]
    index, data = encode_bundle({f"slice{i}": full[s : s + n] for i, (s, n) in enumerate(rows)})
    items = list(Table(lambda o, n: index[o : o + n], len(index)).items())
    renamed = {
        b"slice%d" % i: ordered_code.tensor_slice_key(b"part", [r, (0, -1)])
        for i, r in enumerate(rows)
    }
    items = [(renamed.get(key, key), value) for key, value in items]
    # The full tensor's entry: dtype, full shape and the slices (TensorSliceProto,
    # one Extent per dimension; no length for a whole one), and no data.
    slices = b"".join(
        _message_field(
            7, _message_field(1, _varint_field(1, s) + _varint_field(2, n)) + _message_field(1, b"")
        )
        for s, n in rows
    )
    items.append((b"part", _varint_field(1, 1) + _message_field(2, _shape([10, 3])) + slices))
    _write(prefix, encode_table(sorted(items)), data)
    return full


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_a_partitioned_variable_is_exported_whole(tmp_path, capsys, suffix):
    prefix = str(tmp_path / "ckpt-1")
    full = _partitioned(prefix)
    out = str(tmp_path / f"model{suffix}")
    assert export(capsys, prefix, out)[:2] == (0, f"{out}: 1 tensors\n")
    assert _read_back(out) == {"part": _bits(full)}


# A V1 checkpoint of TensorFlow 1's saver (tests/data/v1/make.py): 43 tensors, of
# which TensorFlow's V1 reader does not read two (a complex64 one, a partitioned one).
V1_MODEL = os.path.join(os.path.dirname(__file__), "data", "v1", "model.ckpt")


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_a_v1_checkpoint_leaves_out_what_tensorflow_does_not_read_only_if_asked(
    tmp_path, capsys, suffix
):
    out = str(tmp_path / f"model{suffix}")
    status, _, stderr = export(capsys, V1_MODEL, out)
    assert status == 1 and not os.path.exists(out)
    if suffix == ".npz":
        assert stderr == (
            "tf-ckpt-compat: error: cannot read c64: UnimplementedError: Data type not "
            "supported; --skip-unsupported leaves it out\n"
        )
    status, stdout, stderr = export(capsys, V1_MODEL, out, "--skip-unsupported")
    written = 41 if suffix == ".npz" else 39  # safetensors holds no strings
    assert (status, stdout) == (0, f"{out}: {written} tensors\n")
    assert "warning: left out part: UnimplementedError: Sliced checkpoints are not supported\n" in (
        stderr
    )
    tensors = _read_back(out)
    assert len(tensors) == written and "c64" not in tensors and "part" not in tensors
    # The bytes TensorFlow's reader returned (tests/test_v1_reader.py).
    assert tensors["f32"] == (
        (2, 3),
        bytes.fromhex("0000c03f00000080efbec07f0000807f000080ff01000000"),
    )


def _read_back(out: str) -> dict[str, tuple[tuple[int, ...], bytes]]:
    """Each tensor of a .npz or .safetensors file: its shape and bytes."""
    if out.endswith(".npz"):
        with np.load(out) as npz:
            return {name: _bits(npz[name]) for name in npz.files}
    with open(out, "rb") as f:
        raw = safetensors.deserialize(f.read())
    return {name: (tuple(info["shape"]), bytes(info["data"])) for name, info in raw}


# --- .safetensors -------------------------------------------------------------------------


def test_safetensors_holds_each_numeric_tensor_with_its_dtype_code(checkpoint, tmp_path, capsys):
    out = str(tmp_path / "model.safetensors")
    status, stdout, stderr = export(capsys, checkpoint, out, "--skip-unsupported")
    assert (status, stdout) == (0, f"{out}: {len(NUMERIC)} tensors\n")
    # The object graph goes silently; every other left-out tensor is named.
    left_out = [
        "c128 (complex128)",
        "i4 (int4)",
        "lopsided (string)",
        "no_strings (string)",
        "trailing_nul (string)",
        "vocab (string)",
    ]
    assert stderr.splitlines() == [
        f"warning: left out {what}: safetensors cannot hold it" for what in left_out
    ]
    with open(out, "rb") as f:
        raw = dict(safetensors.deserialize(f.read()))
    assert sorted(raw) == sorted(NUMERIC)
    for name, (value, code) in NUMERIC.items():
        assert raw[name]["dtype"] == code, name
        # safetensors stores little-endian bytes, as this machine's.
        assert (tuple(raw[name]["shape"]), bytes(raw[name]["data"])) == _bits(value), name


def test_safetensors_loads_bfloat16_and_float8_through_safe_open(checkpoint, tmp_path, capsys):
    # safe_open's numpy framework has no bfloat16 (KeyError 'BF16'); its "flax"
    # one is jax's; the raw slice API reads any dtype: its bytes, by name.
    out = str(tmp_path / "model.safetensors")
    assert export(capsys, checkpoint, out, "--skip-unsupported")[0] == 0
    with safetensors.safe_open(out, framework="np") as f:
        assert sorted(f.keys()) == sorted(NUMERIC)
        assert _bits(f.get_tensor("dense/kernel")) == _bits(NUMERIC["dense/kernel"][0])
        assert f.get_slice("bf16").get_dtype() == "BF16"


def test_safetensors_refuses_what_it_cannot_hold_and_writes_nothing(checkpoint, tmp_path, capsys):
    out = str(tmp_path / "model.safetensors")
    status, stdout, stderr = export(capsys, checkpoint, out)
    assert (status, stdout) == (1, "")
    assert stderr == (
        "tf-ckpt-compat: error: safetensors cannot hold c128 (complex128), i4 (int4), "
        "lopsided (string) and 3 more; --skip-unsupported leaves them out\n"
    )
    assert _leftovers(tmp_path) == []


def test_a_tf2_checkpoint_exports_to_safetensors_as_it_is(tmp_path, capsys):
    # The object graph every TF2 checkpoint holds does not stop the export.
    prefix = str(tmp_path / "ckpt-1")
    _write(prefix, *encode_bundle({GRAPH: b"graph", "w": np.float32(2.5)}))
    out = str(tmp_path / "w.safetensors")
    assert export(capsys, prefix, out) == (0, f"{out}: 1 tensors\n", "")


# --- PATH, OUT and failures ---------------------------------------------------------------


def test_a_directory_is_read_through_its_state_file(tmp_path, capsys):
    run = CheckpointDirectory(tmp_path / "run")
    run.publish(1)
    run.publish(2)
    out = str(tmp_path / "latest.npz")
    assert export(capsys, str(run.directory), out)[0] == 0
    with np.load(out) as npz:
        assert npz["global_step"] == 2


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_an_existing_out_is_kept_unless_force(checkpoint, tmp_path, capsys, suffix):
    out = tmp_path / f"model{suffix}"
    out.write_bytes(b"precious")
    status, stdout, stderr = export(capsys, checkpoint, str(out), "--skip-unsupported")
    assert (status, stdout) == (2, "")
    assert stderr == f"tf-ckpt-compat: error: {out} exists: --force replaces it\n"
    assert out.read_bytes() == b"precious"
    assert export(capsys, checkpoint, str(out), "--skip-unsupported", "--force")[0] == 0
    assert out.read_bytes() != b"precious"
    assert _leftovers(tmp_path) == [out.name]


def test_out_gets_the_mode_of_a_new_file(checkpoint, tmp_path, capsys):
    out = tmp_path / "model.npz"
    previous = os.umask(0o027)
    try:
        assert export(capsys, checkpoint, str(out))[0] == 0
    finally:
        os.umask(previous)
    assert out.stat().st_mode & 0o777 == 0o640


def test_a_damaged_tensor_fails_the_export_and_leaves_the_old_out(tmp_path, capsys):
    prefix = str(tmp_path / "ckpt-1")
    index, data = encode_bundle({"a": np.arange(4, dtype=np.float32), "b": np.float32(1)})
    _write(prefix, index, data[:-1] + bytes([data[-1] ^ 1]))  # the last tensor's bytes: b's
    for suffix in (".npz", ".safetensors"):
        out = tmp_path / f"model{suffix}"
        out.write_bytes(b"old")
        status, _, stderr = export(capsys, prefix, str(out), "--force")
        assert status == 1
        assert f"cannot read {prefix}: OpError: TensorBundle at {prefix} shard 0" in stderr
        assert "Checksum does not match" in stderr
        assert out.read_bytes() == b"old"
    assert _leftovers(tmp_path) == ["model.npz", "model.safetensors"]


@pytest.mark.parametrize(
    "args, status, message",
    [
        (["{ckpt}", "{dir}/model.pt"], 2, "OUT must end in .npz or .safetensors"),
        (["{ckpt}", "{dir}"], 2, "OUT must end in .npz or .safetensors"),
        (["{ckpt}", "{dir}/model.npz/"], 2, "OUT must end in .npz or .safetensors"),
        (["{ckpt}", "{dir}/missing/model.npz"], 2, "OUT's directory does not exist"),
        (["{ckpt}", "{dir}/empty.npz"], 2, "OUT is a directory"),
        (["{dir}/ckpt-9", "{dir}/model.npz"], 1, "NotFoundError: Unsuccessful TensorSlice"),
        (["{dir}/empty.npz", "{dir}/model.npz"], 1, "Couldn't find 'checkpoint' file"),
    ],
)
def test_bad_input_is_one_line_and_a_status(checkpoint, tmp_path, args, status, message):
    (tmp_path / "empty.npz").mkdir()
    result = cli("export", *(arg.format(ckpt=checkpoint, dir=tmp_path) for arg in args))
    assert_one_line_error(result, status)
    assert message in result.stderr
    assert _leftovers(tmp_path) == ["empty.npz"]


@pytest.mark.parametrize(
    "suffix, missing, extra",
    [(".npz", "numpy", "tensors"), (".safetensors", "safetensors", "safetensors")],
)
def test_a_missing_package_exits_2_naming_the_extra(
    checkpoint, tmp_path, capsys, monkeypatch, suffix, missing, extra
):
    for module in [name for name in sys.modules if name.split(".")[0] == missing]:
        monkeypatch.setitem(sys.modules, module, None)  # import -> ImportError
    monkeypatch.setitem(sys.modules, missing, None)
    status, _, stderr = export(capsys, checkpoint, str(tmp_path / f"model{suffix}"))
    assert status == 2
    assert f"pip install 'tf-ckpt-compat[{extra}]'" in stderr
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_a_full_disk_exits_74_and_leaves_nothing(tmp_path, suffix):
    # A file size limit, as a full disk: writes past 64 KiB fail with EFBIG.
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))

    import resource

    prefix = str(tmp_path / "ckpt-1")
    _write(prefix, *encode_bundle({"big": np.zeros(100_000, np.float32)}))
    out = str(tmp_path / f"model{suffix}")
    argv = [*COMMAND, "export", prefix, out]
    result = subprocess.run(
        argv, capture_output=True, text=True, env=ENV, preexec_fn=limit, timeout=DEADLINE
    )
    assert_one_line_error(result, 74)
    assert f"cannot write {out}: " in result.stderr and "too large" in result.stderr
    assert _leftovers(tmp_path) == []
