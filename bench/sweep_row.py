"""Row 9: one `watch_many()` over 10,000 run directories: its memory and its detection latency.

The parent makes the run directories, starts a consumer process watching all
of them with `tf_ckpt_compat.watch_many()` (inotify), waits until it has
scanned every run once, then publishes checkpoints into runs picked at random
(seeded), as TensorFlow does: files first, then the state file renamed into
place. Latency is the consumer's yield time minus the time taken just before
the rename. Memory is the consumer's peak RSS, against the same process
watching a single directory (the difference, per run, is the cost of an
idle run). TensorFlow has no sweep watcher: one `checkpoints_iterator` per
run would be 10,000 loops, each reading its state file every second.

The consumer is this file run as a script:
  python sweep_row.py consumer PATTERN RUNS COUNT
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

GAP = (0.05, 0.2)  # seconds between publications, uniform
TIMEOUT = 10.0  # the consumer's, should a checkpoint be missed


def consumer(pattern: str, runs: int, count: int) -> None:
    import tf_ckpt_compat

    watch = tf_ckpt_compat.watch_many(pattern, timeout=TIMEOUT)
    while watch.stats.scans < runs:  # every run scanned once: its watches are in place
        time.sleep(0.01)
    print(f"ready {watch.mode}", flush=True)
    for seen, checkpoint in enumerate(watch, 1):
        print(f"{checkpoint.listed_path}\t{time.time()!r}", flush=True)
        if seen == count:
            break
    watch.close()
    print(f"rss\t{peak_rss_kib()}", flush=True)


def peak_rss_kib() -> int:
    """This process's peak resident size (VmHWM), in KiB.

    Not `ru_maxrss`: on Linux that keeps the high-water mark of the image the
    process was spawned from (the benchmark, with TensorFlow loaded), while
    VmHWM belongs to the address space that `exec` made afresh.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def measure(config: Config, tag: str, runs: int, count: int) -> tuple[list[float], int, str]:
    """Watches `runs` directories, publishes `count` checkpoints; latencies, peak KiB, mode."""
    from detection import state_text
    from rows import child_env

    from tf_ckpt_compat.testing import CheckpointDirectory

    sweep = config.tmp / f"sweep-{tag}"
    for i in range(runs):
        (sweep / f"run{i:05d}").mkdir(parents=True)
    proc = subprocess.Popen(
        [sys.executable, __file__, "consumer", str(sweep / "*"), str(runs), str(count)],
        env=child_env(TF_CKPT_COMPAT_BACKEND="pure"),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready = proc.stdout.readline().split()
        if ready[:1] != ["ready"]:
            raise RuntimeError(f"the sweep consumer failed to start: {ready}")
        rng = random.Random(config.seed)
        published: dict[str, float] = {}
        for run_index in rng.sample(range(runs), count):
            time.sleep(rng.uniform(*GAP))
            run = CheckpointDirectory(sweep / f"run{run_index:05d}")
            prefix = run.write_files(1)
            temp = f"{run.state_file}.tmp"
            with open(temp, "w") as f:
                f.write(state_text([prefix], [time.time()]))
            published[prefix] = time.time()
            os.replace(temp, run.state_file)
        out, _ = proc.communicate(timeout=TIMEOUT + 30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines = [line.split("\t") for line in out.splitlines()]
    latencies = [float(t) - published[path] for path, t in lines if path in published]
    (peak,) = [int(value) for key, value in lines if key == "rss"]
    return latencies, peak, ready[1]


def run(config: Config) -> Report:
    from harness import fmt_time, percentile
    from rows import Line, Report

    runs = 1_000 if config.quick else 10_000
    count = 5 if config.quick else 40
    latencies, peak, mode = measure(config, "many", runs, count)
    _, alone, _ = measure(config, "one", 1, 1)
    per_run = (peak - alone) * 1024 / runs
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    report = Report()
    report.lines.append(
        Line(
            "9",
            f"watch_many(): detection p50 / p99 ({mode})",
            f"{runs:,} runs; seen {len(latencies)} of {count}",
            f"{fmt_time(p50)} / {fmt_time(p99)}",
            "—",
            "—",
            "p50 ≤ 50 ms",
            p50 <= 0.050,
        )
    )
    report.lines.append(
        Line(
            "9",
            "watch_many(): peak RSS, and per idle run",
            f"{runs:,} runs",
            f"{peak / 1024:.1f} MB; {per_run / 1024:.2f} KiB per run",
            "—",
            "—",
            "≤ 2 KiB per idle run",
            per_run <= 2048,
        )
    )
    report.notes.append(
        f"Row 9: one process watches {runs:,} run directories with `watch_many()` "
        f"({mode}); {count} checkpoints published into runs picked at random, "
        f"{GAP[0]}–{GAP[1]} s apart (seed {config.seed}). Per idle run: the peak RSS "
        f"less that of the same process watching one directory ({alone / 1024:.1f} MB), "
        f"divided by the runs (the kernel's inotify watches, about 1 KiB each, are not in "
        f"it). TensorFlow has no counterpart: one "
        f"`checkpoints_iterator` per run would read {runs:,} state files every second."
    )
    return report


if __name__ == "__main__":
    role, *args = sys.argv[1:]
    if role != "consumer":
        raise SystemExit(f"unknown role {role!r}")
    consumer(args[0], int(args[1]), int(args[2]))
