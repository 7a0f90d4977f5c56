"""`tf.train` (TensorFlow 2): the checkpoint-state part of it.

`from tf_ckpt_compat import train` stands in for `tf.train` in code that uses
`checkpoints_iterator`, `latest_checkpoint` and `get_checkpoint_state`.
"""

from ._loop import checkpoints_iterator
from ._management import get_checkpoint_state, latest_checkpoint

__all__ = ["checkpoints_iterator", "get_checkpoint_state", "latest_checkpoint"]
