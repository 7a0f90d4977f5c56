"""The checkpoint readers against TensorFlow's, on checkpoints TensorFlow writes here.

Every checkpoint is written at test time by the installed TensorFlow: a TF2
`tf.train.Checkpoint` with nested objects, odd names and every dtype it
saves; string tensors; a TF1 `Saver` with partitioned variables; a model with
optimizer slots; enough variables for the index to span many blocks. Each is
read through TensorFlow's own functions and through the package's (under
each backend), and everything observable is compared: listings, maps,
`debug_string`, each value's type, dtype, shape and bytes, and the errors of
corrupted copies, class and message.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

import tf_ckpt_compat

# --- the checkpoints, written by TensorFlow -----------------------------------------------


def _tf2_checkpoint(tf, directory: str) -> str:
    rng = np.random.default_rng(0)
    values = {
        "f32": rng.standard_normal((3, 4)).astype(np.float32),
        "f64": np.array([np.nan, -0.0, np.inf, -np.inf, 1.5]),
        "nan_payload": np.array([0x7FF8DEADBEEF0001], np.uint64).view(np.float64),
        "f16": np.array([1.5, -2.25, 65504], np.float16),
        "i8": np.array([-128, 127], np.int8),
        "u8": np.array([0, 255], np.uint8),
        "i16": np.array([-32768], np.int16),
        "u16": np.array([65535], np.uint16),
        "i32": np.int32(-7),
        "u32": np.array([4_000_000_000], np.uint32),
        "i64": np.int64(5),
        "u64": np.array([2**63 + 1], np.uint64),
        "bool": np.array([[True, False]]),
        "c64": np.array([1 + 2j, -0.0 - 1j], np.complex64),
        "c128": np.array([[1 - 2j]], np.complex128),
        "empty": np.zeros((0, 3), np.float32),
        "scalar_string": b"hello",
        "strings": np.array([[b"", "é€".encode()], [b"x" * 70_000, b"\x00\xff\x80"]], dtype=object),
        "empty_strings": np.zeros((2, 0), dtype=object),
    }
    variables = {name: tf.Variable(value) for name, value in values.items()}
    variables["bf16"] = tf.Variable(tf.constant([1.5, -3.0, 1e30], tf.bfloat16))
    nested = tf.train.Checkpoint(leaf=tf.Variable([1.0, 2.0]))
    odd = {"a.b/c d": tf.Variable(3), "ünïcode": tf.Variable([4.0])}
    checkpoint = tf.train.Checkpoint(nested=tf.train.Checkpoint(inner=nested), **variables, **odd)
    return checkpoint.save(os.path.join(directory, "ckpt"))


def _tf1_partitioned(tf, directory: str) -> str:
    graph = tf.Graph()
    with graph.as_default():
        v1 = tf.compat.v1
        v1.get_variable(
            "part",
            shape=[10, 3],
            partitioner=v1.fixed_size_partitioner(3),
            initializer=v1.random_normal_initializer(seed=1),
        )
        v1.get_variable(
            "part_cols",
            shape=[4, 7],
            partitioner=v1.fixed_size_partitioner(2, axis=1),
            initializer=v1.random_uniform_initializer(seed=2),
        )
        v1.get_variable("plain", shape=[2], initializer=v1.ones_initializer())
        saver = v1.train.Saver()
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            return saver.save(session, os.path.join(directory, "model.ckpt"), global_step=3)


def _optimizer_slots(tf, directory: str) -> str:
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    optimizer = tf.keras.optimizers.Adam()
    model.compile(optimizer, "mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0, epochs=1)
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
    return checkpoint.save(os.path.join(directory, "ckpt"))


def _many_variables(tf, directory: str) -> str:
    variables = {f"v{i:05d}": tf.Variable(float(i)) for i in range(3000)}
    return tf.train.Checkpoint(**variables).save(os.path.join(directory, "ckpt"))


WRITERS = {
    "tf2": _tf2_checkpoint,
    "tf1_partitioned": _tf1_partitioned,
    "optimizer_slots": _optimizer_slots,
    "many_variables": _many_variables,
}


@pytest.fixture(scope="module")
def checkpoints(tf, tmp_path_factory):
    """Each kind of checkpoint, written once by TensorFlow: {kind: prefix}."""
    root = tmp_path_factory.mktemp("checkpoints")
    return {kind: write(tf, str(root / kind)) for kind, write in WRITERS.items()}


# --- comparing --------------------------------------------------------------------------------


def _value(value: object) -> tuple:
    """A value as comparable facts: its type, and for arrays dtype, shape and exact bytes."""
    if isinstance(value, np.ndarray):
        content = value.tolist() if value.dtype == object else value.tobytes()
        return (type(value), str(value.dtype), value.shape, value.flags.writeable, content)
    if isinstance(value, np.generic):
        return (type(value), str(value.dtype), value.tobytes())
    return (type(value), value)


def _outcome(call) -> tuple:
    try:
        return ("value", _value(call()))
    except Exception as e:  # compared with TensorFlow's, class name and message
        return ("raise", type(e).__name__, str(e))


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_listings_and_values_are_tensorflows(tf, backend, checkpoints, kind):
    prefix = checkpoints[kind]
    theirs, ours = tf.train.load_checkpoint(prefix), tf_ckpt_compat.load_checkpoint(prefix)
    assert tf_ckpt_compat.list_variables(prefix) == tf.train.list_variables(prefix)
    assert ours.get_variable_to_shape_map() == theirs.get_variable_to_shape_map()
    their_dtypes = theirs.get_variable_to_dtype_map()
    our_dtypes = ours.get_variable_to_dtype_map()
    assert {k: (v.name, repr(v), str(v)) for k, v in our_dtypes.items()} == {
        k: (v.name, repr(v), str(v)) for k, v in their_dtypes.items()
    }
    assert all(our_dtypes[k] == v for k, v in their_dtypes.items())
    assert ours.debug_string() == theirs.debug_string()
    for name in theirs.get_variable_to_shape_map():
        assert ours.has_tensor(name)
        assert _outcome(lambda n=name: ours.get_tensor(n)) == _outcome(
            lambda n=name: theirs.get_tensor(n)
        ), name
    name = sorted(theirs.get_variable_to_shape_map())[-1]
    assert _value(tf_ckpt_compat.load_variable(prefix, name + ":0")) == _value(
        tf.train.load_variable(prefix, name + ":0")
    )


def test_a_directory_is_read_through_its_state_file(tf, backend, checkpoints):
    directory = os.path.dirname(checkpoints["tf2"])
    assert tf_ckpt_compat.list_variables(directory) == tf.train.list_variables(directory)


def test_v1_reader_name(tf, backend, checkpoints):
    prefix = checkpoints["tf1_partitioned"]
    ours = tf_ckpt_compat.compat.v1.train.NewCheckpointReader(prefix)
    theirs = tf.compat.v1.train.NewCheckpointReader(prefix)
    assert ours.get_variable_to_shape_map() == theirs.get_variable_to_shape_map()
    assert ours.has_tensor("part") == theirs.has_tensor("part")


# --- errors, on missing things and corrupted copies -------------------------------------------


def _corrupt(prefix: str, target: str, how: str) -> str:
    """A copy of the checkpoint `prefix` with one thing broken; returns the copy's prefix."""
    directory = prefix + f"-{how}"
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    copy = os.path.join(directory, os.path.basename(prefix))
    for name in os.listdir(os.path.dirname(prefix)):
        if name.startswith(os.path.basename(prefix) + "."):
            shutil.copy(os.path.join(os.path.dirname(prefix), name), directory)
    index, data = copy + ".index", copy + ".data-00000-of-00001"
    if how == "bad_magic":
        _patch(index, os.path.getsize(index) - 1, b"\x00")
    elif how == "truncated_index":
        os.truncate(index, 30)
    elif how == "empty_index":
        os.truncate(index, 0)
    elif how == "block_checksum":
        _patch(index, 10, b"\xaa")
    elif how == "no_data":
        os.remove(data)
    elif how == "short_data":
        os.truncate(data, 20)
    elif how in ("data_checksum", "string_checksum", "string_length_checksum"):
        offset, size = _entry_bytes(prefix, target)
        at = offset + (0 if how == "string_length_checksum" else size - 1)
        with open(data, "rb") as f:
            f.seek(at)
            flipped = f.read(1)[0] ^ 0x01
        _patch(data, at, bytes([flipped]))
    return copy


