"""Checkpoints for the reader cases: written by the installed TensorFlow, then damaged.

Each kind is written once per process by TensorFlow's own savers (the
conformance check needs TensorFlow anyway), into a cache, and copied for every
case that reads it; a case may then damage its copy in one of the ways
`CORRUPTIONS` names, each of which TensorFlow answers with its own error.
"""

from __future__ import annotations

import os
import shutil
import tempfile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

DATA = ".data-00000-of-00001"


def _tf2_dtypes(tf: Any, directory: str) -> str:
    import numpy as np

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
    prefix: str = checkpoint.save(os.path.join(directory, "ckpt"))
    return prefix


def _tf1_partitioned(tf: Any, directory: str) -> str:
    v1 = tf.compat.v1
    with tf.Graph().as_default():
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
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            prefix: str = v1.train.Saver().save(
                session, os.path.join(directory, "model.ckpt"), global_step=3
            )
    return prefix


def _optimizer_slots(tf: Any, directory: str) -> str:
    import numpy as np

    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    optimizer = tf.keras.optimizers.Adam()
    model.compile(optimizer, "mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0, epochs=1)
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
    prefix: str = checkpoint.save(os.path.join(directory, "ckpt"))
    return prefix


def _many_variables(tf: Any, directory: str) -> str:
    variables = {f"v{i:05d}": tf.Variable(float(i)) for i in range(3000)}
    prefix: str = tf.train.Checkpoint(**variables).save(os.path.join(directory, "ckpt"))
    return prefix


def _sharded(tf: Any, directory: str) -> str:
    import numpy as np

    variables = {f"v{i}": tf.Variable(np.full((100,), i, np.float32)) for i in range(6)}
    # Shards of at most 1,000 bytes: three data files, as a large model's save makes.
    policy = tf.train.experimental.MaxShardSizePolicy(max_shard_size=1000)
    options = tf.train.CheckpointOptions(experimental_sharding_callback=policy)
    prefix: str = tf.train.Checkpoint(**variables).save(
        os.path.join(directory, "ckpt"), options=options
    )
    return prefix


def _iterator(tf: Any, directory: str) -> str:
    # A tf.data iterator's state is a variant tensor: TensorFlow reads it,
    # checks it, and cannot give it to numpy.
    iterator = iter(tf.data.Dataset.range(10))
    next(iterator)
    checkpoint = tf.train.Checkpoint(iterator=iterator, step=tf.Variable(1))
    prefix: str = checkpoint.save(os.path.join(directory, "ckpt"))
    return prefix


WRITERS: dict[str, Callable[[Any, str], str]] = {
    "tf2_dtypes": _tf2_dtypes,
    "iterator": _iterator,
    "tf1_partitioned": _tf1_partitioned,
    "optimizer_slots": _optimizer_slots,
    "many_variables": _many_variables,
    "sharded": _sharded,
}

_written: dict[str, str] = {}
_cache: list[tempfile.TemporaryDirectory[str]] = []


def copy_of(kind: str, directory: str) -> str:
    """A copy of checkpoint `kind` (its files and state file) in `directory`; its prefix."""
    if kind not in _written:
        import tensorflow as tf

        if not _cache:
            _cache.append(tempfile.TemporaryDirectory(prefix="tf-ckpt-compat-checkpoints-"))
        _written[kind] = WRITERS[kind](tf, os.path.join(_cache[0].name, kind))
    source = _written[kind]
    shutil.copytree(os.path.dirname(source), directory)
    return os.path.join(directory, os.path.basename(source))


def damage(prefix: str, how: str, targets: tuple[str, ...]) -> None:
    """Damages checkpoint `prefix` as `how` says; a checksum's is that of `targets[0]`.

    `how` is one of `CORRUPTIONS`.
    """
    index, data = prefix + ".index", prefix + DATA
    if how in _HEADERS:
        _replace_header(index, _HEADERS[how])
    elif how == "bad_magic":
        _flip(index, os.path.getsize(index) - 1)
    elif how == "truncated_index":
        os.truncate(index, 30)
    elif how == "empty_index":
        os.truncate(index, 0)
    elif how == "block_checksum":
        _flip(index, 10)
    elif how == "no_data":
        os.remove(data)

    elif how == "short_data":
        os.truncate(data, 20)
    elif how in ("data_checksum", "string_length_checksum", "variant_checksum"):
        from .._bundle.reader import BundleReader, CheckpointReader  # where TF put `target`

        reader = CheckpointReader(prefix)._reader
        assert isinstance(reader, BundleReader), prefix
        entry = reader._lookup(targets[0].encode())
        assert entry is not None, targets
        # A variant tensor ends with the masked CRC of its last element.
        _flip(data, entry.offset + (0 if how == "string_length_checksum" else entry.size - 1))
    else:
        raise ValueError(f"no such damage: {how}")


# BundleHeaderProto (num_shards = 1, endianness = 2, version = 3) bodies, each
# of which TensorFlow's CheckVersions or byte order answers in its own way.
# VersionDef: producer = 1, min_consumer = 2, bad_consumers = 3 (TensorFlow
# 2.16 to 2.21 read format version 1, from producer 0 on).
_HEADERS = {
    "newer_format": b"\x08\x01\x1a\x04\x08\x01\x10\x02",  # min_consumer 2
    "bad_consumer": b"\x08\x01\x1a\x04\x08\x01\x18\x01",  # bad_consumers [1]
    "older_producer": b"\x08\x01\x1a\x0b\x08" + b"\xff" * 9 + b"\x01",  # producer -1
    "big_endian": b"\x08\x01\x10\x01\x1a\x02\x08\x01",  # as a big-endian machine writes
}


def _replace_header(index: str, header: bytes) -> None:
    """Rewrites the index with another header entry, every block's CRC right."""
    from .._bundle.table import Table
    from .._bundle.writer import encode_table

    with open(index, "rb") as f:
        table = f.read()
    items = list(Table(lambda offset, length: table[offset : offset + length], len(table)).items())
    assert items[0][0] == b"", "the header is the first entry"
    with open(index, "wb") as f:
        f.write(encode_table([(b"", header), *items[1:]]))


CORRUPTIONS = (
    "newer_format",
    "bad_consumer",
    "older_producer",
    "bad_magic",
    "truncated_index",
    "empty_index",
    "block_checksum",
    "no_data",
    "short_data",
    "data_checksum",
    "string_length_checksum",
)
# Damage to the `iterator` checkpoint's variant tensor, or to its byte order.
VARIANT_CORRUPTIONS = ("variant_checksum", "big_endian")


def _flip(path: str, offset: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)[0]
        f.seek(offset)
        f.write(bytes([byte ^ 0x01]))
