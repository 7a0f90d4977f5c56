"""The `tensorflow` backend: TensorFlow's own functions, imported on first use.

Nothing here re-implements anything: each function is TensorFlow's, so results,
exceptions and log lines are TensorFlow's by construction, and every filesystem
TensorFlow knows (gs:// included) works as in TensorFlow. The one exception is
TensorFlow's one-time deprecation notice on the v1 writer functions: both
backends call the undecorated functions, so neither logs it.

An ImportError here (no TensorFlow) is turned into a message saying what to do
by `_backend.implementation()`, the one importer of this module.
"""

from __future__ import annotations

import tensorflow as _tf_module  # noqa: F401  (the import registers TF's filesystems)
from tensorflow.python.checkpoint import checkpoint_management as _cm  # pyright: ignore[reportMissingImports]
from tensorflow.python.util import tf_export as _tf_export  # pyright: ignore[reportMissingImports]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

VERSION: str = _tf_module.__version__


def _defined(name: str) -> Callable[..., Any]:
    """Returns TensorFlow's own `tf.compat.v1.train.<name>`, undecorated.

    Args:
      name: the function's name in `tf.compat.v1.train`.

    Returns:
      The function as `tf_export` registered it when it was defined.
    """
    # Not checkpoint_management's attribute, nor tf.train's or tf.compat.v1.train's:
    # a common way to adopt this package is to assign its functions there
    # (`checkpoint_management.latest_checkpoint = tf_ckpt_compat.latest_checkpoint`),
    # maybe before this module's first import, and the backend then called itself
    # (RecursionError) or found no `__wrapped__` to unwrap. tf_export's registry is
    # filled as each function is defined, before the deprecation wrapper goes on
    # and before any such assignment, which never reaches it.
    function: Callable[..., Any] = _tf_export.get_symbol_from_name("compat.v1.train." + name)
    return function


get_checkpoint_state = _defined("get_checkpoint_state")
latest_checkpoint = _defined("latest_checkpoint")
generate_checkpoint_state_proto = _defined("generate_checkpoint_state_proto")
get_checkpoint_mtimes = _defined("get_checkpoint_mtimes")
remove_checkpoint = _defined("remove_checkpoint")
load_checkpoint = _defined("load_checkpoint")
list_variables = _defined("list_variables")
load_variable = _defined("load_variable")
NewCheckpointReader = _defined("NewCheckpointReader")
# Not exported, so not in the registry; no function of this package has their
# names, to be assigned in their place.
update_checkpoint_state_internal = _cm.update_checkpoint_state_internal
checkpoint_exists = _cm.checkpoint_exists_internal
