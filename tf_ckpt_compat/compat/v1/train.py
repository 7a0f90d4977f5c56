"""`tf.compat.v1.train`: the checkpoint-state functions with TensorFlow's v1 signatures."""

from __future__ import annotations

from ... import _backend
from ..._checkpoint_utils import (
    NewCheckpointReader,
    list_variables,
    load_checkpoint,
    load_variable,
)
from ..._loop import checkpoints_iterator
from ..._management import (
    checkpoint_exists,
    generate_checkpoint_state_proto,
    get_checkpoint_mtimes,
    get_checkpoint_state,
    latest_checkpoint,
    remove_checkpoint,
)
from ..._signature import tf_signature

__all__ = [
    "NewCheckpointReader",
    "checkpoint_exists",
    "checkpoints_iterator",
    "generate_checkpoint_state_proto",
    "get_checkpoint_mtimes",
    "get_checkpoint_state",
    "latest_checkpoint",
    "list_variables",
    "load_checkpoint",
    "load_variable",
    "remove_checkpoint",
    "update_checkpoint_state",
]


@tf_signature
def update_checkpoint_state(
    save_dir: str,
    model_checkpoint_path: str,
    all_model_checkpoint_paths: list[str] | None = None,
    latest_filename: str | None = None,
    all_model_checkpoint_timestamps: list[float] | None = None,
    last_preserved_timestamp: float | None = None,
) -> None:
    """Updates the content of the 'checkpoint' file.

    `tf.compat.v1.train.update_checkpoint_state`, with TensorFlow's signature;
    `tf_ckpt_compat.update_checkpoint_state` is the same function plus the
    keyword `save_relative_paths` and path objects, and documents both.

    Raises:
      RuntimeError: If any of the model checkpoint paths conflict with the file
        containing CheckpointSate.
      ValueError: if the timestamps do not match the paths in length.
      OSError: if the file cannot be written (the pure backend).
    """
    _backend.implementation().update_checkpoint_state_internal(
        save_dir,
        model_checkpoint_path,
        all_model_checkpoint_paths,
        latest_filename,
        False,  # save_relative_paths
        all_model_checkpoint_timestamps,
        last_preserved_timestamp,
    )
