"""Writes the V1 checkpoints of tests/test_v1_reader.py with TensorFlow 1's saver.

Run once, under TensorFlow (2.21 wrote the files here), from any directory:

    python tests/data/v1/make.py

It writes `model.ckpt` (one file) and `sharded/model.ckpt-0000{0,1}-of-00002`
(a sharded save, with its state file), then prints what TensorFlow's own
reader reads from them: the tests hold those readings as literals.
"""

import os

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
v1 = tf.compat.v1

VALUES = {
    "f32": np.array([[1.5, -0.0, 0.0], [np.inf, -np.inf, 1e-45]], np.float32),
    "f64": np.array([0.0, -0.0, 1e308]),
    "i32": np.int32(-7),
    "u8": np.array([0, 255], np.uint8),
    "i16": np.array([-32768, 32767], np.int16),
    "i8": np.array([-128, 127], np.int8),
    "i64": np.array([-(2**63), 2**63 - 1], np.int64),
    "bool": np.array([[True, False]]),
    "s": b"hello",
    "strings": np.array([b"", "é€".encode(), b"x" * 300], dtype=object),
    "empty": np.zeros((0, 3), np.float32),
    "c64": np.array([1 + 2j], np.complex64),
}
# NaNs with payloads, which must come back bit for bit.
VALUES["f32"].view(np.uint32)[0, 2] = 0x7FC0BEEF
VALUES["f64"].view(np.uint64)[0] = 0x7FF8DEADBEEF0001
# Enough names, longer than a hash word, to rehash TensorFlow's map twice.
LAYERS = {f"layer_{i:02d}/kernel/with/a/long/name": np.float32(i) for i in range(30)}


def save(directory: str, sharded: bool) -> str:
    os.makedirs(directory, exist_ok=True)
    with tf.Graph().as_default() as graph:
        values = {"a": np.array([1.0, 2.0, 3.0], np.float32), "b": np.array([5])}
        if not sharded:
            values = {**VALUES, **LAYERS}
        for i, (name, value) in enumerate(values.items()):
            with tf.device(f"/cpu:{i % 2 if sharded else 0}"):
                v1.Variable(value, name=name)

        def device(op):  # a sharded save's partitioned variable: one slice in each file
            return f"/cpu:{int(sharded and op.name.startswith('part/part_1'))}"

        with graph.device(device):
            v1.get_variable(
                "part",
                shape=[4, 2],
                partitioner=v1.fixed_size_partitioner(2),
                initializer=v1.ones_initializer(),
            )
        config = v1.ConfigProto(device_count={"CPU": 2})
        with v1.Session(config=config) as session:
            session.run(v1.global_variables_initializer())
            saver = v1.train.Saver(
                write_version=v1.train.SaverDef.V1, sharded=sharded, save_relative_paths=True
            )
            prefix = saver.save(session, os.path.join(directory, "model.ckpt"))
    os.remove(prefix.replace("-?????-of-00002", "") + ".meta")
    return prefix


def show(prefix: str) -> None:
    reader = tf.train.load_checkpoint(prefix)
    print(prefix)
    print(reader.debug_string())
    for name in sorted(reader.get_variable_to_shape_map()):
        try:
            value = reader.get_tensor(name)
            numeric = not isinstance(value, bytes) and value.dtype.kind != "O"
            print(name, type(value).__name__, repr(value), numeric and value.tobytes().hex())
        except Exception as e:
            print(name, type(e).__name__, e)


if __name__ == "__main__":
    show(save(HERE, sharded=False))
    show(save(os.path.join(HERE, "sharded"), sharded=True))
