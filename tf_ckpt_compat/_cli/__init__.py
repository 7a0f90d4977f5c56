"""The `tf-ckpt-compat` command line (also `python -m tf_ckpt_compat`).

Subcommands, one module each: `watch` follows a directory with the package's
own `checkpoints_iterator`, `latest` and `state` read the state file once
(`state`), `demo` watches a simulated trainer through the very code `watch`
uses (`follow`), `inspect` shows a checkpoint's tensors, `export` writes them
to a `.npz` or `.safetensors` file, `conformance` compares the package
with TensorFlow, and `migrate` rewrites legacy TensorFlow code to call the
package.
Results go to standard output, one line each; standard error gets log lines
and one-line errors, plus a live status line when it is a terminal (see
`_console`). No traceback is ever printed (except, with `-v`, for a bug).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback

import tf_ckpt_compat

from .._console import PROG, Abandoned, Console, OutputError
from . import conformance, demo, export, inspect, migrate, state, watch
from .common import Parser
from .exits import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERRUPTED,
    EXIT_NOT_FOUND,
    EXIT_OUTPUT,
    EXIT_TERMINATED,
    CliError,
    help_epilog,
)
from .follow import follow

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from types import FrameType
    from typing import Any, NoReturn

__all__ = ["build_parser", "follow", "main"]


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that `finally` blocks (demo cleanup) run."""


def build_parser() -> argparse.ArgumentParser:
    """The parser of the `tf-ckpt-compat` command line."""
    parser = Parser(
        prog=PROG,
        description="Follow and inspect TensorFlow checkpoints, with or without TensorFlow.",
        epilog=help_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"{PROG} {tf_ckpt_compat.__version__}"
    )
    # The global options, before the command (`-v latest DIR`) or after it
    # (`latest -v DIR`). A `Parser` like the subcommands' own: argparse's stubs
    # want their parents' class.
    common = Parser(add_help=False)
    for options, default in ((parser, False), (common, argparse.SUPPRESS)):
        options.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            # After the command, only when given: a subcommand's default would
            # overwrite the `-v` given before it.
            default=default,
            help="also show INFO log lines (and tracebacks of bugs)",
        )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    watch.add_parser(commands, [common])
    state.add_parsers(commands, [common])
    inspect.add_parser(commands, [common])
    export.add_parser(commands, [common])
    demo.add_parser(commands, [common])
    conformance.add_parser(commands, [common])
    migrate.add_parser(commands, [common])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line with `argv` (default: `sys.argv[1:]`); returns the exit status."""
    # Paths are bytes on POSIX: print undecodable ones as they are, as ls does.
    reconfigure = getattr(sys.stdout, "reconfigure", None)  # not on every replaced stdout
    if reconfigure is not None:
        reconfigure(errors="surrogateescape")
    previous_sigterm = _raise_on_sigterm()
    console = None
    verbose = False
    try:
        args = build_parser().parse_args(argv)
        verbose = args.verbose
        console = Console(verbose)
        try:
            status: int = args.handler(args, console)
        except Abandoned as e:  # a wait ended by the console: its reason is the error
            raise e.error from None
        return status
    except CliError as e:
        assert console is not None  # raised by a handler
        console.error(str(e))
        return e.status
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except _Terminated:
        return EXIT_TERMINATED
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except OutputError as e:
        assert console is not None  # raised by its result()
        _discard_stdout()
        console.error(str(e))
        return EXIT_OUTPUT
    except Exception as e:  # a bug, or an error of TensorFlow's own (tf.errors.OpError)
        if console is None:
            raise
        if verbose:
            console.stderr_line(traceback.format_exc().rstrip())
        console.error(f"{type(e).__name__}: {e}")
        return EXIT_NOT_FOUND
    finally:
        if console is not None:
            console.close()
        if previous_sigterm is not None:
            signal.signal(signal.SIGTERM, previous_sigterm)


def _discard_stdout() -> None:
    """Sends later writes to standard output, and the flush at exit, nowhere: they would fail."""
    if sys.stdout is None:
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no descriptor: a stream replaced by a host program
        pass
    finally:
        os.close(devnull)


def _raise_on_sigterm() -> Callable[[int, FrameType | None], Any] | int | None:
    """Makes SIGTERM raise `_Terminated`; returns the previous handler (None if not set)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: object) -> NoReturn:
        raise _Terminated

    return signal.signal(signal.SIGTERM, handler)
