"""A drop-in, TensorFlow-compatible `tf.train.checkpoints_iterator`, with or without TensorFlow.

`import tf_ckpt_compat` never imports TensorFlow. With TensorFlow installed, the
state file is read by TensorFlow itself; without it, by a pure-Python reader
that gives the same results. See the README for the backends and for the
three versions of TensorFlow's loop this package reproduces.
"""

from . import compat, contrib, train
from ._backend import backend
from ._checkpoint_utils import (
    NewCheckpointReader,
    list_variables,
    load_checkpoint,
    load_variable,
)
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
    "Checkpoint",
    "CheckpointReader",
    "CheckpointState",
    "NewCheckpointReader",
    "backend",
    "checkpoint_exists",
    "checkpoints_iterator",
    "compat",
    "contrib",
    "errors",
    "generate_checkpoint_state_proto",
    "get_checkpoint_mtimes",
    "get_checkpoint_state",
    "latest_checkpoint",
    "list_variables",
    "load_checkpoint",
    "load_variable",
    "loop_variant",
    "migrate",
    "remove_checkpoint",
    "set_tf_version",
    "testing",
    "train",
    "update_checkpoint_state",
    "wait_for_new_checkpoint",
    "watch",
    "watch_many",
    "Watch",
    "WatchStats",
]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from . import errors, migrate, testing
    from ._bundle.reader import CheckpointReader
    from ._watch import Checkpoint, Watch, WatchStats, watch, watch_many


def __getattr__(name: str) -> object:
    # Imported on first use, not by `import tf_ckpt_compat`: a cold start pays
    # for neither, and `tf_ckpt_compat.testing` works as users write it.
    if name in ("errors", "migrate", "testing"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    if name == "CheckpointReader":
        from ._bundle.reader import CheckpointReader

        return CheckpointReader
    if name in ("Checkpoint", "Watch", "WatchStats", "watch", "watch_many"):
        from . import _watch

        return getattr(_watch, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
