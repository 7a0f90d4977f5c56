"""What `watch()` yields: one checkpoint, with the path to load it from while it is held."""

from __future__ import annotations

import re

_STEP = re.compile(r"-(\d+)$")


def step_of(path: str) -> int | None:
    """The trailing `-<int>` of a checkpoint path (`ckpt-1200` -> 1200), or None."""
    match = _STEP.search(path)
    return int(match.group(1)) if match else None


class Checkpoint:
    """A checkpoint found by `tf_ckpt_compat.watch()`.

    It is an `os.PathLike`, and `str()` gives `path`, so code written for the
    paths of `checkpoints_iterator` keeps working with it.

    Attributes:
      path: the prefix to load from, e.g. with `tf.train.load_checkpoint` or
        `tf_ckpt_compat.load_checkpoint`. With pinning, this is the pinned copy
        (hard links in a hidden directory beside the checkpoint), which stays
        loadable until the consumer asks for the next item, even after the
        trainer deletes the checkpoint; without it, `listed_path`.
      listed_path: the path as the state file names it (joined to the
        watched directory when relative, as `latest_checkpoint` returns it).
      step: the trailing `-<int>` of `listed_path`, or None.
      timestamp: the checkpoint's entry in `all_model_checkpoint_timestamps`
        (seconds since the epoch, written by `tf.train.CheckpointManager`), or None.
      detected_at: the `time.time()` at which the watch found it complete.
      run: the watched directory it belongs to (for `watch_many()`, the run
        directory the pattern matched).
    """

    __slots__ = ("path", "listed_path", "step", "timestamp", "detected_at", "run")

    path: str
    listed_path: str
    step: int | None
    timestamp: float | None
    detected_at: float
    run: str

    def __init__(
        self,
        path: str,
        listed_path: str,
        timestamp: float | None,
        detected_at: float,
        run: str,
    ) -> None:
        self.path = path
        self.listed_path = listed_path
        self.step = step_of(listed_path)
        self.timestamp = timestamp
        self.detected_at = detected_at
        self.run = run

    def __fspath__(self) -> str:
        return self.path

    def __str__(self) -> str:
        return self.path

    def __repr__(self) -> str:
        return (
            f"Checkpoint(path={self.path!r}, listed_path={self.listed_path!r}, "
            f"step={self.step!r}, timestamp={self.timestamp!r}, "
            f"detected_at={self.detected_at!r}, run={self.run!r})"
        )
