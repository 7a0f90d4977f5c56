"""Runtime signatures equal to TensorFlow's."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    F = TypeVar("F", bound=Callable[..., object])


def tf_signature(func: F) -> F:
    """Drops `func`'s annotations at run time, keeping them for type checkers.

    TensorFlow's functions carry no annotations, and `inspect.signature`
    compares them: code that checks `inspect.signature(ours) ==
    inspect.signature(tf.train.checkpoints_iterator)` must see TensorFlow's
    signature. Type checkers read the annotations from the source, not from here.
    """
    func.__annotations__ = {}
    return func
