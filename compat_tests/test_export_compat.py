"""`tf-ckpt-compat export` of TensorFlow-written checkpoints, against TensorFlow's own values.

Each checkpoint is written at test time by the installed TensorFlow
(`conformance.checkpoints`: every dtype, strings, a TF1 partitioned variable,
V1 checkpoints);
the export runs under each backend, and what numpy and safetensors read back
is compared bit for bit with `tf.train.load_variable`.
"""

from __future__ import annotations

import numpy as np
import pytest
import safetensors

from tf_ckpt_compat import _cli
from tf_ckpt_compat.conformance import checkpoints

GRAPH = "_CHECKPOINTABLE_OBJECT_GRAPH"


def _export(prefix: str, out: str, *options: str) -> None:
    assert _cli.main(["export", prefix, out, *options]) == 0


def _raw(value: np.ndarray) -> np.ndarray:
    """ml_dtypes' types (bfloat16, float8) as the raw bytes `.npz` holds them."""
    if value.dtype.type.__module__ == "ml_dtypes":
        return value.view(f"V{value.dtype.itemsize}")
    return value


@pytest.mark.parametrize("kind", ["tf2_dtypes", "tf1_partitioned"])
def test_npz_holds_what_tensorflow_reads(tf, backend, tmp_path, kind):
    prefix = checkpoints.copy_of(kind, str(tmp_path / "run"))
    out = str(tmp_path / "model.npz")
    _export(prefix, out)
    names = [name for name, _ in tf.train.list_variables(prefix)]
    with np.load(out, allow_pickle=True) as npz:
        assert sorted(npz.files) == names
        for name in names:
            theirs = tf.train.load_variable(prefix, name)
            ours = npz[name]
            if isinstance(theirs, bytes) or theirs.dtype == object:
                assert ours.tolist() == np.asarray(theirs, dtype=object).tolist(), name
                continue
            theirs = _raw(np.asarray(theirs))
            assert (ours.dtype, ours.shape) == (theirs.dtype, theirs.shape), name
            assert ours.tobytes() == theirs.tobytes(), name


@pytest.mark.parametrize("kind", ["tf1_v1", "tf1_v1_sharded"])
def test_npz_of_a_v1_checkpoint_holds_what_tensorflow_reads(tf, backend, tmp_path, kind):
    # Left out: what TensorFlow's V1 reader refuses (partitioned, complex, float16...).
    prefix = checkpoints.copy_of(kind, str(tmp_path / "run"))
    out = str(tmp_path / "model.npz")
    _export(prefix, out, "--skip-unsupported")
    theirs = {}
    for name, _ in tf.train.list_variables(prefix):
        try:
            theirs[name] = tf.train.load_variable(prefix, name)
        except tf.errors.UnimplementedError:
            continue
    with np.load(out, allow_pickle=True) as npz:
        assert sorted(npz.files) == sorted(theirs)
        for name, value in theirs.items():
            if isinstance(value, bytes) or value.dtype == object:
                assert npz[name].tolist() == np.asarray(value, dtype=object).tolist(), name
            else:
                assert (npz[name].dtype, npz[name].shape) == (value.dtype, value.shape), name
                assert npz[name].tobytes() == value.tobytes(), name


@pytest.mark.parametrize("kind", ["tf2_dtypes", "tf1_partitioned"])
def test_safetensors_holds_what_tensorflow_reads(tf, backend, tmp_path, kind):
    prefix = checkpoints.copy_of(kind, str(tmp_path / "run"))
    out = str(tmp_path / "model.safetensors")
    _export(prefix, out, "--skip-unsupported")
    dtypes = tf.train.load_checkpoint(prefix).get_variable_to_dtype_map()
    with open(out, "rb") as f:
        raw = dict(safetensors.deserialize(f.read()))
    # What is left out: the object graph, strings and complex128, which
    # safetensors has no type for; nothing else.
    unsupported = {name for name, dtype in dtypes.items() if dtype.name in ("string", "complex128")}
    assert sorted(raw) == sorted(set(dtypes) - unsupported - {GRAPH})
    for name, info in raw.items():
        theirs = np.asarray(tf.train.load_variable(prefix, name))
        assert tuple(info["shape"]) == theirs.shape, name
        assert bytes(info["data"]) == theirs.tobytes(), name
        assert info["dtype"] == _CODES[theirs.dtype.name], name


# The safetensors format's dtype codes, by numpy's name for the type.
_CODES = {
    "float64": "F64",
    "float32": "F32",
    "float16": "F16",
    "bfloat16": "BF16",
    "int8": "I8",
    "uint8": "U8",
    "int16": "I16",
    "uint16": "U16",
    "int32": "I32",
    "uint32": "U32",
    "int64": "I64",
    "uint64": "U64",
    "bool": "BOOL",
    "complex64": "C64",
}
