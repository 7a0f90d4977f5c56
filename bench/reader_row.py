"""Row 7: reading a checkpoint's tensors, the pure reader against TensorFlow's.

* cold start: a new process that imports the package (TensorFlow) and lists
  a checkpoint's variables: what a conversion script or an evaluator pays
  before its first tensor;
* throughput: every tensor of one checkpoint read in a warm process, both
  readers on the same files, with whichever CRC-32C is installed (the `crc`
  extra gives the C one; the note says which ran);
* peak memory: a new process that opens the checkpoint and reads every tensor.

The checkpoint is written by the package's bundle writer, byte-identical to
TensorFlow's `SaveV2` (`compat_tests/test_reader_compat.py`): 1 GiB in 64
float32 tensors in a full run, 32 MiB in a quick one.
"""

from __future__ import annotations

from pathlib import Path

from harness import compare, fmt_kb, fmt_time
from rows import BACKEND_VAR, Config, Launcher, Line, Report, child_env

LIST_PURE = "import sys, tf_ckpt_compat as t; print(len(t.list_variables(sys.argv[1])))"
LIST_TF = "import sys, tensorflow as tf; print(len(tf.train.list_variables(sys.argv[1])))"
READ_ALL = (
    "import sys\n"
    "r = {module}.load_checkpoint(sys.argv[1])\n"
    "print(sum(r.get_tensor(n).nbytes for n in r.get_variable_to_shape_map()))"
)
READ_PURE = "import tf_ckpt_compat\n" + READ_ALL.format(module="tf_ckpt_compat")
READ_TF = "import tensorflow as tf\n" + READ_ALL.format(module="tf.train")
TENSORS = 64


def _write_checkpoint(directory: Path, total_bytes: int) -> str:
    import numpy as np

    from tf_ckpt_compat._bundle.writer import write_bundle
    from tf_ckpt_compat._storage import LOCAL

    directory.mkdir(parents=True, exist_ok=True)
    prefix = str(directory / "ckpt-1")
    count = total_bytes // TENSORS // 4
    rng = np.random.default_rng(0)
    tensors = {
        f"layer{i:02d}/kernel": rng.standard_normal(count, np.float32) for i in range(TENSORS)
    }
    write_bundle(prefix, tensors, LOCAL)
    return prefix


def run(config: Config) -> Report:
    import tensorflow as tf

    import tf_ckpt_compat
    from tf_ckpt_compat._bundle import crc32c

    total = (32 if config.quick else 1024) * 2**20
    prefix = _write_checkpoint(config.tmp / "reader", total)
    size = f"{total // 2**20:,} MiB"
    launcher = Launcher(config.tmp)
    try:
        pure_env = child_env(**{BACKEND_VAR: "pure"})
        tf_env = child_env(TF_CPP_MIN_LOG_LEVEL="3")
        listed = compare(
            launcher.sample(LIST_PURE, [prefix], pure_env, str(TENSORS)),
            launcher.sample(LIST_TF, [prefix], tf_env, str(TENSORS)),
            config.cold_pairs,
        )
        expected = str(total)
        read_all = compare(
            launcher.sample(READ_PURE, [prefix], pure_env, expected),
            launcher.sample(READ_TF, [prefix], tf_env, expected),
            max(2, config.cold_pairs // 3),
        )
    finally:
        launcher.close()
    ours, theirs = tf_ckpt_compat.load_checkpoint(prefix), tf.train.load_checkpoint(prefix)
    names = sorted(ours.get_variable_to_shape_map())

    def read(reader: object) -> dict[str, float]:
        import time

        start = time.perf_counter()
        for name in names:
            reader.get_tensor(name)  # type: ignore[attr-defined]
        return {"time": time.perf_counter() - start}

    warm = compare(lambda: read(ours), lambda: read(theirs), config.state_pairs)
    crc = "the C CRC-32C (`crc32c`)" if crc32c.fast() else "the pure-Python CRC-32C"
    return Report(
        [
            Line.of(
                "7",
                "list_variables, cold",
                f"{TENSORS} tensors",
                listed["wall"],
                fmt_time,
                0.02,
                "50× faster",
            ),  # fmt: skip
            Line.of(
                "7",
                "read every tensor, warm",
                size,
                warm["time"],
                fmt_time,
                1.0,
                "at least TF's speed",
            ),  # fmt: skip
            Line.of(
                "7",
                "read every tensor: peak RSS",
                size,
                read_all["rss"],
                fmt_kb,
                1.0,
                "no more than TF's",
            ),  # fmt: skip
        ],
        [f"Row 7: the pure reader checked every tensor's bytes with {crc}."],
    )
