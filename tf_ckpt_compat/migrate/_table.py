"""Which TensorFlow spellings `migrate` rewrites, and the package module each one becomes.

The package mirrors TensorFlow's namespaces (`tf_ckpt_compat.compat.v1.train`
stands in for `tf.compat.v1.train`), so a public namespace's names are read from
the mirroring module's `__all__`, never copied: a name the package adds to a
namespace is rewritten from then on. TensorFlow's internal modules have no
mirror; the names listed for them are those they share with TensorFlow's public
namespaces, which compat_tests checks against the installed TensorFlow.
"""

from __future__ import annotations

from .. import train as _train
from ..compat.v1 import train as _v1_train
from ..compat.v2 import train as _v2_train
from ..contrib import training as _contrib_training

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType

PACKAGE = "tf_ckpt_compat"
TENSORFLOW = "tensorflow"

_MIRRORS: tuple[ModuleType, ...] = (_train, _v1_train, _v2_train, _contrib_training)

_MANAGEMENT = (
    "checkpoint_exists",
    "generate_checkpoint_state_proto",
    "get_checkpoint_mtimes",
    "get_checkpoint_state",
    "latest_checkpoint",
    "remove_checkpoint",
    "update_checkpoint_state",
)

# (TensorFlow's internal module, the package module that serves its names, the names).
# checkpoint_management's functions are TensorFlow's `tf.compat.v1.train` ones, with
# their exact signatures; checkpoint_utils' are the package's top-level ones, as the
# README's migration table says (`wait_for_new_checkpoint` is in no public TF 2 namespace).
INTERNAL: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "tensorflow.python.training.checkpoint_utils",
        "",
        (
            "checkpoints_iterator",
            "list_variables",
            "load_checkpoint",
            "load_variable",
            "wait_for_new_checkpoint",
        ),
    ),
    ("tensorflow.python.checkpoint.checkpoint_management", "compat.v1.train", _MANAGEMENT),
    ("tensorflow.python.training.checkpoint_management", "compat.v1.train", _MANAGEMENT),
    (
        "tensorflow.python.training.py_checkpoint_reader",
        "compat.v1.train",
        ("NewCheckpointReader",),
    ),
)


class Namespace:
    """A TensorFlow module whose names `migrate` rewrites.

    Attributes:
      target: the package module serving them, as spelled after `tf_ckpt_compat`
        ("" for the top level, "compat.v1.train", ...).
      names: the names rewritten.
    """

    __slots__ = ("names", "target")

    def __init__(self, target: str, names: frozenset[str]) -> None:
        self.target = target
        self.names = names

    @property
    def module(self) -> str:
        """The package module's full dotted name."""
        return f"{PACKAGE}.{self.target}" if self.target else PACKAGE


def namespaces(names: frozenset[str] | None = None) -> dict[str, Namespace]:
    """The TensorFlow modules rewritten, by dotted path, each restricted to `names` if given."""
    table: dict[str, Namespace] = {}
    for mirror in _MIRRORS:
        target = mirror.__name__[len(PACKAGE) + 1 :]
        table[f"{TENSORFLOW}.{target}"] = Namespace(target, frozenset(mirror.__all__))
    for module, target, listed in INTERNAL:
        table[module] = Namespace(target, frozenset(listed))
    if names is not None:
        table = {path: Namespace(ns.target, ns.names & names) for path, ns in table.items()}
    return table


ALL_NAMES: frozenset[str] = frozenset().union(*(ns.names for ns in namespaces().values()))
