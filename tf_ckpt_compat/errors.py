"""TensorFlow's exception classes (`tf.errors`), without TensorFlow.

The pure backend raises these where TensorFlow raises its own, with the same
class names, codes and messages; the tensorflow backend lets TensorFlow's own
exceptions through unchanged. Code that catches `tf.errors.NotFoundError`
catches `tf_ckpt_compat.errors.NotFoundError` the same way, by switching the
import.
"""

from __future__ import annotations

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """The base class of TensorFlow's errors (`tf.errors.OpError`).

    Args:
      node_def: the `NodeDef` of the failed op: always None here.
      op: the failed op: always None here.
      message: what went wrong.
      error_code: one of this module's codes.
    """

    def __init__(self, node_def: object, op: object, message: str, error_code: int) -> None:
        super().__init__()
        self._node_def = node_def
        self._op = op
        self._message = message
        self._error_code = error_code

    def __reduce__(self) -> tuple[type[OpError], tuple[object, ...]]:
        return type(self), (self._node_def, self._op, self._message, self._error_code)

    @property
    def message(self) -> str:
        """The error message."""
        return self._message

    @property
    def op(self) -> object:
        """The operation that failed (None: no graph here)."""
        return self._op

    @property
    def node_def(self) -> object:
        """The `NodeDef` of the failed op (None: no graph here)."""
        return self._node_def

    @property
    def error_code(self) -> int:
        """The integer error code."""
        return self._error_code

    @property
    def experimental_payloads(self) -> dict[str, str]:
        return {}

    def __str__(self) -> str:
        return self._message


class _CodedError(OpError):
    """An `OpError` whose code its class fixes: constructed as TensorFlow's subclasses are."""

    code = UNKNOWN

    def __init__(self, node_def: object, op: object, message: str, *args: object) -> None:
        super().__init__(node_def, op, message, self.code)

    def __reduce__(self) -> tuple[type[OpError], tuple[object, ...]]:
        return type(self), (self.node_def, self.op, self.message)


class CancelledError(_CodedError):
    """An operation or step was cancelled."""

    code = CANCELLED


class UnknownError(_CodedError):
    """Unknown error."""

    code = UNKNOWN


class InvalidArgumentError(_CodedError):
    """An operation received an invalid argument."""

    code = INVALID_ARGUMENT


class DeadlineExceededError(_CodedError):
    """A deadline expired before the operation could complete."""

    code = DEADLINE_EXCEEDED


class NotFoundError(_CodedError):
    """A requested entity (for example, a file or directory) was not found."""

    code = NOT_FOUND


class AlreadyExistsError(_CodedError):
    """An entity that we attempted to create already exists."""

    code = ALREADY_EXISTS


class PermissionDeniedError(_CodedError):
    """The caller does not have permission to run an operation."""

    code = PERMISSION_DENIED


class UnauthenticatedError(_CodedError):
    """The request does not have valid authentication credentials."""

    code = UNAUTHENTICATED


class ResourceExhaustedError(_CodedError):
    """Some resource has been exhausted."""

    code = RESOURCE_EXHAUSTED


class FailedPreconditionError(_CodedError):
    """The system is not in a state to run an operation."""

    code = FAILED_PRECONDITION


class AbortedError(_CodedError):
    """The operation was aborted, typically due to a concurrent action."""

    code = ABORTED


class OutOfRangeError(_CodedError):
    """An operation iterated beyond the valid range."""

    code = OUT_OF_RANGE


class UnimplementedError(_CodedError):
    """The operation has not been implemented."""

    code = UNIMPLEMENTED


class InternalError(_CodedError):
    """The system experienced an internal error."""

    code = INTERNAL


class UnavailableError(_CodedError):
    """The operation failed because a resource is unavailable."""

    code = UNAVAILABLE


class DataLossError(_CodedError):
    """An unrecoverable data loss or corruption was encountered."""

    code = DATA_LOSS


__all__ = [
    "ABORTED",
    "ALREADY_EXISTS",
    "CANCELLED",
    "DATA_LOSS",
    "DEADLINE_EXCEEDED",
    "FAILED_PRECONDITION",
    "INTERNAL",
    "INVALID_ARGUMENT",
    "NOT_FOUND",
    "OK",
    "OUT_OF_RANGE",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "UNAUTHENTICATED",
    "UNAVAILABLE",
    "UNIMPLEMENTED",
    "UNKNOWN",
    "AbortedError",
    "AlreadyExistsError",
    "CancelledError",
    "DataLossError",
    "DeadlineExceededError",
    "FailedPreconditionError",
    "InternalError",
    "InvalidArgumentError",
    "NotFoundError",
    "OpError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "UnknownError",
]
