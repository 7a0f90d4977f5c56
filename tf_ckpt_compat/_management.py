"""The public checkpoint-state functions, served by the active backend.

Each function here is a thin, documented front: the work is done by TensorFlow
(`_tf`) or by the pure port of TensorFlow's code (`_pure`), whichever
`_backend` picks at call time.
"""

from __future__ import annotations

import os

from . import _backend
from ._signature import tf_signature
from ._state import CheckpointState

# `_backend.implementation()` is a module picked at run time, so its functions
# return Any to a type checker: each front states its result's type in a local.


@tf_signature
def get_checkpoint_state(
    checkpoint_dir: str | os.PathLike[str], latest_filename: str | None = None
) -> CheckpointState | None:
    """Returns CheckpointState proto from the "checkpoint" file.

    If the "checkpoint" file contains a valid CheckpointState proto, returns it.
    The file is `os.path.join(checkpoint_dir, latest_filename or "checkpoint")`;
    relative paths inside it are joined to `checkpoint_dir` (anything
    `os.path.isabs` calls relative, `gs://...` included, as in TensorFlow).

    With the `pure` backend the result is a `tf_ckpt_compat.CheckpointState`;
    with the `tensorflow` backend it is TensorFlow's own proto. Both have the
    same four fields.

    Args:
      checkpoint_dir: The directory of checkpoints (a `str` or `os.PathLike`).
      latest_filename: Optional name of the checkpoint file.  Default to
        'checkpoint'.

    Returns:
      A CheckpointState if the state was available, None otherwise: None with no
      log when the file does not exist; None after two WARNING lines on the
      `tensorflow` logger when it cannot be read or parsed.

    Raises:
      ValueError: if the checkpoint read doesn't have model_checkpoint_path set
        (an empty file, for instance).
      UnicodeDecodeError: if the file is not valid UTF-8.
    """
    state: CheckpointState | None = _backend.implementation().get_checkpoint_state(
        checkpoint_dir, latest_filename
    )
    return state


@tf_signature
def latest_checkpoint(
    checkpoint_dir: str | os.PathLike[str], latest_filename: str | None = None
) -> str | None:
    """Finds the filename of latest saved checkpoint file.

    Reads the state file and returns its `model_checkpoint_path` when
    `<path>.index` (TensorFlow 2 checkpoints) or `<path>` itself (TensorFlow 1)
    exists, with TensorFlow's glob rules for paths that hold `*?[\\`. When
    neither exists it logs ERROR `Couldn't match files for checkpoint <path>`.

    Args:
      checkpoint_dir: Directory where the variables were saved.
      latest_filename: Optional name for the protocol buffer file that
        contains the list of most recent checkpoint filenames.
        See the corresponding argument to `v1.train.Saver.save`.

    Returns:
      The full path to the latest checkpoint or `None` if no checkpoint was found.

    Raises:
      ValueError, UnicodeDecodeError: as `get_checkpoint_state`.
    """
    path: str | None = _backend.implementation().latest_checkpoint(checkpoint_dir, latest_filename)
    return path


@tf_signature
def generate_checkpoint_state_proto(
    save_dir: str,
    model_checkpoint_path: str,
    all_model_checkpoint_paths: list[str] | None = None,
    all_model_checkpoint_timestamps: list[float] | None = None,
    last_preserved_timestamp: float | None = None,
) -> CheckpointState:
    """Generates a checkpoint state proto.

    As TensorFlow: `model_checkpoint_path` is appended to
    `all_model_checkpoint_paths` (the caller's list, in place) unless it is its
    last element, with an INFO log; when `save_dir` is relative, relative paths
    are rewritten relative to it.

    Args:
      save_dir: Directory where the model was saved.
      model_checkpoint_path: The checkpoint file.
      all_model_checkpoint_paths: List of strings.  Paths to all not-yet-deleted
        checkpoints, sorted from oldest to newest.  If this is a non-empty list,
        the last element must be equal to model_checkpoint_path.  These paths
        are also saved in the CheckpointState proto.
      all_model_checkpoint_timestamps: A list of floats, indicating the number of
        seconds since the Epoch when each checkpoint was generated.
      last_preserved_timestamp: A float, indicating the number of seconds since
        the Epoch when the last preserved checkpoint was written, e.g. due to a
        `keep_checkpoint_every_n_hours` parameter.

    Returns:
      CheckpointState (TensorFlow's proto with the `tensorflow` backend).

    Raises:
      ValueError: If `all_model_checkpoint_timestamps` was provided but its length
        does not match `all_model_checkpoint_paths`.
    """
    state: CheckpointState = _backend.implementation().generate_checkpoint_state_proto(
        save_dir,
        model_checkpoint_path,
        all_model_checkpoint_paths,
        all_model_checkpoint_timestamps,
        last_preserved_timestamp,
    )
    return state


