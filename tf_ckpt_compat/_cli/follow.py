"""Following a directory with `checkpoints_iterator` or `watch()` (for `watch` and `demo`)."""

from __future__ import annotations

import contextlib
import functools
import os
import time

import tf_ckpt_compat

from .. import _storage
from .._storage.paths import is_local, state_file
from .common import check_state_file
from .exits import EXIT_OK, EXIT_USAGE, CliError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from .._console import Console
    from .._watch import Checkpoint, Watch


# How the library and TensorFlow start the ValueError of a state file without a model path.
_INVALID_STATE = "Invalid checkpoint state loaded from "


def follow(
    console: Console,
    directory: str,
    on_checkpoint: Callable[[Checkpoint | str, float], int | None],
    timeout: float | None = None,
    min_interval: float = 0.0,
    count: int | None = None,
    every: dict[str, Any] | None = None,
) -> int:
    """Follows `directory`, handing each checkpoint to `on_checkpoint`.

    Args:
      console: where the status line and the log lines go.
      directory: the directory to watch; it need not exist yet.
      on_checkpoint: called with each checkpoint (a path from the iterator, a
        `Checkpoint` from `watch()`) and the `time.time()` it was found at; a
        non-None result stops the watch and is returned.
      timeout: the iterator's or the watch's `timeout` (None: wait forever).
      min_interval: the iterator's `min_interval_secs`.
      count: stop after this many checkpoints (None: never).
      every: None follows with `checkpoints_iterator`; else `watch()` is used
        (`watch_many()` with `many`), with these options (`start`, `pin`, `record`).

    Returns:
      0 when the iterator ends or `count` is reached, else what `on_checkpoint` returned.

    Raises:
      CliError: when the state file cannot be decoded or names no checkpoint
        (the iterator only: `watch()` waits for a good one).
    """
    watched_state_file = state_file(directory)
    # The iterator would block on a state file that became a FIFO; watch() waits it out.
    guard = None if every is not None else functools.partial(check_state_file, watched_state_file)
    watch: Watch | None = None
    if every is None:
        iterator = tf_ckpt_compat.checkpoints_iterator(
            directory, min_interval_secs=min_interval, timeout=timeout
        )
        close = iterator.close
        checkpoints: Iterator[Checkpoint | str] = iterator
    else:
        watch = open_watch(directory, timeout, every)
        close = watch.close
        checkpoints = watch
    try:
        last = None
        handled = 0
        while count is None or handled < count:
            console.show_status(_waiting_status(directory, last, timeout), guard)
            with state_file_errors(watched_state_file):
                checkpoint = next(checkpoints, None)
            if checkpoint is None:
                return EXIT_OK
            found = time.time() if isinstance(checkpoint, str) else checkpoint.detected_at
            last = checkpoint if isinstance(checkpoint, str) else checkpoint.listed_path
            console.show_status(None)  # the consumer (an --exec command) may write
            console.forget_repeats()
            stop = on_checkpoint(checkpoint, found)
            if stop is not None:
                return stop
            handled += 1
        if watch is not None:
            watch.mark_done()  # the last one is done: a restart must not redo it
        return EXIT_OK
    finally:
        console.show_status(None)
        close()


def open_watch(directory: str, timeout: float | None, every: dict[str, Any]) -> Watch:
    """`watch()`, or with `every["many"]` `watch_many()`, with the other options of `every`."""
    options = dict(every)
    if options.pop("many", False):
        return tf_ckpt_compat.watch_many(directory, timeout=timeout, **options)
    return tf_ckpt_compat.watch(directory, timeout=timeout, **options)


def _waiting_status(directory: str, last: str | None, timeout: float | None) -> Callable[[], str]:
    since = time.monotonic()
    what = "a first checkpoint" if last is None else f"a newer one than {os.path.basename(last)}"
    limit = "" if timeout is None else f" (timeout {timeout:g}s)"

    def describe() -> str:
        # The changing part first: a long path is what gets cut at the edge.
        waiting = f"waiting {_duration(time.monotonic() - since)}{limit}"
        # Only on a disk: on object stores each repaint would cost a request.
        if is_local(directory) and not _storage.for_path(directory).isdir(directory):
            return f"{waiting}: {directory} does not exist yet"
        return f"{waiting} for {what} in {directory}"

    return describe


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{int(seconds)}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    return f"{minutes // 60}h{minutes % 60:02d}m"


@contextlib.contextmanager
def state_file_errors(path: str) -> Iterator[None]:
    """Turns the library's exceptions for a bad state file at `path` into one-line errors."""
    try:
        yield
    except UnicodeDecodeError as e:
        raise CliError(f"{path} is not UTF-8 text ({e.reason} at offset {e.start})") from None
    except UnicodeEncodeError as e:
        # A name the backend cannot encode: TensorFlow takes only UTF-8 paths,
        # so a directory named with other bytes can never be read through it.
        raise CliError(
            f"cannot use the path {path}: its name cannot be encoded ({e})", EXIT_USAGE
        ) from None
    except ValueError as e:
        if not str(e).startswith(_INVALID_STATE):
            raise  # not about the state file: reported as what it is
        raise CliError(f"{e} ({path} has no model_checkpoint_path)") from None
