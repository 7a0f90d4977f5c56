"""A drop-in, TensorFlow-compatible `tf.train.checkpoints_iterator`, with or without TensorFlow.

`import tf_ckpt_compat` never imports TensorFlow. With TensorFlow installed, the
state file is read by TensorFlow itself; without it, by a pure-Python reader
that gives the same results. See the README for the backends and for the
three versions of TensorFlow's loop this package reproduces.
"""

from . import compat, contrib, train
from ._backend import backend
from ._loop import (
    checkpoints_iterator,
    loop_variant,
    set_tf_version,
    wait_for_new_checkpoint,
)
from ._management import (
    checkpoint_exists,
    generate_checkpoint_state_proto,
    get_checkpoint_mtimes,
    get_checkpoint_state,
    latest_checkpoint,
    remove_checkpoint,
    update_checkpoint_state,
)
from ._state import CheckpointState

__version__ = "0.1.0"

__all__ = [
    "CheckpointState",
    "backend",
    "checkpoint_exists",
    "checkpoints_iterator",
    "compat",
    "contrib",
    "generate_checkpoint_state_proto",
    "get_checkpoint_mtimes",
    "get_checkpoint_state",
    "latest_checkpoint",
    "loop_variant",
    "remove_checkpoint",
    "set_tf_version",
    "train",
    "update_checkpoint_state",
    "wait_for_new_checkpoint",
]
