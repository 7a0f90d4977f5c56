"""`watch_many()`: one watch over a sweep of run directories, local or on an object store.

The request counts are taken at a real S3-protocol server (moto, on the
loopback), one cycle of the sweep's engine at a time.
"""

from __future__ import annotations

import logging
import math
import shutil
import time
import urllib.parse

from storage_helpers import moto_s3

import tf_ckpt_compat
from tf_ckpt_compat._bundle.writer import encode_bundle
from tf_ckpt_compat._watch import sweep
from tf_ckpt_compat._watch.engine import Options
from tf_ckpt_compat.testing import CheckpointDirectory

SETTLE = 2.0


def take(w: tf_ckpt_compat.Watch, count: int) -> list[tuple[str, int | None]]:
    """The (run, step) of the next `count` checkpoints."""
    return [(c.run, c.step) for c in (next(w) for _ in range(count))]


def test_runs_that_exist_and_runs_that_appear_later(tmp_path, watch_mode):
    sweep_dir = tmp_path / "sweep"
    a, b = CheckpointDirectory(sweep_dir / "a"), CheckpointDirectory(sweep_dir / "b")
    a.publish(1)
    with tf_ckpt_compat.watch_many(str(sweep_dir / "*"), timeout=SETTLE, poll_interval=0.05) as w:
        assert w.mode == watch_mode
        a.publish(2)
        b.publish(1)  # a new run: its first checkpoint is new, however soon it came
        b.publish(2)
        got = take(w, 3)
        assert sorted(got) == [(a.directory, 2), (b.directory, 1), (b.directory, 2)]
        assert [step for run, step in got if run == b.directory] == [1, 2]  # in order per run
        c = CheckpointDirectory(sweep_dir / "c")
        c.publish(7)
        (checkpoint,) = [next(w)]
        assert (checkpoint.run, checkpoint.listed_path) == (c.directory, c.prefix(7))
        assert tf_ckpt_compat.load_variable(checkpoint.path, "global_step") == 7


def test_start_all_takes_every_run_listed_at_the_start(tmp_path):
    runs = [CheckpointDirectory(tmp_path / f"run{i}") for i in range(3)]
    for run in runs:
        run.publish(1)
        run.publish(2)
    w = tf_ckpt_compat.watch_many(str(tmp_path / "run*"), timeout=0.5, start="all")
    got = [(c.run, c.step) for c in w]
    assert sorted(got) == sorted((r.directory, s) for r in runs for s in (1, 2))


def test_a_pattern_with_levels_below_the_glob(tmp_path, watch_mode):
    trainer = CheckpointDirectory(tmp_path / "sweep" / "lr0.1" / "train")
    CheckpointDirectory(tmp_path / "sweep" / "lr0.1" / "eval").publish(1)  # not matched
    with tf_ckpt_compat.watch_many(
        str(tmp_path / "sweep" / "*" / "train"), timeout=SETTLE, poll_interval=0.05
    ) as w:
        trainer.publish(1)
        late = CheckpointDirectory(tmp_path / "sweep" / "lr0.2" / "train")
        late.publish(3)
        assert sorted(take(w, 2)) == [(trainer.directory, 1), (late.directory, 3)]


def test_a_deleted_run_is_dropped_and_a_broken_one_does_not_stop_the_others(tmp_path, caplog):
    good, gone, broken = (CheckpointDirectory(tmp_path / name) for name in ("good", "gone", "bad"))
    for run in (good, gone, broken):
        run.mkdir()
    with (
        caplog.at_level(logging.WARNING, "tensorflow"),
        tf_ckpt_compat.watch_many(str(tmp_path / "*"), timeout=SETTLE) as w,
    ):
        gone.publish(1)
        assert take(w, 1) == [(gone.directory, 1)]
        shutil.rmtree(gone.directory)
        broken.write_state(b"model_checkpoint_path: 12 {")
        good.publish(1)
        assert take(w, 1) == [(good.directory, 1)]
        time.sleep(0.3)
        assert w.stats.state_errors >= 1
    assert [r.getMessage().split(" is not ready")[0] for r in caplog.records] == [broken.state_file]


def test_on_a_memory_store_new_runs_and_checkpoints_are_found(memory_root):
    a = CheckpointDirectory(memory_root + "/sweep/a")
    a.publish(1)
    with tf_ckpt_compat.watch_many(
        memory_root + "/sweep/*", timeout=SETTLE, poll_interval=0.05
    ) as w:
        assert w.mode == "poll"
        a.publish(2)
        b = CheckpointDirectory(memory_root + "/sweep/b")
        b.publish(1)
        got = {(c.run, c.step, c.path == c.listed_path) for c in (next(w), next(w))}
        assert got == {(a.directory, 2, True), (b.directory, 1, True)}


# --- what a cycle costs on S3 --------------------------------------------------------------


def is_recursive_listing(method: str, path: str, query: str) -> bool:
    """A ListObjectsV2 page without a delimiter: every key under the prefix, at any depth."""
    fields = urllib.parse.parse_qs(query, keep_blank_values=True)
    return method == "GET" and "list-type" in fields and not fields.get("delimiter", [""])[0]


