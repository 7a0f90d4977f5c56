"""`tf.compat.v2`."""

from . import train

__all__ = ["train"]
