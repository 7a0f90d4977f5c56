"""`wait_for_new_checkpoint` and `checkpoints_iterator`, as TensorFlow wrote them.

TensorFlow has shipped three versions of the iterator loop (see the README):
  A, TF 1.14 to 2.18: `timeout_fn` only after a timeout; a true result ends silently.
  B, TF 2.19: as A, with two log messages changed.
  C, TF 2.20 on: `timeout_fn` also after every yield; its own log messages.
The loops call `time.time()` and `time.sleep()` through the `time` module at
call time, as TensorFlow does, so that tests patching them see the same calls.
"""

from __future__ import annotations

import os
import time

from . import _backend, _management
from ._log import LOG as _LOG
from ._signature import tf_signature
from ._tf_version import reproduced_variant
from ._tf_version import set_tf_version as set_tf_version  # the public name's home
from ._tf_version import variant_of as _variant_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Generator


def loop_variant() -> str:
    """Returns the loop being reproduced: `"A"` (TF <= 2.18), `"B"` (2.19) or `"C"` (>= 2.20).

    With the `tensorflow` backend, the installed TensorFlow's version decides
    (this imports TensorFlow). With the `pure` backend, `set_tf_version()`, else
    `TF_CKPT_COMPAT_TF_VERSION`, else C, today's TensorFlow.

    Raises:
      ValueError: if the version asked for is not a version number, or the
        backend choice is invalid.
    """
    if _backend.backend() == "tensorflow":
        return _variant_of(_backend.implementation().VERSION, source="tensorflow.__version__")
    return reproduced_variant()


@tf_signature
def wait_for_new_checkpoint(
    checkpoint_dir: str | os.PathLike[str],
    last_checkpoint: str | None = None,
    seconds_to_sleep: float = 1,
    timeout: float | None = None,
) -> str | None:
    """Waits until a new checkpoint file is found.

    TensorFlow keeps this in `tensorflow.python.training.checkpoint_utils`
    (TF 1.x exported it as `tf.contrib.training.wait_for_new_checkpoint`); it
    behaves the same in every TensorFlow version.

    It logs INFO `Waiting for new checkpoint at <dir>`, then polls
    `latest_checkpoint(checkpoint_dir)` once before any timeout check, sleeping
    `seconds_to_sleep` between polls. A path is new when it differs, as a string,
    from `last_checkpoint`. It gives up as soon as `time.time() + seconds_to_sleep`
    would pass `timeout` seconds after the call began.

    Args:
      checkpoint_dir: The directory in which checkpoints are saved.
      last_checkpoint: The last checkpoint path used or `None` if we're expecting
        a checkpoint for the first time.
      seconds_to_sleep: The number of seconds to sleep for before looking for a
        new checkpoint.
      timeout: The maximum number of seconds to wait. If left as `None`, then the
        process will wait indefinitely.

    Returns:
      a new checkpoint path, or None if the timeout was reached.

    Raises:
      ValueError: if the state file has no `model_checkpoint_path` (for example
        an empty file), as `latest_checkpoint` raises it.
    """
    _LOG.info("Waiting for new checkpoint at %s", checkpoint_dir)
    stop_time = time.time() + timeout if timeout is not None else None
    while True:
        checkpoint_path = _management.latest_checkpoint(checkpoint_dir)
        if checkpoint_path is None or checkpoint_path == last_checkpoint:
            if stop_time is not None and time.time() + seconds_to_sleep > stop_time:
                return None
            time.sleep(seconds_to_sleep)
        else:
            _LOG.info("Found new checkpoint at %s", checkpoint_path)
            return checkpoint_path


