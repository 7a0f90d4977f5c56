"""Iterator scenarios: a directory changing on a fake clock, and a consumer.

Each scenario is run once through TensorFlow's `checkpoints_iterator` and once
through this package's, each in a fresh directory and on a fresh fake clock;
the two traces (yields, `timeout_fn` calls, log records, the end) must be
equal. Times are seconds after the clock's start.

The watched directory does not exist until an event creates it. Events
(`(time, action, *args)`) are run by `CheckpointDirectory`; those at time 0 run
before the iterator starts:
  mkdir                 create the directory, empty
  publish STEP          files, then the state file naming checkpoint STEP
  publish_state STEP    the state file only (its files come later, or never)
  write_files STEP      a checkpoint's .index and .data files
  delete_files STEP     a checkpoint's files (the max_to_keep race)
  write_state TEXT      the state file's content, as it is
  empty_state           an empty state file
  delete_state          no state file
"""

from __future__ import annotations

from typing import NamedTuple, Union

# (time, action) or (time, action, argument): see the module docstring.
Event = Union[tuple[float, str], tuple[float, str, object]]


class IteratorScenario(NamedTuple):
    name: str
    events: tuple[Event, ...] = ()
    # Keyword arguments for checkpoints_iterator (or wait_for_new_checkpoint).
    kwargs: dict[str, float] = {}
    # What successive timeout_fn() calls return (the last repeats); None: no timeout_fn.
    # "falsy" wraps the callable in an object whose truth value is False.
    timeout_fn: tuple[object, ...] | None = None
    timeout_fn_falsy: bool = False
    # Seconds the consumer spends on each yielded checkpoint (the last repeats).
    consumer_delays: tuple[float, ...] = (0.0,)
    # Stop consuming (close the generator) after this many yields.
    take: int | None = None
    # The directory is passed as a pathlib.Path instead of a str.
    pathlike: bool = False
    # Call wait_for_new_checkpoint instead, with kwargs; `last` is a step or None.
    wait_last: int | None = None
    function: str = "checkpoints_iterator"
    # Fake seconds after which a run that has not ended is stopped.
    limit: float = 60.0


def _s(name: str, *events: Event, **fields: object) -> IteratorScenario:
    return IteratorScenario(name, tuple(events), **fields)  # type: ignore[arg-type]