def _patch(path: str, offset: int, data: bytes) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def _entry_bytes(prefix: str, name: str) -> tuple[int, int]:
    """Where TensorFlow put `name`'s bytes, found through a clean read of the index."""
    from tf_ckpt_compat._bundle.reader import CheckpointReader

    entry = CheckpointReader(prefix)._lookup(name.encode())
    assert entry is not None
    return entry.offset, entry.size


CORRUPTIONS = [
    ("bad_magic", "f32/.ATTRIBUTES/VARIABLE_VALUE"),
    ("truncated_index", "f32/.ATTRIBUTES/VARIABLE_VALUE"),
    ("empty_index", "f32/.ATTRIBUTES/VARIABLE_VALUE"),
    ("block_checksum", "f32/.ATTRIBUTES/VARIABLE_VALUE"),
    ("no_data", "f32/.ATTRIBUTES/VARIABLE_VALUE"),
    ("short_data", "f32/.ATTRIBUTES/VARIABLE_VALUE"),
    ("data_checksum", "f32/.ATTRIBUTES/VARIABLE_VALUE"),
    ("string_checksum", "strings/.ATTRIBUTES/VARIABLE_VALUE"),
    ("string_length_checksum", "strings/.ATTRIBUTES/VARIABLE_VALUE"),
]


