"""TensorFlow's statuses as the exceptions its Python reader raises, and its format version check.

Shared by the readers of both checkpoint formats (`reader.py`, `slices.py`).
"""

from __future__ import annotations

from .. import errors as tf_errors
from .._errors import describe
from .._tf_version import reproduced_version

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .wire import Header

# kTensorBundleVersion and kTensorBundleMinProducer (tensor_bundle.cc); a V1
# checkpoint is checked against TF_CHECKPOINT_VERSION and
# TF_CHECKPOINT_VERSION_MIN_PRODUCER (public/version.h), which are the same.
_VERSION = 1
_MIN_PRODUCER = 0


def tf_error(code: int, message: str) -> Exception:
    """The exception TensorFlow's Python reader raises for a C++ status `code` and `message`.

    pybind11 (`pybind11_status.h`) raises ValueError for INVALID_ARGUMENT,
    IndexError for OUT_OF_RANGE, NotImplementedError for UNIMPLEMENTED and
    RuntimeError otherwise; `py_checkpoint_reader.error_translator` turns a
    RuntimeError, NotImplementedError included (a subclass), into a `tf.errors`
    class by what its message says, and into a plain `OpError` (code UNKNOWN)
    when it says none of that.
    """
    if code == tf_errors.INVALID_ARGUMENT:
        return ValueError(message)
    if code == tf_errors.OUT_OF_RANGE:
        return IndexError(message)
    if "not found in checkpoint" in message or "Failed to find any matching files for" in message:
        return tf_errors.NotFoundError(None, None, message)
    if "Sliced checkpoints are not supported" in message or "Data type not supported" in message:
        return tf_errors.UnimplementedError(None, None, message)
    if "Failed to get matching files on" in message:
        return tf_errors.InvalidArgumentError(None, None, message)
    if "Unable to open table file" in message:
        return tf_errors.DataLossError(None, None, message)
    if "Failed to find the saved tensor slices" in message or (
        "not convertible to numpy dtype" in message
    ):
        return tf_errors.InternalError(None, None, message)
    return tf_errors.OpError(None, None, message, tf_errors.UNKNOWN)


def os_status(error: OSError, path: str) -> tuple[int, str]:
    """A failed file operation on `path` as TensorFlow's file layer reports it: code, message."""
    name, message = describe(error, path)
    code: int = getattr(tf_errors, name).code
    return code, message


def key_name(key: bytes) -> str:
    """A key as messages and maps show it (bytes that are not UTF-8 kept, escaped)."""
    return key.decode("utf-8", "surrogateescape")


def check_version(header: Header) -> None:
    """`CheckVersions(header.version(), kTensorBundleVersion, kTensorBundleMinProducer, ...)`.

    Of a bundle's header, or of a V1 file's meta entry (its `versions` only).

    TensorFlow's messages name its own version: here, the one the pure
    backend reproduces (`set_tf_version`, `TF_CKPT_COMPAT_TF_VERSION`, else 2.21.0).
    """
    version = reproduced_version()  # TF_VERSION_STRING, in TensorFlow's messages
    if header.producer < _MIN_PRODUCER:
        message = (
            f"Checkpoint producer version {header.producer} below min producer "
            f"{_MIN_PRODUCER} supported by TensorFlow {version}.  Please regenerate your "
            "checkpoint."
        )
    elif header.min_consumer > _VERSION:
        message = (
            f"Checkpoint min consumer version {header.min_consumer} above current version "
            f"{_VERSION} for TensorFlow {version}.  Please upgrade TensorFlow."
        )
    elif _VERSION in header.bad_consumers:
        message = (
            f"Checkpoint disallows consumer version {_VERSION}.  Please upgrade TensorFlow: "
            "this version is likely buggy."
        )
    else:
        return
    raise tf_error(tf_errors.INVALID_ARGUMENT, message)