def update_checkpoint_state(
    save_dir: str | os.PathLike[str],
    model_checkpoint_path: str | os.PathLike[str],
    all_model_checkpoint_paths: list[str | os.PathLike[str]] | None = None,
    latest_filename: str | None = None,
    all_model_checkpoint_timestamps: list[float] | None = None,
    last_preserved_timestamp: float | None = None,
    *,
    save_relative_paths: bool = False,
) -> None:
    """Updates the content of the 'checkpoint' file, atomically.

    Writes exactly the bytes TensorFlow writes (protobuf's text format), to a
    temporary file in the same directory that is then renamed over the state
    file: a reader sees the old file or the new one, never half of one. A failed
    write leaves the old file as it was and no temporary file behind.

    This is `tf.compat.v1.train.update_checkpoint_state` plus the keyword
    `save_relative_paths` of TensorFlow's internal variant (the one
    `tf.train.CheckpointManager` uses); `compat.v1.train.update_checkpoint_state`
    has TensorFlow's exact signature and types. TensorFlow's one-time
    deprecation notice is not logged.

    Every path may be an `os.PathLike`, as for the readers (TensorFlow's own
    takes one for `save_dir` only); those in `all_model_checkpoint_paths` are
    replaced by strings in the caller's list, which TensorFlow appends to.

    Args:
      save_dir: Directory where the model was saved.
      model_checkpoint_path: The checkpoint file.
      all_model_checkpoint_paths: List of strings.  Paths to all not-yet-deleted
        checkpoints, sorted from oldest to newest.  If this is a non-empty list,
        the last element must be equal to model_checkpoint_path.  These paths
        are also saved in the CheckpointState proto.
      latest_filename: Optional name of the checkpoint file.  Default to
        'checkpoint'.
      all_model_checkpoint_timestamps: Optional list of timestamps (floats,
        seconds since the Epoch) indicating when the checkpoints in
        `all_model_checkpoint_paths` were created.
      last_preserved_timestamp: A float, indicating the number of seconds since
        the Epoch when the last preserved checkpoint was written.
      save_relative_paths: If `True`, absolute paths are written relative to
        `save_dir`. As in TensorFlow, it needs a list for
        `all_model_checkpoint_paths` (None raises `TypeError`).

    Raises:
      RuntimeError: If any of the model checkpoint paths conflict with the file
        containing CheckpointSate.
      ValueError: as `generate_checkpoint_state_proto`.
      errors.OpError: if the file cannot be written: TensorFlow's subclass
        for the failure (`NotFoundError` for a missing directory), which with
        the pure backend is also the matching `OSError` (`FileNotFoundError`).
    """
    if all_model_checkpoint_paths is not None:
        # In the caller's list, which TensorFlow appends to as well.
        for i, path in enumerate(all_model_checkpoint_paths):
            all_model_checkpoint_paths[i] = _fspath(path)
    _backend.implementation().update_checkpoint_state_internal(
        _fspath(save_dir),
        _fspath(model_checkpoint_path),
        all_model_checkpoint_paths,
        latest_filename,
        save_relative_paths,
        all_model_checkpoint_timestamps,
        last_preserved_timestamp,
    )


@tf_signature
def checkpoint_exists(checkpoint_prefix: str) -> bool:
    """Checks whether a V1 or V2 checkpoint exists with the specified prefix.

    True when `<prefix>.index` (V2) or `<prefix>` (V1) matches a file, with
    TensorFlow's glob rules. TensorFlow's one-time deprecation notice is not
    logged.

    Args:
      checkpoint_prefix: the prefix of a V1 or V2 checkpoint, with V2 taking
        priority.  Typically the result of `Saver.save()` or that of
        `tf.train.latest_checkpoint()`, regardless of sharded/non-sharded or
        V1/V2.

    Returns:
      A bool, true if a checkpoint referred to by `checkpoint_prefix` exists.
    """
    exists: bool = _backend.implementation().checkpoint_exists(checkpoint_prefix)
    return exists


@tf_signature
def get_checkpoint_mtimes(checkpoint_prefixes: list[str]) -> list[float]:
    """Returns the mtimes (modification timestamps) of the checkpoints.

    For each prefix, the mtime of the first file matching `<prefix>.index`, or
    else `<prefix>`; prefixes with no files are skipped, so the result can be
    shorter than the input. TensorFlow's one-time deprecation notice is not
    logged.

    Args:
      checkpoint_prefixes: a list of checkpoint paths, typically the results of
        `Saver.save()` or those of `tf.train.latest_checkpoint()`, regardless of
        sharded/non-sharded or V1/V2.

    Returns:
      A list of mtimes, in seconds since the Epoch (TensorFlow's docstring says
      microseconds; its code, and this one, return seconds: `mtime_nsec / 1e9`).
      On a local disk they are whole seconds: TensorFlow's POSIX filesystem
      drops the fraction, and so does the pure backend.
    """
    mtimes: list[float] = _backend.implementation().get_checkpoint_mtimes(checkpoint_prefixes)
    return mtimes


@tf_signature
def remove_checkpoint(
    checkpoint_prefix: str, checkpoint_format_version: int = 2, meta_graph_suffix: str = "meta"
) -> None:
    """Removes a checkpoint given by `checkpoint_prefix`.

    Deletes `<prefix>.<meta_graph_suffix>` (after stripping a `-?????-of-?????`
    shard suffix), then for V2 `<prefix>.index` and `<prefix>.data-?????-of-?????`,
    for V1 `<prefix>`; missing files are skipped, and a file that vanishes during
    the deletion logs TensorFlow's WARNING. TensorFlow's one-time deprecation
    notice is not logged.

    Args:
      checkpoint_prefix: The prefix of a V1 or V2 checkpoint. Typically the result
        of `Saver.save()` or that of `tf.train.latest_checkpoint()`, regardless of
        sharded/non-sharded or V1/V2.
      checkpoint_format_version: `SaverDef.CheckpointFormatVersion`, defaults to
        `SaverDef.V2` (2); V1 is 1.
      meta_graph_suffix: Suffix for `MetaGraphDef` file. Defaults to 'meta'.
    """
    _backend.implementation().remove_checkpoint(
        checkpoint_prefix, checkpoint_format_version, meta_graph_suffix
    )


def _fspath(path: str | os.PathLike[str]) -> str:
    """A path object as its string; anything else as it is, for TensorFlow's own type errors."""
    return os.fspath(path) if isinstance(path, os.PathLike) else path
