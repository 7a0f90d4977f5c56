"""The iterator loop's rules, on a fake clock, for each TensorFlow variant.

Expected traces are worked out from the rules in TensorFlow's source (quoted in
the module docstring of tf_ckpt_compat._loop), not taken from a run.
"""

import pytest

import tf_ckpt_compat
from tf_ckpt_compat.conformance.iterator_scenarios import IteratorScenario
from tf_ckpt_compat.conformance.runner import run_iterator_scenario
from tf_ckpt_compat.testing import CheckpointDirectory, FakeClock

OURS = {
    "checkpoints_iterator": tf_ckpt_compat.checkpoints_iterator,
    "wait_for_new_checkpoint": tf_ckpt_compat.wait_for_new_checkpoint,
}
WAITING = ("log", "INFO", "Waiting for new checkpoint at <dir>")
TIMED_OUT = "Timed-out waiting for a checkpoint."
TIMED_OUT_NO_FN = "Timed-out waiting for a checkpoint (without timeout_fn)."
DONE = "Done. No new checkpoints will be generated."


def run(tmp_path, version, name, *events, **fields):
    tf_ckpt_compat.set_tf_version(version)
    return run_iterator_scenario(IteratorScenario(name, tuple(events), **fields), OURS, tmp_path)


def log(t, message, level="INFO"):
    return ("log", t, level, message)


def waiting(t):
    return ("log", t, *WAITING[1:])


def found(t, step):
    return log(t, f"Found new checkpoint at <dir>/model.ckpt-{step}")


@pytest.mark.parametrize(
    "version, message",
    [
        ("2.16", TIMED_OUT),
        ("2.18", TIMED_OUT),
        ("2.19", TIMED_OUT_NO_FN),
        ("2.21", TIMED_OUT_NO_FN),
    ],
)
@pytest.mark.parametrize(
    # Polls at 0, 1, 2, ... and gives up when now + 1 > timeout.
    "timeout, gives_up_at",
    [(0, 0.0), (-1, 0.0), (1, 1.0), (2.5, 2.0), (3, 3.0)],
)
def test_timeout_without_checkpoint(tmp_path, version, message, timeout, gives_up_at):
    trace = run(tmp_path, version, "t", (0, "mkdir"), kwargs={"timeout": timeout})
    assert trace == [waiting(0.0), log(gives_up_at, message), ("end", gives_up_at)]


def test_checkpoint_found_on_next_poll_then_timeout(tmp_path):
    trace = run(tmp_path, "2.21", "t", (0.5, "publish", 1), kwargs={"timeout": 2})
    assert trace == [
        waiting(0.0),
        found(1.0, 1),
        ("yield", 1.0, "<dir>/model.ckpt-1"),
        waiting(1.0),
        log(3.0, TIMED_OUT_NO_FN),
        ("end", 3.0),
    ]


def test_same_path_rewritten_is_not_new(tmp_path):
    trace = run(
        tmp_path, "2.21", "t", (0, "publish", 7), (0.5, "publish", 7), kwargs={"timeout": 1}
    )
    assert [e for e in trace if e[0] == "yield"] == [("yield", 0.0, "<dir>/model.ckpt-7")]


def test_path_going_backwards_is_new(tmp_path):
    trace = run(
        tmp_path, "2.21", "t", (0, "publish", 20), (0.5, "publish", 10), kwargs={"timeout": 1}
    )
    assert [e[2] for e in trace if e[0] == "yield"] == [
        "<dir>/model.ckpt-20",
        "<dir>/model.ckpt-10",
    ]


def test_min_interval_measured_from_before_the_yield(tmp_path):
    # Yield at 0; the consumer takes 0.5 s; the loop sleeps until 0 + 5 before polling again.
    trace = run(
        tmp_path,
        "2.21",
        "t",
        (0, "publish", 1),
        (1, "publish", 2),
        kwargs={"timeout": 1, "min_interval_secs": 5},
        consumer_delays=(0.5,),
    )
    yields = [e for e in trace if e[0] == "yield"]
    assert yields == [("yield", 0.0, "<dir>/model.ckpt-1"), ("yield", 5.0, "<dir>/model.ckpt-2")]


def test_slow_consumer_gets_no_extra_sleep(tmp_path):
    trace = run(
        tmp_path,
        "2.21",
        "t",
        (0, "publish", 1),
        (1, "publish", 2),
        kwargs={"timeout": 1, "min_interval_secs": 2},
        consumer_delays=(3,),
    )
    assert [e[1] for e in trace if e[0] == "yield"] == [0.0, 3.0]


