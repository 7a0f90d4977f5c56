"""What several commands share: their options, the environment check, and times as printed."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import errno
import json
import math
import os
import stat
import threading

import tf_ckpt_compat

from .. import _backend, _storage
from .._console import PROG, one_line
from .._errors import SchemeUnavailableError
from .exits import EXIT_NOT_FOUND, EXIT_USAGE, CliError, help_epilog

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from typing import NoReturn

    from .._console import Console

    Handler = Callable[[argparse.Namespace, Console], int]
    # The subcommands' parsers are `Parser`s too, as argparse makes them.
    Commands = argparse._SubParsersAction["Parser"]


class Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line and a pointer to the right --help.

    Each parser refuses the arguments it does not know itself: left to the
    top-level parser, as argparse does, `latest DIR --bogus` would point at
    the top-level help rather than at `latest --help`.
    """

    def parse_known_args(  # type: ignore[override]  # argparse's stubs overload it
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace or argparse.Namespace())
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{PROG}: error: {one_line(message)} (see {self.prog} --help)\n")


def add_command(
    commands: Commands,
    name: str,
    handler: Handler,
    summary: str,
    details: str,
    parents: list[Parser],
) -> argparse.ArgumentParser:
    """Adds subcommand `name`, run by `handler(args, console)`, with the exit table in its help."""
    sub = commands.add_parser(
        name,
        parents=parents,
        help=summary,
        description=f"{summary}\n\n{details}",
        epilog=help_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub.set_defaults(handler=handler, parser=sub)
    return sub


def add_directory(sub: argparse.ArgumentParser) -> None:
    """The positional DIR."""
    sub.add_argument("dir", metavar="DIR", type=directory, help="the checkpoint directory")


def add_format(sub: argparse.ArgumentParser, *formats: str) -> None:
    """`--format`, text by default."""
    sub.add_argument(
        "--format",
        choices=("text", *formats),
        default="text",
        help="output format (default: text)",
    )


# The longest wait `threading` accepts (about 292 years); `time.sleep` refuses
# little more. A longer interval would fail with OverflowError mid-watch.
MAX_SECONDS = threading.TIMEOUT_MAX


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= MAX_SECONDS:  # NaN too
        raise argparse.ArgumentTypeError(
            f"expected a number of seconds from 0 to {MAX_SECONDS:.0f}, got {text!r}"
        )
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, not {text!r}")
    return value


def directory(text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError("the directory name is empty")
    if os.path.exists(text) and not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"not a directory: {text}")
    return text


def file_name(text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError("the file name is empty")
    return text


def check_environment(iterator: bool = False, directory: str | None = None) -> str:
    """Returns the backend's name; a bad choice of backend or loop is a usage error.

    So is a `directory` whose scheme no installed package serves (pure backend):
    the library would log TensorFlow's two warnings at every poll and wait forever.
    """
    try:
        backend = tf_ckpt_compat.backend()
        _backend.implementation()  # imports TensorFlow now: a broken install fails here
        if iterator:
            tf_ckpt_compat.loop_variant()
    except (ValueError, ImportError) as e:
        raise CliError(str(e), EXIT_USAGE) from None
    if directory is not None and backend == "pure":
        try:
            _storage.check_scheme(directory, warn=False)  # no I/O: finds the filesystem only
        except SchemeUnavailableError as e:
            raise CliError(f"{e}: {e.hint}", EXIT_USAGE) from None
    return backend


# What a state file can be instead of a regular file, by `stat`'s file type.
_NOT_REGULAR = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def check_state_file(path: str) -> None:
    """Refuses a local state file that reading would hang on, or that is out of reach.

    TensorFlow opens the state file and reads it whole, and so does the
    library: a FIFO blocks both until a writer comes, maybe never; a device
    is read as its size says (nothing). Both are kept as TensorFlow has them,
    but the command line refuses a state file that is not a regular file, and
    one it has no permission to read, where the library would log a warning
    at every poll, or find no checkpoint without saying why. A missing state
    file is left to the command (`latest` says so, a watch waits for it).
    Object stores hold only files, and are not asked: a request per call.

    Raises:
      CliError: (status 1) the state file is not a regular file, or cannot be read.
    """
    local = _storage.for_path(path).local_path(path)
    if local is None:  # an object store
        return
    try:
        mode = os.stat(local).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as e:  # a directory on the way that cannot be searched, for one
        raise CliError(f"cannot read the state file {path}: {e.strerror}") from None
    for is_kind, kind in _NOT_REGULAR:
        if is_kind(mode):
            raise CliError(f"the state file {path} is not a regular file but {kind}")
    if not os.access(local, os.R_OK):
        raise CliError(f"cannot read the state file {path}: {os.strerror(errno.EACCES)}")


@contextlib.contextmanager
def reading_errors(path: str) -> Iterator[None]:
    """Turns what reading checkpoint `path` raises into one line and a status.

    TensorFlow's reader errors (and, with the pure backend, their
    `tf_ckpt_compat.errors` twins) exit 1; a missing numpy or ml_dtypes, which
    tensor values need, exits 2. With the `tensorflow` backend, TensorFlow's
    own `OpError` reaches `main`, which reports it in the same way.
    """
    try:
        yield
    except ImportError as e:
        raise CliError(str(e), EXIT_USAGE) from None
    except (ValueError, IndexError, NotImplementedError, tf_ckpt_compat.errors.OpError) as e:
        raise CliError(f"cannot read {path}: {type(e).__name__}: {e}", EXIT_NOT_FOUND) from None


# Strict JSON has no NaN or infinity: they are written as these strings.
_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def to_json(value: object, indent: int | None = None) -> str:
    """`value` as strict JSON: a NaN or infinite float as "NaN", "Infinity" or "-Infinity"."""
    try:
        # Most values hold none: no walk through a large one (a state of 100,000s of entries).
        return json.dumps(value, indent=indent, allow_nan=False)
    except ValueError:  # a NaN or an infinity, refused
        return json.dumps(_finite(value), indent=indent, allow_nan=False)


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return _NON_FINITE[repr(value)]
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def iso(timestamp: float) -> str:
    """Local time with its UTC offset, to the second; a value no clock can show, as is."""
    try:
        return datetime.datetime.fromtimestamp(timestamp).astimezone().isoformat("T", "seconds")
    except (OverflowError, OSError, ValueError):
        return repr(timestamp)
