"""`watch()` against a real trainer process: a soak with deletions, and a consumer killed mid-run.

The trainer is the package's own writer (`testing.CheckpointDirectory`, whose
files are byte-identical to TensorFlow's), run as a separate process with
`max_to_keep`-style deletion, as a real trainer would delete behind a slow
evaluator.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import tf_ckpt_compat
from tf_ckpt_compat.testing import CheckpointDirectory

TRAINER = textwrap.dedent(
    """
    import sys, time
    from tf_ckpt_compat.testing import CheckpointDirectory
    directory, count, interval = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    keep = int(sys.argv[4]) if len(sys.argv) > 4 else None
    run = CheckpointDirectory(directory)
    for step in range(1, count + 1):
        run.publish(step, keep=keep)
        time.sleep(interval)
    """
)

CONSUMER = textwrap.dedent(
    """
    import sys, time, tf_ckpt_compat
    directory, record, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    for checkpoint in tf_ckpt_compat.watch(directory, record=record, timeout=2, start="all"):
        print("start", checkpoint.step, flush=True)
        time.sleep(seconds)
        tf_ckpt_compat.list_variables(checkpoint.path)
        print("done", checkpoint.step, flush=True)
    """
)


def start_trainer(directory: str, count: int, interval: float, keep: int | None = None):
    argv = [sys.executable, "-c", TRAINER, directory, str(count), str(interval)]
    return subprocess.Popen(argv + ([str(keep)] if keep else []))


def read_all_files(prefix: str) -> int:
    """Opens and reads every file of the checkpoint at `prefix`; returns how many."""
    directory, base = os.path.split(prefix)
    names = [n for n in os.listdir(directory) if n.startswith(base + ".")]
    for name in names:
        with open(os.path.join(directory, name), "rb") as f:
            f.read()
    return len(names)


def test_soak_a_slow_consumer_misses_nothing_the_trainer_deletes(tmp_path, caplog):
    count = 2000
    run = CheckpointDirectory(tmp_path / "run")
    run.mkdir()
    yielded: list[int] = []
    with caplog.at_level(logging.WARNING, "tensorflow"):
        w = tf_ckpt_compat.watch(run.directory, timeout=5, max_pending=count)
        trainer = start_trainer(run.directory, count, 0.02, keep=2)
        try:
            for checkpoint in w:
                time.sleep(0.1)
                assert read_all_files(checkpoint.path) == 2  # .index and .data-00000-of-00001
                assert tf_ckpt_compat.list_variables(checkpoint) == [("global_step", [])]
                yielded.append(checkpoint.step)
        finally:
            trainer.kill()
            trainer.wait()
    assert trainer.returncode == 0
    deleted = [int(r.args[0].rsplit("-", 1)[1]) for r in caplog.records]  # reported, not raised
    assert yielded == sorted(set(yielded))  # in order, once each
    assert sorted(yielded + deleted) == list(range(1, count + 1))
    assert w.stats.deleted == len(deleted)
    print(f"yielded {len(yielded)}, deleted before they could be pinned {len(deleted)}")


def consumer_lines(process: subprocess.Popen[str]) -> list[tuple[str, int]]:
    assert process.stdout is not None
    return [(word, int(step)) for word, step in (line.split() for line in process.stdout)]


def test_a_consumer_killed_mid_checkpoint_redoes_that_one_and_nothing_else(tmp_path):
    count = 60
    run = CheckpointDirectory(tmp_path / "run")
    run.mkdir()
    record = str(tmp_path / "done.jsonl")
    argv = [sys.executable, "-c", CONSUMER, run.directory, record, "0.05"]
    first = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    trainer = start_trainer(run.directory, count, 0.02)
    lines: list[tuple[str, int]] = []
    assert first.stdout is not None
    for line in first.stdout:
        word, step = line.split()
        lines.append((word, int(step)))
        if len(lines) == 41:  # mid-checkpoint: started, not done
            first.send_signal(signal.SIGKILL)
            break
    first.wait()
    first.stdout.close()
    assert lines[-1][0] == "start"
    in_flight = lines[-1][1]
    before = [step for word, step in lines if word == "start"]

    second = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    after = [step for word, step in consumer_lines(second) if word == "start"]
    second.wait()
    assert second.stdout is not None
    second.stdout.close()
    trainer.wait()
    assert second.returncode == 0
    assert before == sorted(before)
    assert after == sorted(after)
    assert after[0] == in_flight  # redone, being unfinished...
    assert set(before) & set(after) == {in_flight}  # ...and nothing else twice
    assert sorted(set(before) | set(after)) == list(range(1, count + 1))  # nothing lost


SWEEP_TRAINER = textwrap.dedent(
    """
    import sys, time
    from tf_ckpt_compat.testing import CheckpointDirectory
    sweep, runs, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    directories = [CheckpointDirectory(f"{sweep}/run{i:03d}") for i in range(runs)]
    for step in range(1, steps + 1):
        for run in directories:
            run.publish(step, keep=3)
        time.sleep(0.05)
    """
)

# Logs the pinned path it was given, then checks that it is still loadable.
EVALUATOR = (
    'echo "start $1" >> "$2"; sleep 0.02; '
    'if [ -e "$1.index" ]; then echo "end $1" >> "$2"; else echo "missing $1" >> "$2"; fi'
)


def test_soak_a_sweep_with_four_jobs_misses_nothing_and_keeps_each_run_in_order(tmp_path):
    runs, steps = 200, 5
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    log = tmp_path / "evaluations.log"
    watcher = subprocess.Popen(
        [
            sys.executable, "-m", "tf_ckpt_compat", "watch", f"{sweep}/*", "--many",
            "--jobs", "4", "--timeout", "5", "--exec", "sh", "-c", EVALUATOR, "sh", "{}", str(log),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    time.sleep(1.0)  # its watch is set up before the first run appears
    trainer = subprocess.run(
        [sys.executable, "-c", SWEEP_TRAINER, str(sweep), str(runs), str(steps)], check=True
    )
    out, err = watcher.communicate(timeout=120)
    assert (trainer.returncode, watcher.returncode, err) == (0, 0, "")
    events = [line.split(" ", 1) for line in log.read_text().splitlines()]
    assert [kind for kind, _ in events if kind == "missing"] == []
    by_run: dict[str, list[tuple[str, int]]] = {}
    running, most = 0, 0
    for kind, path in events:
        run = path.split("/.tf-ckpt-compat-pins/")[0]
        by_run.setdefault(run, []).append((kind, int(path.rsplit("-", 1)[1])))
        running += 1 if kind == "start" else -1
        most = max(most, running)
    assert len(by_run) == runs
    for seen in by_run.values():
        # One at a time per run, oldest first, each once: start 1, end 1, start 2, ...
        assert seen == [(kind, step) for step in range(1, steps + 1) for kind in ("start", "end")]
    assert 1 < most <= 4
    assert len(out.splitlines()) == runs * steps
