"""The simulated trainer of `tf-ckpt-compat demo`.

A thread publishes checkpoints as TensorFlow 2 does (the `.index` and `.data`
files, then the state file, written atomically by the package's pure writer)
and remembers when it published each one, so that the watch, which is the real
`watch` code (`_cli.follow`), can say how late it found them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time

from .testing import CheckpointDirectory

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

KEEP = 3  # as tf.train.CheckpointManager(max_to_keep=3): older files are deleted
STEP = 100  # training steps between two checkpoints
# The iterator polls once a second: a timeout of INTERVAL + 2 seconds leaves a
# full poll of slack after each expected checkpoint before the watch gives up.
TIMEOUT_SLACK = 2.0


@contextlib.contextmanager
def run_directory(directory: str | None) -> Iterator[str]:
    """Yields `directory`, or a path in a temporary directory removed on exit.

    The temporary path does not exist until the first checkpoint: the watch
    starts by waiting for the directory itself, as TensorFlow's does.
    """
    if directory is not None:
        yield directory
        return
    with tempfile.TemporaryDirectory(prefix="tf-ckpt-compat-demo-") as parent:
        yield os.path.join(parent, "run")


class Trainer(threading.Thread):
    """Publishes `count` checkpoints into `directory`, one every `interval` seconds.

    Args:
      directory: where to publish; created with the first checkpoint.
      count: how many checkpoints.
      interval: seconds before each one (the first included).
    """

    def __init__(self, directory: str, count: int, interval: float) -> None:
        super().__init__(name="demo-trainer", daemon=True)
        self.run_dir = CheckpointDirectory(directory)
        self.count = count
        self.interval = interval
        self.watch_timeout = interval + TIMEOUT_SLACK
        self.published: dict[str, float] = {}  # prefix -> time.time() of its publication
        self.found: dict[str, float] = {}  # prefix -> seconds from publication to discovery
        self.missed: set[str] = set()  # replaced by a newer one before a poll saw them
        self.error: Exception | None = None
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            for step in range(STEP, STEP * (self.count + 1), STEP):
                if self._stopping.wait(self.interval):
                    return
                self._publish(step)
        except Exception as e:  # reported by the demo command, not as a thread traceback
            self.error = e

    def _publish(self, step: int) -> None:
        prefix = self.run_dir.prefix(step)
        # Recorded before the state file is written: nothing can find the
        # checkpoint before this time.
        self.published[prefix] = time.time()
        try:
            self.run_dir.publish(step, keep=KEEP)
        except BaseException:
            del self.published[prefix]  # it never was
            raise

    def stop(self) -> None:
        """Stops publishing and waits for the thread to end."""
        self._stopping.set()
        if self.is_alive():
            self.join()

    def intro(self, backend: str, removed: bool) -> str:
        """The demo's first line: what is about to happen."""
        where = self.run_dir.directory + (" (removed at the end)" if removed else "")
        return (
            f"demo: a trainer publishes {self.count} checkpoints, one every {self.interval:g} s, "
            f"into {where}; watching with checkpoints_iterator (backend {backend}, "
            f"timeout {self.watch_timeout:g} s)"
        )

    def arrival(self, path: str, found: float) -> str:
        """The line for checkpoint `path`, found by the watch at `found`."""
        published = self.published[path]
        order = list(self.published)  # a copy: the trainer thread adds to it
        missed = [
            prefix
            for prefix in order[: order.index(path)]
            if prefix not in self.found and prefix not in self.missed
        ]
        self.missed.update(missed)
        self.found[path] = found - published
        line = f"{os.path.basename(path)}  found {found - published:.2f} s after it was published"
        if missed:
            names = [os.path.basename(prefix) for prefix in missed]
            if len(names) > 3:
                names = [f"{len(names)} checkpoints, {names[0]} to {names[-1]}"]
            line += f"  (missed {', '.join(names)}: replaced before the next poll)"
        return line

    def summary(self) -> str:
        """The demo's last line."""
        latencies = sorted(self.found.values())
        line = (
            f"demo: {len(self.published)} published, {len(self.found)} found, "
            f"{len(self.missed)} missed"
        )
        if latencies:
            mean = sum(latencies) / len(latencies)
            line += (
                f"; found {latencies[0]:.2f} to {latencies[-1]:.2f} s after publication "
                f"(mean {mean:.2f} s; the iterator polls once a second)"
            )
        if self.error is not None:
            return line + "; the trainer failed"
        return line + f"; the watch ended after {self.watch_timeout:g} s without a new one"
