"""TensorFlow's names for file errors, so that pure log lines read as TensorFlow's.

TensorFlow turns a failed POSIX call into an `OpError` subclass chosen by errno
(`ErrnoToCode` in tsl/platform/errors.cc) with the message `"<path>; <strerror>"`,
and `get_checkpoint_state` logs `"<class name>: <message>"`. The pure backend's
storage raises ordinary `OSError`s; `describe` renders them the same way, and
`tf_error` turns one into what TensorFlow raises, which is still an `OSError`.
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
    if isinstance(error, _TFNamedOSError):
        return type(error).__name__, error.message
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


class _TFNamedOSError:
    """The first base of `tf_error`'s classes: a `tf_ckpt_compat.errors` class, an OSError follow.

    Its `str()` is TensorFlow's message (the `OpError` base comes before the
    `OSError` one), and its `errno`, `strerror` and `filename` are those of the
    `OSError` it replaces. Not an `OSError` itself: an `OSError` here would come
    before `OpError` in the classes' method order.
    """

    message: str  # OpError's property
    errno: int | None
    strerror: str | None
    filename: str | None
    filename2: str | None

    def __reduce__(self) -> tuple[object, ...]:
        builtin = next(c for c in type(self).__mro__ if c.__module__ == "builtins")
        return _rebuild, (
            type(self).__name__,
            builtin.__name__,
            self.message,
            self.errno,
            self.strerror,
            self.filename,
            self.filename2,
        )


_TF_NAMED: dict[tuple[str, type[OSError]], type[OSError]] = {}


def _tf_named_class(tf_name: str, builtin: type[OSError]) -> type[OSError]:
    """The class that is both `errors.<tf_name>` and `builtin`, named `tf_name`: one per pair."""
    cls = _TF_NAMED.get((tf_name, builtin))
    if cls is None:
        from typing import cast  # here, not at the top: only a failure needs them

        from . import errors

        bases = (_TFNamedOSError, getattr(errors, tf_name), builtin)
        namespace = {"__module__": errors.__name__, "__qualname__": tf_name}
        cls = _TF_NAMED[tf_name, builtin] = cast("type[OSError]", type(tf_name, bases, namespace))
    return cls


def _rebuild(
    tf_name: str,
    builtin_name: str,
    message: str,
    errno: int | None,
    strerror: str | None,
    filename: str | None,
    filename2: str | None,
) -> OSError:
    import builtins

    builtin = getattr(builtins, builtin_name)
    # Called as TensorFlow's OpError subclasses are: (node_def, op, message).
    error = _tf_named_class(tf_name, builtin)(None, None, message)
    if errno is not None:
        error.errno = errno
    if strerror is not None:
        error.strerror = strerror
    error.filename, error.filename2 = filename, filename2
    return error


def tf_error(error: OSError, path: str) -> OSError:
    """`error`, raised on `path`, as TensorFlow raises it, and still the `OSError` it was.

    The result is an instance of the `tf_ckpt_compat.errors` class TensorFlow
    raises for it (by errno, as `ErrnoToCode`), with TensorFlow's message, and
    of `error`'s built-in class (`FileNotFoundError`, `PermissionError`, ...)
    with its `errno`, `strerror` and `filename`: code that catches
    `errors.NotFoundError` and code that catches `FileNotFoundError` both catch
    a missing directory. Its class name is TensorFlow's.
    """
    if isinstance(error, _TFNamedOSError):
        return error
    name, message = describe(error, path)
    builtin = next(c for c in type(error).__mro__ if c.__module__ == "builtins")
    fields = (error.errno, error.strerror, error.filename, error.filename2)
    return _rebuild(name, builtin.__name__, message, *fields)