SCENARIOS: tuple[IteratorScenario, ...] = (
    # No checkpoint at all: every timeout rule, no timeout_fn.
    _s("empty_dir_timeout_0", (0, "mkdir"), kwargs={"timeout": 0}),
    _s("empty_dir_timeout_2_5", (0, "mkdir"), kwargs={"timeout": 2.5}),
    _s("empty_dir_timeout_3", (0, "mkdir"), kwargs={"timeout": 3}),
    _s("empty_dir_timeout_negative", (0, "mkdir"), kwargs={"timeout": -1}),
    _s("empty_dir_timeout_1", (0, "mkdir"), kwargs={"timeout": 1}),
    _s("empty_dir_no_timeout_hits_limit", (0, "mkdir"), limit=5.0),
    _s("missing_dir_timeout_2", kwargs={"timeout": 2}),
    _s("dir_created_later", (1.5, "publish", 1), kwargs={"timeout": 2}),
    # Checkpoints arriving.
    _s("one_checkpoint_then_timeout", (0.5, "publish", 1), kwargs={"timeout": 2}),
    _s("present_at_start", (0, "publish", 1), kwargs={"timeout": 1}),
    _s(
        "faster_than_poll",
        (0.1, "publish", 1),
        (0.2, "publish", 2),
        (0.3, "publish", 3),
        (2.5, "publish", 4),
        (2.6, "publish", 5),
        kwargs={"timeout": 3},
    ),
    _s("same_path_rewritten", (0.5, "publish", 7), (3.5, "publish", 7), kwargs={"timeout": 5}),
    _s(
        "path_goes_backwards",
        (0.5, "publish", 20),
        (2.5, "publish", 10),
        (4.5, "publish", 20),
        kwargs={"timeout": 3},
    ),
    _s(
        "min_interval_fast_consumer",
        (0, "publish", 1),
        (1.5, "publish", 2),
        (2.5, "publish", 3),
        kwargs={"timeout": 4, "min_interval_secs": 5},
        consumer_delays=(0.5,),
    ),
    _s(
        "min_interval_slow_consumer",
        (0, "publish", 1),
        (1.5, "publish", 2),
        (2.5, "publish", 3),
        kwargs={"timeout": 4, "min_interval_secs": 2},
        consumer_delays=(3.25,),
    ),
    _s(
        "min_interval_fractional",
        (0.25, "publish", 1),
        (0.75, "publish", 2),
        kwargs={"timeout": 2, "min_interval_secs": 1.5},
        consumer_delays=(0.1,),
    ),
    _s(
        "consumer_slower_than_trainer_misses_some",
        (0, "publish", 1),
        (1, "publish", 2),
        (2, "publish", 3),
        (3, "publish", 4),
        kwargs={"timeout": 2},
        consumer_delays=(2.5,),
    ),
    _s("take_one_and_close", (0, "publish", 1), (1, "publish", 2), take=1),
    # timeout_fn.
    _s("timeout_fn_true", kwargs={"timeout": 2}, timeout_fn=(True,)),
    _s("timeout_fn_false_then_true", kwargs={"timeout": 2}, timeout_fn=(False, False, True)),
    _s(
        "timeout_fn_false_then_checkpoint",
        (3, "publish", 1),
        kwargs={"timeout": 2},
        timeout_fn=(False, False, True),
    ),
    _s(
        "timeout_fn_true_right_after_yield",
        (0, "publish", 1),
        (0.5, "publish", 2),
        kwargs={"timeout": 2},
        timeout_fn=(True,),
    ),
    _s(
        "timeout_fn_false_after_yields",
        (0, "publish", 1),
        (1.5, "publish", 2),
        kwargs={"timeout": 1},
        timeout_fn=(False, False, False, True),
    ),
    _s("timeout_fn_nonbool_values", kwargs={"timeout": 1}, timeout_fn=(0, "", [], "done")),
    _s("timeout_fn_none_result", kwargs={"timeout": 1}, timeout_fn=(None, None, 1)),
    _s(
        "timeout_fn_without_timeout",
        (0, "publish", 1),
        (2, "publish", 2),
        timeout_fn=(False, True),
        limit=10.0,
    ),
    _s(
        "timeout_fn_with_min_interval",
        (0, "publish", 1),
        (1, "publish", 2),
        kwargs={"timeout": 1, "min_interval_secs": 3},
        timeout_fn=(False, True),
    ),
    _s("falsy_timeout_fn_object", kwargs={"timeout": 1}, timeout_fn=(True,), timeout_fn_falsy=True),
    _s(
        "timeout_fn_raises",
        (0, "publish", 1),
        kwargs={"timeout": 1},
        timeout_fn=("raise",),
    ),
    # The state file misbehaving.
    _s(
        "state_deleted_and_recreated",
        (0, "publish", 1),
        (1.5, "delete_state"),
        (3.5, "publish", 2),
        kwargs={"timeout": 4},
    ),
    _s(
        "index_appears_late",
        (0.5, "publish_state", 1),
        (2.5, "write_files", 1),
        kwargs={"timeout": 4},
    ),
    _s("empty_state_mid_run", (0, "publish", 1), (1.5, "empty_state"), kwargs={"timeout": 5}),
    _s("empty_state_at_start", (0, "empty_state"), kwargs={"timeout": 5}),
    _s(
        "malformed_state_mid_run",
        (0, "publish", 1),
        (1.5, "write_state", "model_checkpoint_path: {oops"),
        (3.5, "publish", 2),
        kwargs={"timeout": 3},
    ),
    _s(
        "files_deleted_under_state",
        (0, "publish", 1),
        (1.5, "publish", 2),
        (1.6, "delete_files", 2),
        (3.5, "publish", 3),
        kwargs={"timeout": 3},
    ),
    _s(
        "state_names_other_only_fields",
        (0.5, "write_state", "all_model_checkpoint_paths: 'x'\n"),
        kwargs={"timeout": 3},
    ),
    _s("pathlib_directory", (0.5, "publish", 1), kwargs={"timeout": 2}, pathlike=True),
    # wait_for_new_checkpoint on its own.
    _s(
        "wait_nothing",
        kwargs={"timeout": 2.5, "seconds_to_sleep": 1},
        function="wait_for_new_checkpoint",
    ),
    _s(
        "wait_found_later",
        (1.2, "publish", 5),
        kwargs={"timeout": 3, "seconds_to_sleep": 0.5},
        function="wait_for_new_checkpoint",
    ),
    _s(
        "wait_same_as_last",
        (0, "publish", 5),
        kwargs={"timeout": 2, "seconds_to_sleep": 1},
        wait_last=5,
        function="wait_for_new_checkpoint",
    ),
    _s(
        "wait_newer_than_last",
        (0, "publish", 6),
        kwargs={"timeout": 2},
        wait_last=5,
        function="wait_for_new_checkpoint",
    ),
    _s(
        "wait_big_sleep_small_timeout",
        kwargs={"timeout": 1, "seconds_to_sleep": 3},
        function="wait_for_new_checkpoint",
    ),
)
