"""The `tensorflow` backend: TensorFlow's own functions, imported on first use.

Nothing here re-implements anything: each function is TensorFlow's, so results,
exceptions and log lines are TensorFlow's by construction, and every filesystem
TensorFlow knows (gs:// included) works as in TensorFlow. The one exception is
TensorFlow's one-time deprecation notice on the v1 writer functions: both
backends call the undecorated functions, so neither logs it.
"""

from __future__ import annotations

from ._backend import ENV_VAR

try:
    import tensorflow as _tf_module  # noqa: F401  (the import registers TF's filesystems)
    from tensorflow.python.checkpoint import checkpoint_management as _cm
except ImportError as e:
    raise ImportError(
        f"{ENV_VAR} asks for the tensorflow backend, but TensorFlow cannot be imported "
        f"({e}). Install it (pip install 'tf-ckpt-compat[tensorflow]') or set "
        f"{ENV_VAR}=pure (or auto)."
    ) from e

VERSION: str = _tf_module.__version__

get_checkpoint_state = _cm.get_checkpoint_state
latest_checkpoint = _cm.latest_checkpoint
generate_checkpoint_state_proto = _cm.generate_checkpoint_state_proto
update_checkpoint_state_internal = _cm.update_checkpoint_state_internal
checkpoint_exists = _cm.checkpoint_exists_internal
get_checkpoint_mtimes = _cm.get_checkpoint_mtimes.__wrapped__
remove_checkpoint = _cm.remove_checkpoint.__wrapped__
