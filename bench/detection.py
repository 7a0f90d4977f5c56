"""Rows 5 and 8: detection latency, from a writer's rename of the state file to the yield.

Four processes share one directory: a writer publishing checkpoints at seeded
random moments, and three consumers watching it at the same time: TensorFlow's
`tf.train.checkpoints_iterator`, the package's (pure backend), and the
package's `watch()` (row 8). Running every consumer on the same events is the
fairest comparison: none can be luckier in the writer's timing.

The parent runs `run()`; the children are this file run as a script:
  python detection.py consumer {tensorflow|pure|watch} DIR LAST_PREFIX
  python detection.py writer DIR COUNT SEED
Each child prints `<prefix>\\t<time.time()>` lines: the consumers one per
yield, the writer one per publication, just after the rename.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rows import Config, Report

SIDES = ("pure", "tensorflow", "watch")
GAP = (0.2, 1.8)  # seconds between publications, uniform
BOUND = 1.1  # the one-second poll, plus a poll's cost and scheduling slack
SAFETY_TIMEOUT = 10.0  # the consumers' iterator timeout, should the last checkpoint be missed


def consumer(side: str, directory: str, last: str) -> None:
    if side == "tensorflow":
        import tensorflow as tf

        iterator = tf.train.checkpoints_iterator(directory, timeout=SAFETY_TIMEOUT)
    elif side == "watch":
        import tf_ckpt_compat

        # Pinned, as by default: the time to pin is part of the latency.
        watch = tf_ckpt_compat.watch(directory, timeout=SAFETY_TIMEOUT)
        iterator = (checkpoint.listed_path for checkpoint in watch)
    else:
        import tf_ckpt_compat

        iterator = tf_ckpt_compat.checkpoints_iterator(directory, timeout=SAFETY_TIMEOUT)
    print("ready", flush=True)
    for path in iterator:
        print(f"{path}\t{time.time()!r}", flush=True)
        if path == last:
            return


def writer(directory: str, count: int, seed: int) -> None:
    """Publishes `count` checkpoints as TensorFlow does: files first, then the state file.

    The state file is written to a temporary file and renamed over the old one;
    the time printed is taken just before the rename, so no consumer can see a
    checkpoint before its recorded time (the rename's own duration counts as latency).
    """
    from tf_ckpt_compat.testing import CheckpointDirectory

    rng = random.Random(seed)
    run = CheckpointDirectory(directory)
    run.mkdir()
    prefixes: list[str] = []
    stamps: list[float] = []
    for step in range(1, count + 1):
        time.sleep(rng.uniform(*GAP))
        prefixes.append(run.write_files(step))
        stamps.append(time.time())
        temp = f"{run.state_file}.tmp{step}"
        with open(temp, "w") as f:
            f.write(state_text(prefixes, stamps))
        renamed = time.time()
        os.replace(temp, run.state_file)
        print(f"{prefixes[-1]}\t{renamed!r}", flush=True)


def state_text(prefixes: list[str], stamps: list[float]) -> str:
    """The state file TensorFlow writes for these (plain, absolute) paths."""
    lines = [f'model_checkpoint_path: "{prefixes[-1]}"']
    lines += [f'all_model_checkpoint_paths: "{prefix}"' for prefix in prefixes]
    lines += [f"all_model_checkpoint_timestamps: {stamp!r}" for stamp in stamps]
    lines.append(f"last_preserved_timestamp: {stamps[0]!r}")
    return "\n".join(lines) + "\n"


def _events(output: str) -> dict[str, float]:
    return {path: float(t) for path, t in (line.split("\t") for line in output.splitlines())}


def run(config: Config) -> Report:
    """Runs the three processes; returns the row's line and note."""
    from harness import fmt_time, percentile
    from rows import Line, Report, child_env

    from tf_ckpt_compat.testing import CheckpointDirectory

    directory = config.tmp / "detect"
    count = config.detect_checkpoints
    last = CheckpointDirectory(directory).prefix(count)
    env = {
        "pure": child_env(TF_CKPT_COMPAT_BACKEND="pure"),
        "tensorflow": child_env(TF_CPP_MIN_LOG_LEVEL="3"),
        "watch": child_env(TF_CKPT_COMPAT_BACKEND="pure"),
    }
    me = [sys.executable, __file__]
    logs = {side: config.tmp / f"consumer-{side}.stderr" for side in SIDES}
    consumers: dict[str, subprocess.Popen] = {}
    try:
        for side in SIDES:
            with logs[side].open("w") as log:
                consumers[side] = subprocess.Popen(
                    [*me, "consumer", side, str(directory), last],
                    env=env[side],
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                )
        for side, proc in consumers.items():
            if not (proc.stdout and proc.stdout.readline() == "ready\n"):
                tail = logs[side].read_text()[-2000:]
                raise RuntimeError(f"the {side} consumer failed to start:\n{tail}")
        published = _events(
            subprocess.run(
                [*me, "writer", str(directory), str(count), str(config.seed)],
                env=env["pure"],
                stdout=subprocess.PIPE,
                text=True,
                check=True,
            ).stdout
        )
        seen = {
            side: _events(proc.communicate(timeout=SAFETY_TIMEOUT + 5)[0])
            for side, proc in consumers.items()
        }
    finally:
        for proc in consumers.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    latency = {side: [t - published[path] for path, t in seen[side].items()] for side in SIDES}

    def cell(values: list[float]) -> str:
        low, p50, high = min(values), percentile(values, 0.5), max(values)
        return f"{fmt_time(p50)} [{fmt_time(low)}–{fmt_time(high)}]"

    def p50_p99(values: list[float]) -> str:
        return f"{fmt_time(percentile(values, 0.5))} / {fmt_time(percentile(values, 0.99))}"

    watched, polled = latency["watch"], latency["tensorflow"]

    report = Report()
    report.lines.append(
        Line(
            "5",
            "detection latency: p50 [min–max]",
            f"{count} checkpoints; seen: pure {len(latency['pure'])}, "
            f"TF {len(latency['tensorflow'])}",
            cell(latency["pure"]),
            cell(latency["tensorflow"]),
            "—",
            f"both max ≤ {BOUND} s (the 1 s poll)",
            all(max(latency[side]) <= BOUND for side in ("pure", "tensorflow")),
        )
    )
    report.lines.append(
        Line(
            "8",
            "detection latency, watch(): p50 / p99",
            f"{count} checkpoints; seen: watch {len(watched)}, TF {len(polled)}",
            p50_p99(watched),
            p50_p99(polled),
            f"{percentile(watched, 0.5) / percentile(polled, 0.5):.3f}",
            "watch() p50 ≤ 10 ms, p99 ≤ 50 ms",
            percentile(watched, 0.5) <= 0.010 and percentile(watched, 0.99) <= 0.050,
        )
    )
    report.notes.append(
        f"Row 5: {count} checkpoints published {GAP[0]}–{GAP[1]} s apart (seed {config.seed}), "
        f"both consumers watching the same directory at once. A consumer yields only the "
        f"latest checkpoint at each poll, so it can skip one published less than a second "
        f"after another: that is the iterator's design, not a loss."
    )
    report.notes.append(
        f"Row 8: the same run, seen by `tf_ckpt_compat.watch()` (inotify, pinning each "
        f"checkpoint before yielding it), which yields every checkpoint: "
        f"{len(watched)} of {count}. Its ratio is of the p50s; TensorFlow's latency is "
        f"that of its one-second poll."
    )
    return report


def main(argv: list[str]) -> None:
    role, *args = argv
    if role == "consumer":
        consumer(*args)
    elif role == "writer":
        writer(args[0], int(args[1]), int(args[2]))
    else:
        raise SystemExit(f"unknown role {role!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