@pytest.mark.parametrize("version", ["2.16", "2.19"])
def test_before_2_20_timeout_fn_only_after_timeouts(tmp_path, version):
    trace = run(
        tmp_path, version, "t", (0, "publish", 1), kwargs={"timeout": 1}, timeout_fn=(False, True)
    )
    # Each wait polls at t and t + 1 and gives up at t + 1 (t + 1 + 1 > t + 1).
    ends = [log(2.0, TIMED_OUT)] if version == "2.19" else []
    assert trace == [
        waiting(0.0),
        found(0.0, 1),
        ("yield", 0.0, "<dir>/model.ckpt-1"),
        waiting(0.0),
        ("timeout_fn", 1.0, "False"),
        waiting(1.0),
        ("timeout_fn", 2.0, "True"),
        *ends,
        ("end", 2.0),
    ]


def test_since_2_20_timeout_fn_after_every_yield(tmp_path):
    trace = run(tmp_path, "2.21", "t", (0, "publish", 1), kwargs={"timeout": 1}, timeout_fn=(True,))
    assert trace == [
        waiting(0.0),
        found(0.0, 1),
        ("yield", 0.0, "<dir>/model.ckpt-1"),
        ("timeout_fn", 0.0, "True"),
        log(0.0, DONE),
        ("end", 0.0),
    ]


@pytest.mark.parametrize("version, calls", [("2.16", 0), ("2.21", 1)])
def test_falsy_timeout_fn_object(tmp_path, version, calls):
    # Before 2.20, `if not timeout_fn` treats a falsy object as no timeout_fn;
    # from 2.20, `timeout_fn is None` does not, and it is called.
    trace = run(
        tmp_path, version, "t", kwargs={"timeout": 0}, timeout_fn=(True,), timeout_fn_falsy=True
    )
    assert sum(e[0] == "timeout_fn" for e in trace) == calls


def test_empty_state_file_raises_value_error_out_of_the_iterator(tmp_path):
    trace = run(
        tmp_path, "2.21", "t", (0, "publish", 1), (0.5, "empty_state"), kwargs={"timeout": 5}
    )
    assert trace[-1] == ("raise", 1.0, "ValueError", "Invalid checkpoint state loaded from <dir>")


def test_index_appearing_late(tmp_path):
    trace = run(
        tmp_path,
        "2.21",
        "t",
        (0, "publish_state", 1),
        (1.5, "write_files", 1),
        kwargs={"timeout": 3},
    )
    missing = "Couldn't match files for checkpoint <dir>/model.ckpt-1"
    assert trace[:5] == [
        waiting(0.0),
        log(0.0, missing, "ERROR"),
        log(1.0, missing, "ERROR"),
        found(2.0, 1),
        ("yield", 2.0, "<dir>/model.ckpt-1"),
    ]


def test_no_timeout_waits_until_the_clock_limit(tmp_path):
    trace = run(tmp_path, "2.21", "t", (0, "mkdir"), limit=5.0)
    assert trace == [waiting(0.0), ("limit", 5.0)]


def test_wait_for_new_checkpoint_returns_new_path(tmp_path):
    trace = run(
        tmp_path,
        "2.21",
        "t",
        (1.2, "publish", 5),
        kwargs={"timeout": 3, "seconds_to_sleep": 0.5},
        function="wait_for_new_checkpoint",
    )
    assert trace == [waiting(0.0), found(1.5, 5), ("return", 1.5, "<dir>/model.ckpt-5")]


@pytest.mark.parametrize("pathlike", [False, True], ids=["str", "pathlib"])
def test_iterator_is_a_generator_yielding_str(tmp_path, pathlike):
    import inspect

    assert inspect.isgeneratorfunction(tf_ckpt_compat.checkpoints_iterator)
    run = CheckpointDirectory(tmp_path)
    with FakeClock() as clock:
        clock.at(1, lambda: run.publish(1))
        clock.at(2, lambda: run.publish("final"))
        directory = tmp_path if pathlike else str(tmp_path)
        yielded = list(tf_ckpt_compat.checkpoints_iterator(directory, timeout=2))
    assert yielded == [run.prefix(1), run.prefix("final")]
    # str itself, as TensorFlow's os.path.join gives, whatever the directory's type.
    assert [type(path) for path in yielded] == [str, str]


def test_uses_time_module_at_call_time(tmp_path, monkeypatch):
    calls = []

    def fake_time():
        calls.append("time")
        return 100.0 + sum(1 for c in calls if c != "time")

    monkeypatch.setattr("time.time", fake_time)
    monkeypatch.setattr("time.sleep", lambda s: calls.append(("sleep", s)))
    assert tf_ckpt_compat.wait_for_new_checkpoint(tmp_path, timeout=1.5) is None
    # stop_time = 101.5; poll; 100 + 1 > 101.5 is false: sleep(1); poll; 101 + 1 > 101.5.
    assert calls == ["time", "time", ("sleep", 1), "time"]
