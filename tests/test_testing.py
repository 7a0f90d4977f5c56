"""tf_ckpt_compat.testing: the fake clock, the scripted directory and the pytest fixture."""

import os
import time

import pytest

import tf_ckpt_compat
from tf_ckpt_compat.testing import CheckpointDirectory, ClockLimitReached, FakeClock


def test_fake_clock_patches_and_restores_time():
    real_time, real_sleep = time.time, time.sleep
    with FakeClock(start=100) as clock:
        assert time.time() == 100.0
        time.sleep(2.5)
        assert time.time() == 102.5 == clock.now
        assert clock.sleeps == [2.5]
    assert (time.time, time.sleep) == (real_time, real_sleep)


def test_events_run_in_order_at_their_times():
    seen = []
    with FakeClock() as clock:
        clock.at(3, lambda: seen.append(("b", time.time())))
        clock.at(1, lambda: seen.append(("a", time.time())))
        clock.at(3, lambda: seen.append(("c", time.time())))
        time.sleep(2)
        assert seen == [("a", 1.0)]
        clock.advance(5)
    assert seen == [("a", 1.0), ("b", 3.0), ("c", 3.0)]
    assert clock.now == 7.0


def test_negative_sleep_raises_as_the_real_one_does():
    with FakeClock(), pytest.raises(ValueError, match="non-negative"):
        time.sleep(-1)


def test_limit_stops_a_loop_that_would_wait_forever(tmp_path):
    with FakeClock(limit=10) as clock, pytest.raises(ClockLimitReached):
        for _ in tf_ckpt_compat.checkpoints_iterator(tmp_path):
            pass
    assert clock.now == 10.0


def test_publish_writes_files_and_a_state_tensorflow_reads(tmp_path):
    run = CheckpointDirectory(tmp_path / "run")
    assert not os.path.exists(run.directory)
    with FakeClock(start=1000):
        first = run.publish(1)
        time.sleep(5)
        second = run.publish(2)
    assert sorted(os.listdir(run.directory)) == [
        "checkpoint",
        "model.ckpt-1.data-00000-of-00001",
        "model.ckpt-1.index",
        "model.ckpt-2.data-00000-of-00001",
        "model.ckpt-2.index",
    ]
    state = tf_ckpt_compat.get_checkpoint_state(run.directory)
    assert state == tf_ckpt_compat.CheckpointState(
        second, [first, second], [1000.0, 1005.0], 1000.0
    )
    assert tf_ckpt_compat.latest_checkpoint(run.directory) == second


def test_keep_deletes_the_oldest_files(tmp_path):
    run = CheckpointDirectory(tmp_path)
    for step in range(1, 5):
        run.publish(step, timestamp=float(step), keep=2)
    state = tf_ckpt_compat.get_checkpoint_state(tmp_path)
    assert state.all_model_checkpoint_paths == [run.prefix(3), run.prefix(4)]
    assert state.all_model_checkpoint_timestamps == [3.0, 4.0]
    assert not os.path.exists(run.prefix(2) + ".index")
    assert os.path.exists(run.prefix(3) + ".index")


def test_state_file_misbehaving(tmp_path, caplog):
    run = CheckpointDirectory(tmp_path)
    run.publish(1, timestamp=1.0)
    run.write_state("model_checkpoint_path: {")
    with caplog.at_level("WARNING", logger="tensorflow"):
        assert tf_ckpt_compat.get_checkpoint_state(tmp_path) is None
    assert caplog.records[-1].getMessage() == f"{run.state_file}: Checkpoint ignored"
    run.empty_state()
    with pytest.raises(ValueError, match="Invalid checkpoint state"):
        tf_ckpt_compat.get_checkpoint_state(tmp_path)
    run.delete_state()
    assert tf_ckpt_compat.get_checkpoint_state(tmp_path) is None


def test_delete_files_is_the_max_to_keep_race(tmp_path, caplog):
    run = CheckpointDirectory(tmp_path)
    prefix = run.publish(1, timestamp=1.0)
    run.delete_files(1)
    with caplog.at_level("ERROR", logger="tensorflow"):
        assert tf_ckpt_compat.latest_checkpoint(tmp_path) is None
    assert caplog.records[-1].getMessage() == f"Couldn't match files for checkpoint {prefix}"


def test_publish_state_only_then_files(tmp_path):
    run = CheckpointDirectory(tmp_path)
    prefix = run.publish(3, timestamp=1.0, files=False)
    assert tf_ckpt_compat.latest_checkpoint(tmp_path) is None
    run.write_files(3)
    assert tf_ckpt_compat.latest_checkpoint(tmp_path) == prefix


def test_fake_clock_fixture_is_registered(pytester):
    pytester.makepyfile(
        """
        import time

        def test_uses_fixture(fake_clock):
            time.sleep(30)
            assert time.time() == 30.0 and fake_clock.now == 30.0
        """
    )
    # No -p: the installed package registers the plugin through its pytest11 entry point.
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)


# The README's example, verbatim in spirit: an evaluation loop with a timeout_fn.
def evaluate_until_training_ends(run_dir, training_done, evaluate):
    for path in tf_ckpt_compat.checkpoints_iterator(run_dir, timeout=60, timeout_fn=training_done):
        evaluate(path)


def test_readme_example(tmp_path):
    run = CheckpointDirectory(tmp_path / "run")
    evaluated = []
    with FakeClock() as clock:
        clock.at(10, lambda: run.publish(100))
        clock.at(70, lambda: run.publish(200))
        clock.at(75, lambda: run.write_files("final"))  # not a published checkpoint
        evaluate_until_training_ends(
            run.directory,
            training_done=lambda: clock.now > 100,
            evaluate=lambda path: evaluated.append((clock.now, path)),
        )
    assert evaluated == [(10.0, run.prefix(100)), (70.0, run.prefix(200))]
    # Today's loop (TF >= 2.20) asks timeout_fn after each checkpoint and after
    # the 60 s timeout; it ends at the first timeout after 100 s: 70 + 60 = 130.
    assert clock.now == 130.0
