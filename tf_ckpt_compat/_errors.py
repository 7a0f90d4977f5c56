"""TensorFlow's names for file errors, so that pure log lines read as TensorFlow's.

TensorFlow turns a failed POSIX call into an `OpError` subclass chosen by errno
(`ErrnoToCode` in tsl/platform/errors.cc) with the message `"<path>; <strerror>"`,
and `get_checkpoint_state` logs `"<class name>: <message>"`. The pure backend
raises ordinary `OSError`s and renders them here the same way.
"""

from __future__ import annotations

import errno as _errno

# Grouped as in TensorFlow's ErrnoToCode; errno names missing on a platform are skipped.
_CODES = {
    "InvalidArgumentError": "EINVAL ENAMETOOLONG E2BIG EDESTADDRREQ EDOM EFAULT EILSEQ "
    "ENOPROTOOPT ENOSTR ENOTSOCK ENOTTY EPROTOTYPE ESPIPE",
    "DeadlineExceededError": "ETIMEDOUT ETIME",
    "NotFoundError": "ENODEV ENOENT ENXIO ESRCH",
    "AlreadyExistsError": "EEXIST EADDRNOTAVAIL EALREADY",
    "PermissionDeniedError": "EPERM EACCES EROFS",
    "FailedPreconditionError": "ENOTEMPTY EISDIR ENOTDIR EADDRINUSE EBADF EBUSY ECHILD "
    "EISCONN ENOTBLK ENOTCONN EPIPE ESHUTDOWN ETXTBSY",
    "ResourceExhaustedError": "ENOSPC EMFILE EMLINK ENFILE ENOBUFS ENODATA ENOMEM ENOSR EUSERS",
    "OutOfRangeError": "EFBIG EOVERFLOW ERANGE",
    "UnimplementedError": "ENOSYS ENOTSUP EAFNOSUPPORT EPFNOSUPPORT EPROTONOSUPPORT "
    "ESOCKTNOSUPPORT EXDEV",
    "UnavailableError": "EAGAIN ECONNREFUSED ECONNABORTED ECONNRESET EINTR EHOSTDOWN "
    "EHOSTUNREACH ENETDOWN ENETRESET ENETUNREACH ENOLCK ENOLINK",
    "AbortedError": "EDEADLK ESTALE",
    "CancelledError": "ECANCELED",
}
_ERRNO_TO_NAME = {
    getattr(_errno, code): name
    for name, codes in _CODES.items()
    for code in codes.split()
    if hasattr(_errno, code)
}


class TFStyleError(OSError):
    """An error whose TensorFlow class name and message are given outright.

    For failures TensorFlow reports without an errno, such as a filesystem
    scheme it has no implementation for.
    """

    def __init__(self, tf_name: str, message: str) -> None:
        super().__init__(message)
        self.tf_name = tf_name
        self.message = message


def describe(error: OSError, path: str) -> tuple[str, str]:
    """Returns TensorFlow's class name and message for an error raised on `path`."""
    if isinstance(error, TFStyleError):
        return error.tf_name, error.message
    name = _ERRNO_TO_NAME.get(error.errno, "UnknownError")
    return name, f"{path}; {error.strerror or error}"


class SchemeUnavailableError(TFStyleError):
    """No filesystem serves the path's scheme: TensorFlow's `UnimplementedError`.

    The message is TensorFlow's, word for word; `hint` says what to install.
    """

    def __init__(self, scheme: str, path: str, hint: str) -> None:
        super().__init__(
            "UnimplementedError", f"File system scheme '{scheme}' not implemented (file: '{path}')"
        )
        self.scheme = scheme
        self.hint = hint
