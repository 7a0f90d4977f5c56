"""Which implementation serves the public functions: TensorFlow's or the pure one.

The choice is read from `TF_CKPT_COMPAT_BACKEND` on every call, so that a test
or a long-running process can switch it, and TensorFlow is imported only when
the `tensorflow` backend is first used: `import tf_ckpt_compat` never imports it.
"""

from __future__ import annotations

import os

ENV_VAR = "TF_CKPT_COMPAT_BACKEND"
BACKENDS = ("tensorflow", "pure")
CHOICES = ("auto", *BACKENDS)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType


_installed: bool | None = None


def _tensorflow_installed() -> bool:
    global _installed
    if _installed is None:
        # Imported here: only `auto` needs it, and it slows a cold start. find_spec
        # looks for the package without running it (no 2.7 s import).
        import importlib.util

        _installed = importlib.util.find_spec("tensorflow") is not None
    return _installed


def backend() -> str:
    """Returns the name of the active backend: `"tensorflow"` or `"pure"`.

    `TF_CKPT_COMPAT_BACKEND` decides: `auto` (the default) means `tensorflow`
    when TensorFlow is installed and `pure` otherwise; `tensorflow` and `pure`
    force one. This never imports TensorFlow.

    Raises:
      ValueError: if the variable holds anything else.
    """
    asked = os.environ.get(ENV_VAR, "auto").strip().lower() or "auto"
    if asked not in CHOICES:
        raise ValueError(
            f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not a backend: use one of "
            f"{', '.join(CHOICES)} (or leave it unset for auto)."
        )
    if asked == "auto":
        return "tensorflow" if _tensorflow_installed() else "pure"
    return asked


def implementation() -> ModuleType:
    """Returns the module implementing the active backend, importing it on first use.

    Raises:
      ValueError: if `TF_CKPT_COMPAT_BACKEND` names no backend.
      ImportError: if it asks for `tensorflow` and TensorFlow cannot be imported.
    """
    if backend() == "pure":
        from . import _pure

        return _pure
    try:
        from . import _tf
    except ImportError as e:
        raise ImportError(
            f"{ENV_VAR} asks for the tensorflow backend, but TensorFlow cannot be imported "
            f"({e}). Install it (pip install 'tf-ckpt-compat[tensorflow]') or set "
            f"{ENV_VAR}=pure (or auto)."
        ) from e
    return _tf
