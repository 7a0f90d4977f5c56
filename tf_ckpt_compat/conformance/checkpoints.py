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


def _v1_values() -> dict[str, Any]:
    """Every dtype a V1 checkpoint stores, in the shapes and values that try it."""
    import numpy as np

    rng = np.random.default_rng(1)
    values: dict[str, Any] = {
        "f32": np.array([[1.5, -0.0, np.nan], [np.inf, -np.inf, 3e-45]], np.float32),
        "f32_payload": np.array([0x7FC0BEEF, 0xFF800001], np.uint32).view(np.float32),
        "f64": np.array([np.nan, -0.0, 1e308, 5e-324]),
        "f64_payload": np.array([0x7FF8DEADBEEF0001], np.uint64).view(np.float64),
        "i32": np.int32(-7),
        "i32s": np.array([-(2**31), 2**31 - 1, 0], np.int32),
        "u8": np.array([0, 255, 128], np.uint8),
        "i16": np.array([[-32768, 32767]], np.int16),
        "i8": np.array([-128, 127], np.int8),
        "i64": np.array([-(2**63), 2**63 - 1], np.int64),
        "i64_scalar": np.int64(5),
        "bool": np.array([[True, False, True]]),
        "string": b"hello",
        "empty_string": b"",
        "strings": np.array([[b"", "é€".encode()], [b"x" * 70_000, b"\x00\xff\x80"]], dtype=object),
        "empty": np.zeros((0, 3), np.float32),
        "empty_strings": np.zeros((2, 0), dtype=object),
        "big": rng.standard_normal((64, 33)).astype(np.float32),
        # Listed, but not a dtype TensorFlow's V1 reader copies.
        "c64": np.array([1 + 2j, -0.0 - 1j], np.complex64),
        "c128": np.array([[1 - 2j]], np.complex128),
        "f16": np.array([1.5, -2.25, 65504], np.float16),
        "u16": np.array([65535], np.uint16),
    }
    # Names longer than a hash word, and enough of them to rehash TensorFlow's map.
    values.update({f"layer_{i:03d}/kernel/with/a/long/name": np.float32(i) for i in range(40)})
    return values


def _v1_save(tf: Any, directory: str, sharded: bool) -> str:
    """A V1 checkpoint, as TensorFlow 1's Saver writes one: one file, or two (`sharded`)."""
    v1 = tf.compat.v1
    os.makedirs(directory)  # the V1 saver, unlike the V2 one, makes no directory
    with tf.Graph().as_default() as graph:
        for i, (name, value) in enumerate(_v1_values().items()):
            # Every other variable on a second device: a sharded save's second file.
            with tf.device(f"/cpu:{i % 2 if sharded else 0}"):
                v1.Variable(value, name=name)

        def device(op: Any) -> str:  # the partitioned variable's middle slice apart
            return "/cpu:1" if sharded and op.name.startswith("part/part_1") else "/cpu:0"

        with graph.device(device):
            v1.get_variable(
                "part",
                shape=[10, 3],
                partitioner=v1.fixed_size_partitioner(3),
                initializer=v1.random_normal_initializer(seed=1),
            )
        config = v1.ConfigProto(device_count={"CPU": 2})
        with v1.Session(config=config) as session:
            session.run(v1.global_variables_initializer())
            saver = v1.train.Saver(write_version=v1.train.SaverDef.V1, sharded=sharded)
            prefix: str = saver.save(session, os.path.join(directory, "model.ckpt"), global_step=5)
    return prefix


def _tf1_v1(tf: Any, directory: str) -> str:
    return _v1_save(tf, directory, sharded=False)


def _tf1_v1_sharded(tf: Any, directory: str) -> str:
    return _v1_save(tf, directory, sharded=True)


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
    "tf1_v1": _tf1_v1,
    "tf1_v1_sharded": _tf1_v1_sharded,
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
    if how in V1_CORRUPTIONS:
        _damage_v1(prefix, how)
        return
    index, data = prefix + ".index", prefix + DATA
    if how in _HEADERS:
        _replace_header(index, _HEADERS[how])
    elif how in ("bad_magic", "truncated_index", "empty_index", "block_checksum"):
        _damage_table(index, how.replace("_index", ""))
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
    items = _table_items(index)
    assert items[0][0] == b"", "the header is the first entry"
    _write_table(index, [(b"", header), *items[1:]])


def _table_items(path: str) -> list[tuple[bytes, bytes]]:
    from .._bundle.table import Table

    with open(path, "rb") as f:
        table = f.read()
    return list(Table(lambda offset, length: table[offset : offset + length], len(table)).items())


def _write_table(path: str, items: list[tuple[bytes, bytes]]) -> None:
    from .._bundle.writer import encode_table

    with open(path, "wb") as f:
        f.write(encode_table(items))


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


# Damage to a V1 checkpoint: to its (first) file, or a sharded save's second file removed.
V1_CORRUPTIONS = (
    "v1_bad_magic",
    "v1_truncated",
    "v1_empty",
    "v1_block_checksum",
    "v1_no_meta",
    "v1_newer_format",
    "v1_missing_shard",
)


def _damage_table(path: str, how: str) -> None:
    """Damages a table (a bundle's index, a V1 file): `bad_magic`, `truncated`, `empty`,
    or `block_checksum` (of the first block: a bundle's header, a V1 file's meta entry)."""
    if how == "bad_magic":
        _flip(path, os.path.getsize(path) - 1)
    elif how in ("truncated", "empty"):
        os.truncate(path, 30 if how == "truncated" else 0)
    else:
        _flip(path, 10)


def _damage_v1(prefix: str, how: str) -> None:
    path = prefix.replace("?????", "00000")  # a sharded save's first file
    if how in ("v1_bad_magic", "v1_truncated", "v1_empty", "v1_block_checksum"):
        _damage_table(path, how[len("v1_") :])
    elif how == "v1_missing_shard":
        os.remove(prefix.replace("?????", "00001"))
    else:
        items = _table_items(path)
        assert items[0][0] == b"", "the meta entry is the first"
        if how == "v1_no_meta":
            items = items[1:]
        else:  # v1_newer_format: a second `meta` (1), merged: versions (2) min_consumer 2
            items[0] = (b"", items[0][1] + b"\x0a\x04\x12\x02\x10\x02")
        _write_table(path, items)


def _flip(path: str, offset: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)[0]
        f.seek(offset)
        f.write(bytes([byte ^ 0x01]))