@tf_signature
def checkpoints_iterator(
    checkpoint_dir: str | os.PathLike[str],
    min_interval_secs: float = 0,
    timeout: float | None = None,
    timeout_fn: Callable[[], object] | None = None,
) -> Generator[str, None, None]:
    """Continuously yield new checkpoint files as they appear.

    The iterator only checks for new checkpoints when control flow has been
    reverted to it. This means it can miss checkpoints if your code takes longer
    to run between iterations than `min_interval_secs` or the interval at which
    new checkpoints are written.

    The `timeout` argument is the maximum number of seconds to block waiting for
    a new checkpoint. It is used in combination with the `timeout_fn` as
    follows, depending on the TensorFlow version reproduced (`loop_variant()`):

    * TF 1.14 to 2.18 (A) and 2.19 (B): when the timeout expires, the iterator
      stops if there is no `timeout_fn` (it logs INFO `Timed-out waiting for a
      checkpoint.`, or in B `Timed-out waiting for a checkpoint (without
      timeout_fn).`). Otherwise `timeout_fn()` is called: a true result stops
      the iterator (silently in A; in B after logging `Timed-out waiting for a
      checkpoint.`), a false one resumes the wait. A falsy `timeout_fn` object
      counts as none.
    * TF 2.20 and later (C): when the timeout expires without a `timeout_fn`
      (`timeout_fn is None`), the iterator logs `Timed-out waiting for a
      checkpoint (without timeout_fn).` and stops. Otherwise `timeout_fn()` is
      called after every timeout AND after every yielded checkpoint (once the
      consumer resumes and the `min_interval_secs` wait is over); a true result
      logs `Done. No new checkpoints will be generated.` and stops.

    Args:
      checkpoint_dir: The directory in which checkpoints are saved.
      min_interval_secs: The minimum number of seconds between yielding
        checkpoints, measured from just before each yield.
      timeout: The maximum number of seconds to wait between checkpoints. If left
        as `None`, then the process will wait indefinitely.
      timeout_fn: Optional function to call after a timeout (and, from TF 2.20
        on, after each checkpoint). If the function returns True, then it means
        that no new checkpoints will be generated and the iterator will exit.
        The function is called with no arguments.

    Yields:
      String paths to latest checkpoint files as they arrive.

    Raises:
      ValueError: from `latest_checkpoint` when the state file has no model
        path; any other exception from reading the state file or from
        `timeout_fn` likewise propagates unchanged.
    """
    variant = loop_variant()
    if variant == "C":
        yield from _loop_since_2_20(checkpoint_dir, min_interval_secs, timeout, timeout_fn)
    else:
        yield from _loop_until_2_19(
            checkpoint_dir, min_interval_secs, timeout, timeout_fn, variant == "B"
        )


def _yield_spaced(checkpoint_path: str, min_interval_secs: float) -> Generator[str, None, None]:
    start = time.time()
    yield checkpoint_path
    time_to_next_eval = start + min_interval_secs - time.time()
    if time_to_next_eval > 0:
        time.sleep(time_to_next_eval)


def _loop_until_2_19(
    checkpoint_dir: str | os.PathLike[str],
    min_interval_secs: float,
    timeout: float | None,
    timeout_fn: Callable[[], object] | None,
    is_2_19: bool,
) -> Generator[str, None, None]:
    checkpoint_path: str | None = None
    while True:
        new_checkpoint_path = wait_for_new_checkpoint(
            checkpoint_dir, checkpoint_path, timeout=timeout
        )
        if new_checkpoint_path is None:
            if not timeout_fn:
                if is_2_19:
                    _LOG.info("Timed-out waiting for a checkpoint (without timeout_fn).")
                else:
                    _LOG.info("Timed-out waiting for a checkpoint.")
                return
            if timeout_fn():
                if is_2_19:
                    _LOG.info("Timed-out waiting for a checkpoint.")
                return
            continue
        checkpoint_path = new_checkpoint_path
        yield from _yield_spaced(checkpoint_path, min_interval_secs)


def _loop_since_2_20(
    checkpoint_dir: str | os.PathLike[str],
    min_interval_secs: float,
    timeout: float | None,
    timeout_fn: Callable[[], object] | None,
) -> Generator[str, None, None]:
    checkpoint_path: str | None = None
    while True:
        new_checkpoint_path = wait_for_new_checkpoint(
            checkpoint_dir, checkpoint_path, timeout=timeout
        )
        if new_checkpoint_path:
            checkpoint_path = new_checkpoint_path
            yield from _yield_spaced(checkpoint_path, min_interval_secs)
        elif timeout_fn is None:
            _LOG.info("Timed-out waiting for a checkpoint (without timeout_fn).")
            return
        if timeout_fn is not None and timeout_fn():
            _LOG.info("Done. No new checkpoints will be generated.")
            return
