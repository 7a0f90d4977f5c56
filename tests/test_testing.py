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


def test_publish_writes_files_then_the_state_file_tensorflow_writes(tmp_path):
    # The state file's bytes as TensorFlow's CheckpointManager writes them (protobuf's
    # text format); that TensorFlow reads them, and opens the checkpoint files, is
    # checked against TensorFlow itself in compat_tests (test_writer_compat.py,
    # test_reader_compat.py).
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
    with open(run.state_file) as f:
        assert f.read() == (
            f'model_checkpoint_path: "{second}"\n'
            f'all_model_checkpoint_paths: "{first}"\n'
            f'all_model_checkpoint_paths: "{second}"\n'
            "all_model_checkpoint_timestamps: 1000.0\n"
            "all_model_checkpoint_timestamps: 1005.0\n"
            "last_preserved_timestamp: 1000.0\n"
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


@pytest.mark.parametrize("step", [1, "1"], ids=["int", "str"])
def test_delete_files_is_the_max_to_keep_race(tmp_path, caplog, step):
    run = CheckpointDirectory(tmp_path)
    prefix = run.publish(1, timestamp=1.0)
    run.delete_files(step)
    assert sorted(os.listdir(tmp_path)) == ["checkpoint"]
    with caplog.at_level("ERROR", logger="tensorflow"):
        assert tf_ckpt_compat.latest_checkpoint(tmp_path) is None
    assert caplog.records[-1].getMessage() == f"Couldn't match files for checkpoint {prefix}"


def test_every_method_takes_a_step_and_refuses_a_path(tmp_path):
    # One rule for publish, prefix, write_files and delete_files: a str is a step.
    run = CheckpointDirectory(tmp_path)
    assert run.publish("100") == run.prefix(100) == str(tmp_path / "model.ckpt-100")
    assert run.write_files("final") == str(tmp_path / "model.ckpt-final")
    run.delete_files("final")
    for method in (run.prefix, run.publish, run.write_files, run.delete_files):
        with pytest.raises(ValueError, match="is a path"):
            method(run.prefix(100))  # the prefix publish returned, not its step
    with pytest.raises(TypeError, match="an int or a str"):
        run.prefix(1.5)
    assert sorted(os.listdir(tmp_path)) == [
        "checkpoint",
        "model.ckpt-100.data-00000-of-00001",
        "model.ckpt-100.index",
    ]


def test_delete_files_of_a_step_without_files_raises(tmp_path):
    run = CheckpointDirectory(tmp_path)
    run.publish(1, timestamp=1.0)
    with pytest.raises(FileNotFoundError, match="checkpoint 2 has no files"):
        run.delete_files(2)
    run.delete_files(1)
    with pytest.raises(FileNotFoundError):
        run.delete_files(1)  # already deleted


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


def test_files_without_a_state_file_entry_are_not_yielded(tmp_path):
    # The README's own example runs as it is in test_examples.py; this one adds
    # files that no state file names.
    run = CheckpointDirectory(tmp_path / "run")
    evaluated = []
    with FakeClock() as clock:
        clock.at(10, lambda: run.publish(100))
        clock.at(70, lambda: run.publish(200))
        clock.at(75, lambda: run.write_files("final"))  # not a published checkpoint
        for path in tf_ckpt_compat.checkpoints_iterator(
            run.directory, timeout=60, timeout_fn=lambda: clock.now > 100
        ):
            evaluated.append((clock.now, path))
    assert evaluated == [(10.0, run.prefix(100)), (70.0, run.prefix(200))]
    # Today's loop (TF >= 2.20) asks timeout_fn after each checkpoint and after
    # the 60 s timeout; it ends at the first timeout after 100 s: 70 + 60 = 130.
    assert clock.now == 130.0


def test_publish_writes_the_tensors_given(tmp_path):
    import numpy as np

    run = CheckpointDirectory(tmp_path, name="ckpt")
    kernel = np.arange(6, dtype=np.float32).reshape(3, 2)
    prefix = run.publish(7, timestamp=1.0, tensors={"dense/kernel": kernel, "step": np.int64(7)})
    assert prefix == str(tmp_path / "ckpt-7")
    assert tf_ckpt_compat.list_variables(tmp_path) == [("dense/kernel", [3, 2]), ("step", [])]
    assert tf_ckpt_compat.load_variable(prefix, "dense/kernel").tolist() == kernel.tolist()
    assert tf_ckpt_compat.load_variable(prefix, "step") == 7
