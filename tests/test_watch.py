"""`watch()`: every checkpoint once, in order, pinned, tolerant, and exactly once across restarts.

The tracker (what a scan finds) is tested scan by scan, with explicit times;
the watch itself with its real thread, real inotify and real processes.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import threading
import time

import pytest

import tf_ckpt_compat
from tf_ckpt_compat._watch import pins as pins_module
from tf_ckpt_compat._watch.pins import PIN_DIRECTORY, Pins
from tf_ckpt_compat._watch.record import Record
from tf_ckpt_compat._watch.tracker import WARNING_INTERVAL, Tracker
from tf_ckpt_compat.testing import CheckpointDirectory

# Long enough for a loaded CI machine to notice a checkpoint, short enough for the suite.
SETTLE = 2.0


def found(tracker: Tracker, now: float = 0.0) -> list[str]:
    """The listed paths one scan finds, in order."""
    return [f.listed_path for f in tracker.scan(now).found]


def names(run: CheckpointDirectory, *steps: int) -> list[str]:
    return [run.prefix(step) for step in steps]


# --- the tracker: what one scan finds ------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "first"),
    [("new", []), ("all", [1, 2, 3]), ("latest", [3])],
)
def test_start_decides_what_listed_checkpoints_are_yielded(tmp_path, start, first):
    run = CheckpointDirectory(tmp_path)
    for step in (1, 2, 3):
        run.publish(step)
    tracker = Tracker(run.directory, start, set())
    scan = tracker.scan(0)
    assert [f.listed_path for f in scan.found] == names(run, *first)
    assert scan.skipped == [p for p in names(run, 1, 2, 3) if p not in names(run, *first)]
    run.publish(4)
    run.publish(5)
    assert found(tracker) == names(run, 4, 5)  # several at once, oldest first
    assert found(tracker) == []


def test_a_directory_without_state_file_at_the_start_has_everything_new(tmp_path):
    run = CheckpointDirectory(tmp_path / "not-yet")
    tracker = Tracker(run.directory, "new", set())
    assert found(tracker) == []
    run.publish(1)
    run.publish(2)
    assert found(tracker) == names(run, 1, 2)


def test_found_checkpoint_carries_its_timestamp_and_files(tmp_path):
    run = CheckpointDirectory(tmp_path)
    tracker = Tracker(run.directory, "new", set())
    run.publish(7, timestamp=1234.5)
    (checkpoint,) = tracker.scan(0).found
    assert checkpoint.timestamp == 1234.5
    assert sorted(checkpoint.files) == [
        run.prefix(7) + ".data-00000-of-00001",
        run.prefix(7) + ".index",
    ]


def test_relative_paths_are_joined_and_a_hand_written_state_has_no_timestamps(tmp_path):
    run = CheckpointDirectory(tmp_path)
    run.write_files(1)
    run.write_files(2)
    tracker = Tracker(run.directory, "all", set())
    run.write_state(
        'model_checkpoint_path: "model.ckpt-2"\nall_model_checkpoint_paths: "model.ckpt-1"\n'
    )
    scan = tracker.scan(0)
    # The model path is not in the list: it comes last, as the newest.
    assert [(f.listed_path, f.timestamp) for f in scan.found] == [
        (run.prefix(1), None),
        (run.prefix(2), None),
    ]


def test_handled_paths_are_not_found_again(tmp_path):
    run = CheckpointDirectory(tmp_path)
    for step in (1, 2, 3):
        run.publish(step)
    tracker = Tracker(run.directory, "all", {run.prefix(2)})
    assert found(tracker) == names(run, 1, 3)


@pytest.mark.parametrize(
    "content",
    [
        b"",  # truncated: TensorFlow raises ValueError
        b'model_checkpoint_path: "model.ckpt-',  # torn mid-write
        b"model_checkpoint_path: 12 {",  # not a CheckpointState
        b'model_checkpoint_path: "\xff"',  # not UTF-8
        b'all_model_checkpoint_paths: "model.ckpt-1"',  # no model path
    ],
)
def test_a_bad_state_file_is_not_ready_yet_and_never_raises(tmp_path, caplog, content):
    run = CheckpointDirectory(tmp_path)
    run.publish(1)
    tracker = Tracker(run.directory, "all", set())
    run.write_state(content)
    with caplog.at_level(logging.WARNING, "tensorflow"):
        assert found(tracker, now=0) == []
    assert tracker.state_errors == 1
    assert [r.getMessage().split(" is not ready")[0] for r in caplog.records] == [run.state_file]
    run.publish(2)
    assert found(tracker) == names(run, 1, 2)


def test_a_state_file_that_is_a_fifo_is_not_ready_and_never_blocks(tmp_path, caplog):
    run = CheckpointDirectory(tmp_path)
    run.publish(1)
    tracker = Tracker(run.directory, "all", set())
    os.unlink(run.state_file)
    os.mkfifo(run.state_file)  # reading it would wait for a writer
    with caplog.at_level(logging.WARNING, "tensorflow"):
        assert found(tracker) == []
    assert caplog.records[0].getMessage() == (
        f"{run.state_file} is not ready (ValueError: not a regular file); retrying"
    )


def test_not_ready_warnings_are_rate_limited(tmp_path, caplog):
    run = CheckpointDirectory(tmp_path)
    run.write_state(b"")
    tracker = Tracker(run.directory, "all", set())
    with caplog.at_level(logging.WARNING, "tensorflow"):
        for now in (0.0, 1.0, WARNING_INTERVAL - 1, WARNING_INTERVAL + 1, WARNING_INTERVAL + 2):
            tracker.scan(now)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert "ValueError" in messages[0]
    assert messages[1].endswith("retrying (2 more times since the last warning)")
    assert tracker.state_errors == 5


def test_a_missing_state_file_is_waited_for_silently(tmp_path, caplog):
    run = CheckpointDirectory(tmp_path)
    run.publish(1)
    tracker = Tracker(run.directory, "new", set())
    assert found(tracker) == []
    run.delete_state()
    with caplog.at_level(logging.DEBUG):
        assert found(tracker) == []
    assert caplog.records == []
    run.publish(2)
    assert found(tracker) == names(run, 2)


def test_a_listed_checkpoint_without_index_is_retried_until_it_appears(tmp_path):
    run = CheckpointDirectory(tmp_path)
    tracker = Tracker(run.directory, "new", set())
    run.publish(1, files=False)
    assert found(tracker) == []
    assert tracker.waiting
    run.write_files(1, index=False)
    assert found(tracker) == []
    run.write_files(1)
    assert found(tracker) == names(run, 1)
    assert not tracker.waiting


def test_a_listed_checkpoint_dropped_from_the_list_before_its_index_vanished(tmp_path):
    run = CheckpointDirectory(tmp_path)
    tracker = Tracker(run.directory, "new", set())
    run.publish(1, files=False)
    assert found(tracker) == []
    run.publish(2, keep=1)
    scan = tracker.scan(0)
    assert [f.listed_path for f in scan.found] == names(run, 2)
    assert scan.vanished == names(run, 1)
    assert not tracker.waiting


def test_a_bundle_missing_some_of_its_shards_is_not_complete(tmp_path):
    run = CheckpointDirectory(tmp_path)
    tracker = Tracker(run.directory, "new", set())
    prefix = run.publish(1, files=False)
    for name in (".index", ".data-00000-of-00002"):
        (tmp_path / (os.path.basename(prefix) + name)).write_bytes(b"x")
    assert found(tracker) == []
    (tmp_path / (os.path.basename(prefix) + ".data-00001-of-00002")).write_bytes(b"x")
    (checkpoint,) = tracker.scan(0).found
    assert len(checkpoint.files) == 3


def test_tensorflow_1_checkpoints_are_single_files_or_patterns(tmp_path):
    run = CheckpointDirectory(tmp_path)
    tracker = Tracker(run.directory, "new", set())
    (tmp_path / "v1-1").write_bytes(b"x")
    for shard in (0, 1):
        (tmp_path / f"v1-2-0000{shard}-of-00002").write_bytes(b"x")
    run.write_state(
        'model_checkpoint_path: "v1-2-?????-of-00002"\n'
        'all_model_checkpoint_paths: "v1-1"\nall_model_checkpoint_paths: "v1-2-?????-of-00002"\n'
    )
    scan = tracker.scan(0)
    assert [sorted(f.files) for f in scan.found] == [
        [str(tmp_path / "v1-1")],
        [str(tmp_path / f"v1-2-0000{shard}-of-00002") for shard in (0, 1)],
    ]


def test_a_deleted_and_recreated_directory_starts_afresh(tmp_path):
    run = CheckpointDirectory(tmp_path / "run")
    run.publish(1)
    tracker = Tracker(run.directory, "all", set())
    assert found(tracker) == names(run, 1)
    shutil.rmtree(run.directory)
    assert found(tracker) == []
    assert not tracker.directory_exists
    fresh = CheckpointDirectory(run.directory)
    fresh.publish(1)  # the same name, a new checkpoint
    assert found(tracker) == names(run, 1)


# --- the record ------------------------------------------------------------------------------


def test_record_survives_reopening_and_ignores_a_torn_last_line(tmp_path):
    path = tmp_path / "sub" / "record.jsonl"
    record = Record(path)
    assert not record.existed
    record.add(["/a/ckpt-1", "/a/ckpt-2"])
    record.add(["/a/ckpt-0"], skipped=True)
    record.add(["/a/ckpt-1"])  # already there: not written twice
    record.close()
    lines = path.read_text().splitlines()
    assert lines == [
        '{"path": "/a/ckpt-1"}',
        '{"path": "/a/ckpt-2"}',
        '{"path": "/a/ckpt-0", "skipped": true}',
    ]
    with open(path, "ab") as f:
        f.write(b'{"path": "/a/ckpt-3"')  # a crash mid-append
    again = Record(path)
    assert again.existed
    assert again.handled == {"/a/ckpt-0", "/a/ckpt-1", "/a/ckpt-2"}
    again.close()


def test_record_keeps_undecodable_names(tmp_path):
    name = os.fsdecode(b"/runs/\xff/ckpt-1")
    record = Record(tmp_path / "r")
    record.add([name])
    record.close()
    assert Record(tmp_path / "r").handled == {name}


# --- pins ------------------------------------------------------------------------------------


def test_a_pin_keeps_the_files_after_the_trainer_deletes_them(tmp_path):
    run = CheckpointDirectory(tmp_path)
    prefix = run.publish(1)
    pins = Pins()
    (checkpoint,) = Tracker(run.directory, "all", set()).scan(0).found
    pinned = pins.pin(prefix, checkpoint.files)
    run.delete_files(1)
    assert tf_ckpt_compat.load_variable(pinned, "global_step") == 1
    assert os.stat(pinned + ".index").st_nlink == 1  # the link itself, now the only name
    pins.release(pinned)
    assert not os.path.exists(pinned + ".index")
    pins.close()
    assert not (tmp_path / PIN_DIRECTORY).exists()


def test_a_file_that_cannot_be_linked_is_copied(tmp_path, monkeypatch):
    run = CheckpointDirectory(tmp_path)
    prefix = run.publish(1)

    def no_links(source: str, target: str) -> None:
        raise PermissionError(1, "Operation not permitted")  # fs.protected_hardlinks

    monkeypatch.setattr(pins_module.os, "link", no_links)
    pins = Pins()
    pinned = pins.pin(prefix, [prefix + ".index", prefix + ".data-00000-of-00001"])
    assert pins.copies == 2
    assert tf_ckpt_compat.load_variable(pinned, "global_step") == 1
    pins.close()


def test_a_pin_of_a_checkpoint_being_deleted_leaves_nothing(tmp_path):
    run = CheckpointDirectory(tmp_path)
    prefix = run.publish(1)
    pins = Pins()
    with pytest.raises(FileNotFoundError):
        pins.pin(prefix, [prefix + ".index", prefix + ".data-00000-of-00002"])
    (owner,) = (tmp_path / PIN_DIRECTORY).iterdir()
    assert sorted(p.name for p in owner.iterdir()) == ["lock"]
    pins.close()


def test_pins_of_a_killed_process_are_removed_by_the_next_watch(tmp_path):
    import signal
    import subprocess
    import sys

    run = CheckpointDirectory(tmp_path)
    run.publish(1)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, tf_ckpt_compat\n"
            "w = tf_ckpt_compat.watch(sys.argv[1], start='all')\n"
            "print(next(w).path, flush=True)\n"
            "sys.stdin.read()\n",
            run.directory,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        pinned = holder.stdout.readline().strip()
        assert os.path.exists(pinned + ".index")
        alive = Pins()
        alive.pin(run.prefix(1), [run.prefix(1) + ".index"])  # a live owner is kept
        assert os.path.exists(pinned + ".index")
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        assert os.path.exists(pinned + ".index")  # kill -9: nothing could clean up
        with tf_ckpt_compat.watch(run.directory, timeout=0) as w:
            assert list(w) == []
        assert not os.path.exists(os.path.dirname(os.path.dirname(pinned)))
        assert len(list((tmp_path / PIN_DIRECTORY).iterdir())) == 1  # the live one
        alive.close()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
        holder.stdin.close()


# --- the watch -------------------------------------------------------------------------------


def publish_later(
    run: CheckpointDirectory, steps, delay: float = 0.05, **options
) -> threading.Thread:
    def publish() -> None:
        for step in steps:
            time.sleep(delay)
            run.publish(step, **options)

    thread = threading.Thread(target=publish)
    thread.start()
    return thread


def test_every_checkpoint_is_yielded_once_in_order_and_fast(tmp_path, watch_mode):
    run = CheckpointDirectory(tmp_path)
    run.publish(0)
    w = tf_ckpt_compat.watch(run.directory, timeout=SETTLE, poll_interval=0.05)
    assert w.mode == watch_mode
    writer = publish_later(run, range(1, 6), keep=2)
    seen = []
    for checkpoint in w:
        seen.append(checkpoint)
        time.sleep(0.12)  # slower than the trainer: it deletes what the consumer has not reached
        assert tf_ckpt_compat.load_variable(checkpoint.path, "global_step") == checkpoint.step
    writer.join()
    assert [c.listed_path for c in seen] == names(run, 1, 2, 3, 4, 5)
    assert [c.step for c in seen] == [1, 2, 3, 4, 5]
    assert all(os.fspath(c) == str(c) == c.path for c in seen)
    assert w.stats.yielded == 5
    assert w.stats.deleted == 0
    if watch_mode == "inotify":
        assert w.stats.events > 0
        assert max(c.detected_at - c.timestamp for c in seen) < 0.5
    assert not (tmp_path / PIN_DIRECTORY).exists()


def test_a_directory_that_does_not_exist_yet_is_waited_for(tmp_path, watch_mode):
    run = CheckpointDirectory(tmp_path / "a" / "b" / "run")
    with tf_ckpt_compat.watch(run.directory, timeout=SETTLE, poll_interval=0.05) as w:
        publish_later(run, [1]).join()
        assert next(w).listed_path == run.prefix(1)
        shutil.rmtree(tmp_path / "a")
        time.sleep(0.2)
        fresh = CheckpointDirectory(run.directory)
        fresh.publish(1)
        assert next(w).listed_path == run.prefix(1)


def test_timeout_without_timeout_fn_ends_the_watch(tmp_path, caplog):
    with caplog.at_level(logging.INFO, "tensorflow"):
        start = time.monotonic()
        assert list(tf_ckpt_compat.watch(tmp_path, timeout=0.2)) == []
        assert 0.2 <= time.monotonic() - start < SETTLE
    assert [r.getMessage() for r in caplog.records] == [
        "Timed-out waiting for a checkpoint (without timeout_fn)."
    ]


def test_timeout_fn_ends_with_a_final_read_that_keeps_the_last_checkpoint(tmp_path, caplog):
    run = CheckpointDirectory(tmp_path)
    calls = []

    def run_is_over() -> bool:
        # The trainer saves its last checkpoint and exits just as the timeout expires.
        calls.append(time.monotonic())
        if len(calls) == 2:
            run.publish(2)
            return True
        return False

    with caplog.at_level(logging.INFO, "tensorflow"):
        w = tf_ckpt_compat.watch(run.directory, timeout=0.1, timeout_fn=run_is_over)
        publish_later(run, [1]).join()
        seen = [c.listed_path for c in w]
    # timeout_fn is asked after checkpoint 1 (false), then says the run is over.
    assert seen == names(run, 1, 2)
    assert len(calls) == 2
    assert caplog.records[-1].getMessage() == "Done. No new checkpoints will be generated."


def test_a_checkpoint_deleted_before_it_was_pinned_is_reported(tmp_path, caplog):
    run = CheckpointDirectory(tmp_path)
    with caplog.at_level(logging.WARNING, "tensorflow"):
        w = tf_ckpt_compat.watch(run.directory, timeout=0.3, poll_interval=0.05)
        run.publish(1, files=False)  # listed, its index not written yet...
        time.sleep(0.3)
        run.publish(2, keep=1)  # ...and dropped from the list
        assert [c.listed_path for c in w] == names(run, 2)
    assert w.stats.deleted == 1
    assert [r.getMessage() for r in caplog.records] == [
        f"Checkpoint {run.prefix(1)} was deleted before its files were complete; skipping it"
    ]


def test_an_unpinned_checkpoint_deleted_before_the_consumer_got_to_it_is_skipped(tmp_path, caplog):
    run = CheckpointDirectory(tmp_path)
    w = tf_ckpt_compat.watch(run.directory, timeout=SETTLE, pin=False)
    run.publish(1)
    first = next(w)
    assert first.path == first.listed_path == run.prefix(1)
    run.publish(2)
    run.publish(3)
    time.sleep(0.3)
    run.delete_files(2)
    with caplog.at_level(logging.WARNING, "tensorflow"):
        assert next(w).listed_path == run.prefix(3)
    assert w.stats.deleted == 1
    assert caplog.records[0].getMessage().endswith("before the consumer got to it; skipping it")
    w.close()


def test_a_full_backlog_drops_the_oldest_and_reports_it(tmp_path, caplog):
    run = CheckpointDirectory(tmp_path)
    with caplog.at_level(logging.WARNING, "tensorflow"):
        w = tf_ckpt_compat.watch(run.directory, timeout=SETTLE, max_pending=2)
        publish_later(run, range(1, 6), delay=0.05).join()
        time.sleep(0.3)
        assert w.stats.detected == 5
        (owner,) = (tmp_path / PIN_DIRECTORY).iterdir()
        assert sorted(p.name for p in owner.iterdir()) == ["4", "5", "lock"]
        assert [next(w).step, next(w).step] == [4, 5]
    assert w.stats.dropped == 3
    assert len(caplog.records) == 3
    w.close()


def test_closing_or_dropping_a_watch_removes_its_pins(tmp_path):
    run = CheckpointDirectory(tmp_path)
    run.publish(1)
    run.publish(2)
    w = tf_ckpt_compat.watch(run.directory, start="all")
    assert os.path.exists(next(w).path + ".index")
    w.close()
    assert not (tmp_path / PIN_DIRECTORY).exists()
    assert list(w) == []

    w = tf_ckpt_compat.watch(run.directory, start="all")
    pinned = next(w).path + ".index"
    assert os.path.exists(pinned)
    thread = w._engine.thread
    del w
    gc.collect()
    assert not os.path.exists(pinned)
    thread.join(SETTLE)
    assert not thread.is_alive()


def test_a_failing_watch_thread_raises_in_the_consumer(tmp_path, monkeypatch):
    def broken(self, now):
        raise RuntimeError("bug")

    monkeypatch.setattr(Tracker, "scan", broken)
    with tf_ckpt_compat.watch(tmp_path) as w, pytest.raises(RuntimeError, match="bug"):
        next(w)


def test_record_makes_a_restart_go_on_where_it_was(tmp_path):
    run = CheckpointDirectory(tmp_path / "run")
    record = tmp_path / "done.jsonl"
    run.publish(1)
    run.publish(2)
    w = tf_ckpt_compat.watch(run.directory, record=record, timeout=0.2)
    run.publish(3)
    run.publish(4)
    assert next(w).step == 3
    assert next(w).step == 4  # 3 is recorded now; 4 is in flight when the consumer stops
    w.close()
    run.publish(5)
    # Restarted: 1 and 2 were skipped at the first start, 3 is done; 4 is done again.
    assert [c.step for c in tf_ckpt_compat.watch(run.directory, record=record, timeout=0.2)] == [
        4,
        5,
    ]
    w = tf_ckpt_compat.watch(run.directory, record=record, timeout=0.2)
    assert list(w) == []
    assert w.stats.skipped == 0


def test_mark_done_records_the_current_checkpoint(tmp_path):
    run = CheckpointDirectory(tmp_path / "run")
    run.publish(1)
    with tf_ckpt_compat.watch(run.directory, start="all", record=tmp_path / "r") as w:
        next(w)
        w.mark_done()
    assert Record(tmp_path / "r").handled == {run.prefix(1)}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"start": "first"}, "start must be one of 'new', 'all', 'latest', not 'first'"),
        ({"max_pending": 0}, "max_pending must be at least 1, not 0"),
        ({"poll_interval": 0}, "poll_interval must be positive, not 0"),
    ],
)
def test_bad_options_raise_before_anything_starts(tmp_path, options, message):
    before = threading.active_count()
    with pytest.raises(ValueError, match=message):
        tf_ckpt_compat.watch(tmp_path, **options)
    assert threading.active_count() == before


def test_object_stores_are_polled_and_nothing_is_pinned(memory_root, caplog):
    run = CheckpointDirectory(memory_root + "/run")
    with tf_ckpt_compat.watch(run.directory, timeout=SETTLE, poll_interval=0.05) as w:
        assert w.mode == "poll"
        run.publish(1)
        first = next(w)
        assert first.path == first.listed_path == run.prefix(1)
        assert tf_ckpt_compat.list_variables(first.path) == [("global_step", [])]
        run.publish(2)
        run.publish(3)
        time.sleep(0.3)
        run.delete_files(2)  # no pin holds it: reported and skipped, not raised
        with caplog.at_level(logging.WARNING, "tensorflow"):
            assert next(w).step == 3
        assert w.stats.deleted == 1


def test_a_watch_is_made_by_watch_only():
    with pytest.raises(TypeError, match=r"made by tf_ckpt_compat.watch\(\) or watch_many\(\)"):
        tf_ckpt_compat.Watch()


def test_done_after_close_says_so(tmp_path):
    run = CheckpointDirectory(tmp_path)
    run.publish(1)
    w = tf_ckpt_compat.watch(run.directory, start="all", record=tmp_path / "r")
    held = next(w)
    w.hold()
    w.close()
    with pytest.raises(RuntimeError, match="after close"):
        w.done(held)


def test_a_held_checkpoint_keeps_its_pin_past_the_end_of_the_iteration(tmp_path):
    run = CheckpointDirectory(tmp_path)
    run.publish(1)
    w = tf_ckpt_compat.watch(run.directory, start="all", timeout=0.1)
    next(w)
    held = w.hold()
    assert list(w) == []  # timed out, while the consumer still works on `held`
    assert os.path.exists(held.path + ".index")
    w.done(held)
    assert not os.path.exists(held.path + ".index")
    w.close()
    assert not (tmp_path / PIN_DIRECTORY).exists()
