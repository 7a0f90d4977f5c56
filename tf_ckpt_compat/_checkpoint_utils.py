"""The public checkpoint readers, served by the active backend.

`load_checkpoint`, `list_variables`, `load_variable` and `NewCheckpointReader`
as in `tensorflow/python/training/checkpoint_utils.py` and
`py_checkpoint_reader.py`: TensorFlow's own with the `tensorflow` backend, the
pure reader (`_bundle`) otherwise.
"""

from __future__ import annotations

import os

from . import _backend
from ._signature import tf_signature

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._bundle.reader import CheckpointReader


@tf_signature
def load_checkpoint(ckpt_dir_or_file: str | os.PathLike[str]) -> CheckpointReader:
    """Returns `CheckpointReader` for checkpoint found in `ckpt_dir_or_file`.

    If `ckpt_dir_or_file` resolves to a directory with multiple checkpoints,
    reader for the latest checkpoint is returned: a directory is read through
    its state file (`latest_checkpoint`), anything else is taken as a prefix.

    With the `tensorflow` backend the reader is TensorFlow's own.

    Args:
      ckpt_dir_or_file: Directory with checkpoints file or path to checkpoint
        file.

    Returns:
      `CheckpointReader` object.

    Raises:
      ValueError: If `ckpt_dir_or_file` resolves to a directory with no
        checkpoints.
      NotFoundError: no checkpoint at the prefix (`tf_ckpt_compat.errors`, or
        TensorFlow's own with the `tensorflow` backend).
    """
    reader: CheckpointReader = _backend.implementation().load_checkpoint(ckpt_dir_or_file)
    return reader


@tf_signature
def list_variables(ckpt_dir_or_file: str | os.PathLike[str]) -> list[tuple[str, list[int]]]:
    """Lists the checkpoint keys and shapes of variables in a checkpoint.

    Args:
      ckpt_dir_or_file: Directory with checkpoints file or path to checkpoint.

    Returns:
      List of tuples `(key, shape)`, sorted by key; a partitioned variable is
      listed once, under its own name and full shape. Needs no numpy.
    """
    result: list[tuple[str, list[int]]] = _backend.implementation().list_variables(ckpt_dir_or_file)
    return result


@tf_signature
def load_variable(ckpt_dir_or_file: str | os.PathLike[str], name: str) -> Any:
    """Returns the tensor value of the given variable in the checkpoint.

    When the variable name is unknown, you can use `tf.train.list_variables`
    to inspect all the variable names.

    Args:
      ckpt_dir_or_file: Directory with checkpoints file or path to checkpoint.
      name: Name of the variable to return; a trailing `:0` is dropped, as
        TensorFlow does.

    Returns:
      A numpy `ndarray` with a copy of the value of this variable; a numpy
      scalar for a scalar, `bytes` for a scalar string.

    Raises:
      NotFoundError: no such variable.
      ImportError: numpy (or, for bfloat16 and float8, ml_dtypes) is missing
        (pure backend).
    """
    return _backend.implementation().load_variable(ckpt_dir_or_file, name)


@tf_signature
def NewCheckpointReader(filepattern: str | bytes) -> CheckpointReader:
    """A CheckpointReader for the checkpoint at prefix `filepattern`.

    `tf.compat.v1.train.NewCheckpointReader`: no state file is read.

    Args:
      filepattern: The filename (the checkpoint prefix).

    Returns:
      A CheckpointReader object.

    Raises:
      NotFoundError: no checkpoint at `filepattern`.
    """
    reader: CheckpointReader = _backend.implementation().NewCheckpointReader(filepattern)
    return reader
