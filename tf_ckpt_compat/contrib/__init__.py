"""`tf.contrib` (TensorFlow 1.x): the `training` namespace's checkpoint loop."""

from . import training

__all__ = ["training"]
