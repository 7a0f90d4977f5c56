"""`tf.contrib.training`: `checkpoints_iterator` and `wait_for_new_checkpoint`.

TensorFlow 1.x exported both here; they are the same objects as the
package's top-level ones.
"""

from .._loop import checkpoints_iterator, wait_for_new_checkpoint

__all__ = ["checkpoints_iterator", "wait_for_new_checkpoint"]