def upload_runs(fs, root: str, count: int) -> int:
    """Uploads `count` runs of one checkpoint each under `root` (a key); returns the objects."""
    index, data = encode_bundle({"global_step": 1})
    state = b'model_checkpoint_path: "ckpt-1"\nall_model_checkpoint_paths: "ckpt-1"\n'
    objects = {}
    for i in range(count):
        run = f"{root}/run{i:04d}"
        objects[f"{run}/ckpt-1.index"] = index
        objects[f"{run}/ckpt-1.data-00000-of-00001"] = data
        objects[f"{run}/checkpoint"] = state
    fs.pipe(objects)
    return len(objects)


def test_an_idle_cycle_over_1000_runs_costs_one_listing_per_1000_objects():
    import fsspec

    runs = 1000
    with moto_s3("sweep-bucket") as server:
        fs = fsspec.filesystem("s3", skip_instance_cache=True)  # another client: the trainers
        objects = upload_runs(fs, "sweep-bucket/sweep", runs)
        options = Options(pins=None, record=None, max_pending=10**6, poll_interval=1.0)
        engine = sweep.sweep_engine("s3://sweep-bucket/sweep/*", "all", options)
        requests = server.requests

        engine.prime()  # what the watch does before its thread starts: the runs there now
        requests.clear()
        engine.cycle()  # the first: every run is read once
        assert len(engine.ready) == runs
        first = requests.kinds()
        assert first.count("GET") == runs

        requests.clear()
        engine.cycle()  # nothing changed
        idle = requests.kinds()
        assert set(idle) == {"LIST"}  # no GET, no HEAD
        assert len(idle) <= math.ceil(objects / 1000) + 1

        index, data = encode_bundle({"global_step": 2})
        fs.pipe(
            {
                "sweep-bucket/sweep/run0007/ckpt-2.index": index,
                "sweep-bucket/sweep/run0007/ckpt-2.data-00000-of-00001": data,
                "sweep-bucket/sweep/run0007/checkpoint": b'model_checkpoint_path: "ckpt-2"\n'
                b'all_model_checkpoint_paths: "ckpt-1"\nall_model_checkpoint_paths: "ckpt-2"\n',
            }
        )
        requests.clear()
        engine.cycle()
        changed = requests.kinds()
        # Beyond the sweep's own listing (recursive: no delimiter), that run only:
        # its state file (HEAD, GET) and one listing of its directory.
        beyond = [q for q in requests.log if not is_recursive_listing(*q)]
        assert len(beyond) <= 3
        assert changed.count("GET") == 1
        assert engine.ready[-1].listed_path == "s3://sweep-bucket/sweep/run0007/ckpt-2"

        # The same poll by 1,000 iterators, one per run: one latest_checkpoint each.
        requests.clear()
        for i in range(runs):
            tf_ckpt_compat.latest_checkpoint(f"s3://sweep-bucket/sweep/run{i:04d}")
        per_iterator = len(requests.kinds())
        print(
            f"one idle cycle: {len(idle)} requests for {runs} runs ({objects} objects); "
            f"one new checkpoint: {len(changed)}; 1,000 iterators: {per_iterator}"
        )
        assert per_iterator >= 3 * runs
        engine.close()


def test_one_record_serves_the_whole_sweep_across_a_restart(tmp_path):
    runs = [CheckpointDirectory(tmp_path / "sweep" / name) for name in ("a", "b")]
    record = tmp_path / "done.jsonl"
    pattern = str(tmp_path / "sweep" / "*")
    for run in runs:
        run.publish(1)
    with tf_ckpt_compat.watch_many(pattern, start="all", record=record, timeout=0.5) as w:
        first = next(w)
        next(w)  # the first is done now; the second is in flight when the consumer stops
    for run in runs:
        run.publish(2)
    again = [
        (c.run, c.step) for c in tf_ckpt_compat.watch_many(pattern, record=record, timeout=0.5)
    ]
    redone = [(run, step) for run, step in again if step == 1]
    assert (first.run, 1) not in redone and len(redone) == 1  # only the one in flight
    assert sorted(step for _, step in again if step == 2) == [2, 2]


def test_a_sweep_directory_made_after_the_start_is_found(tmp_path, watch_mode):
    run = CheckpointDirectory(tmp_path / "later" / "sweep" / "a")
    pattern = str(tmp_path / "later" / "sweep" / "*")
    with tf_ckpt_compat.watch_many(pattern, timeout=SETTLE, poll_interval=0.05) as w:
        run.publish(1)
        assert take(w, 1) == [(run.directory, 1)]


def test_a_state_file_missing_for_a_while_on_a_store_yields_nothing_twice(memory_root):
    run = CheckpointDirectory(memory_root + "/sweep/a")
    run.publish(1)
    with tf_ckpt_compat.watch_many(
        memory_root + "/sweep/*", start="all", timeout=0.5, poll_interval=0.05
    ) as w:
        assert take(w, 1) == [(run.directory, 1)]
        run.delete_state()  # the run's other objects are still there
        time.sleep(0.3)
        run.publish(2)
        assert [(c.run, c.step) for c in w] == [(run.directory, 2)]