@pytest.mark.parametrize("how, target", CORRUPTIONS, ids=[how for how, _ in CORRUPTIONS])
def test_corrupted_copies_fail_as_tensorflow_does(tf, backend, checkpoints, how, target):
    copy = _corrupt(checkpoints["tf2"], target, how)
    for read in (
        lambda m: m.load_variable(copy, target),
        lambda m: m.list_variables(copy),
        lambda m: m.load_variable(copy, "i64/.ATTRIBUTES/VARIABLE_VALUE"),  # only its own fails
    ):
        assert _outcome(lambda r=read: r(tf_ckpt_compat)) == _outcome(lambda r=read: r(tf.train))


@pytest.mark.parametrize(
    "where, function, args",
    [
        ("empty_directory", "load_checkpoint", ()),  # no state file, no checkpoint
        ("missing_prefix", "load_checkpoint", ()),
        ("tf2", "load_variable", ("missing",)),  # no such key
        ("tf2", "load_variable", ("missing:0",)),
    ],
)
def test_missing_things_fail_as_tensorflow_does(
    tf, backend, checkpoints, tmp_path, where, function, args
):
    paths = {
        "empty_directory": str(tmp_path),
        "missing_prefix": str(tmp_path / "ckpt-1"),
        "tf2": checkpoints["tf2"],
    }
    ours, theirs = getattr(tf_ckpt_compat, function), getattr(tf.train, function)
    assert _outcome(lambda: ours(paths[where], *args)) == _outcome(
        lambda: theirs(paths[where], *args)
    )


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
        assert _outcome(lambda n=name: ours.get_tensor(n)) == _outcome(
            lambda n=name: theirs.get_tensor(n)
        ), name


def test_testing_checkpoints_are_real_ones_tensorflow_opens(tf, tmp_path):
    from tf_ckpt_compat.testing import CheckpointDirectory

    run = CheckpointDirectory(tmp_path / "run")
    run.publish(100)
    run.publish("final")
    assert tf.train.load_variable(run.prefix(100), "global_step") == 100
    assert tf.train.load_variable(str(run.directory), "global_step") == b"final"
    assert tf.train.list_variables(run.prefix(100)) == [("global_step", [])]
