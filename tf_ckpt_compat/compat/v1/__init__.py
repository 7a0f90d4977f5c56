"""`tf.compat.v1`."""

from . import train

__all__ = ["train"]
