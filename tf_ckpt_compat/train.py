"""`tf.train` (TensorFlow 2): the checkpoint-state part of it.

`from tf_ckpt_compat import train` stands in for `tf.train` in code that uses
`checkpoints_iterator`, `latest_checkpoint`, `get_checkpoint_state` and the
checkpoint readers `load_checkpoint`, `list_variables` and `load_variable`.
"""

from ._checkpoint_utils import list_variables, load_checkpoint, load_variable
from ._loop import checkpoints_iterator
from ._management import get_checkpoint_state, latest_checkpoint

__all__ = [
    "checkpoints_iterator",
    "get_checkpoint_state",
    "latest_checkpoint",
    "list_variables",
    "load_checkpoint",
    "load_variable",
]
