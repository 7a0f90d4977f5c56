"""`tf.compat`: the `v1` and `v2` namespaces, for code written as `tf.compat.v1.train...`."""

from . import v1, v2

__all__ = ["v1", "v2"]
