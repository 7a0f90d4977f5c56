"""The `tf-ckpt-compat` command line (also `python -m tf_ckpt_compat`).

Subcommands: `watch` follows a directory with the package's own
`checkpoints_iterator`, `latest` and `state` read the state file once, and
`demo` watches a simulated trainer through the very code `watch` uses
(`follow`). Results go to standard output, one line each; standard error gets
only real warnings and one-line errors, plus a live status line when it is a
terminal. No traceback is ever printed (except, with `-v`, for a bug).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import datetime
import json
import logging
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback

import tf_ckpt_compat

from . import _backend, _demo, _storage
from ._console import PROG, Console, one_line
from ._errors import SchemeUnavailableError
from ._storage.paths import is_local, state_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from typing import NoReturn

    from ._state import CheckpointState
    from ._storage import Info

PATH_ENV_VAR = "TF_CKPT_PATH"

EXIT_OK = 0
EXIT_NOT_FOUND = 1  # no checkpoint, or a bad state file
EXIT_USAGE = 2  # bad arguments or environment
EXIT_NOT_EXECUTABLE = 126  # the shell's codes, as env(1), xargs(1) and timeout(1) use them
EXIT_COMMAND_NOT_FOUND = 127
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a Unix tool killed by `| head` reports
EXIT_TERMINATED = 143  # 128 + SIGTERM

EXIT_CODES = """\
exit status:
  0    success; for watch and demo, the iterator ended (--timeout passed)
  1    no checkpoint (latest), no valid state (state), a bad state file, or a
       conformance case that differs from TensorFlow
  2    bad arguments or environment (e.g. DIR is a file, TF_CKPT_COMPAT_BACKEND, or
       no installed package serves DIR's scheme, such as s3:// without s3fs)
  126  the --exec command is not executable
  127  the --exec command was not found
  130  interrupted (Ctrl-C); 143 terminated (SIGTERM); 141 output pipe closed
  N    with --stop-on-error, the failed command's status (128+signal if killed)
"""

_LOG = logging.getLogger("tf_ckpt_compat.cli")


class CliError(Exception):
    """A failure reported as one line on standard error, ending with `status`."""

    def __init__(self, message: str, status: int = EXIT_NOT_FOUND) -> None:
        super().__init__(message)
        self.status = status


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that `finally` blocks (demo cleanup) run."""


def _iso(timestamp: float) -> str:
    """Local time with its UTC offset, to the second; a value no clock can show, as is."""
    try:
        return datetime.datetime.fromtimestamp(timestamp).astimezone().isoformat("T", "seconds")
    except (OverflowError, OSError, ValueError):
        return repr(timestamp)


# --- following a directory (watch and demo) ------------------------------------


def follow(
    console: Console,
    directory: str,
    on_checkpoint: Callable[[str, float], int | None],
    timeout: float | None = None,
    min_interval: float = 0.0,
) -> int:
    """Runs `checkpoints_iterator` on `directory`, handing each checkpoint to `on_checkpoint`.

    Args:
      console: where the status line and the log lines go.
      directory: the directory to watch; it need not exist yet.
      on_checkpoint: called with each checkpoint path and the `time.time()` it
        was found at; a non-None result stops the watch and is returned.
      timeout: the iterator's `timeout` (None: wait forever).
      min_interval: the iterator's `min_interval_secs`.

    Returns:
      0 when the iterator ends, else what `on_checkpoint` returned.

    Raises:
      CliError: when the state file cannot be decoded or names no checkpoint.
    """
    watched_state_file = state_file(directory)
    checkpoints = tf_ckpt_compat.checkpoints_iterator(
        directory, min_interval_secs=min_interval, timeout=timeout
    )
    try:
        last = None
        while True:
            console.show_status(_waiting_status(directory, last, timeout))
            with _state_file_errors(watched_state_file):
                last = next(checkpoints, None)
            if last is None:
                return EXIT_OK
            found = time.time()
            console.show_status(None)  # the consumer (an --exec command) may write
            console.forget_repeats()
            stop = on_checkpoint(last, found)
            if stop is not None:
                return stop
    finally:
        console.show_status(None)
        checkpoints.close()


def _waiting_status(directory: str, last: str | None, timeout: float | None) -> Callable[[], str]:
    since = time.monotonic()
    what = "a first checkpoint" if last is None else f"a newer one than {os.path.basename(last)}"
    limit = "" if timeout is None else f" (timeout {timeout:g}s)"

    def describe() -> str:
        # The changing part first: a long path is what gets cut at the edge.
        waiting = f"waiting {_duration(time.monotonic() - since)}{limit}"
        if is_local(directory) and not _storage.for_path(directory).isdir(directory):
            return f"{waiting}: {directory} does not exist yet"
        return f"{waiting} for {what} in {directory}"

    return describe


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{int(seconds)}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    return f"{minutes // 60}h{minutes % 60:02d}m"


@contextlib.contextmanager
def _state_file_errors(state_file: str) -> Iterator[None]:
    """Turns the library's exceptions for a bad state file into one-line errors."""
    try:
        yield
    except UnicodeDecodeError as e:
        raise CliError(f"{state_file} is not UTF-8 text ({e.reason} at offset {e.start})") from None
    except ValueError as e:  # the library's "Invalid checkpoint state loaded from <dir>"
        raise CliError(f"{e} ({state_file} has no model_checkpoint_path)") from None


# --- watch ------------------------------------------------------------------------


def _watch(args: argparse.Namespace, console: Console) -> int:
    backend = _check_environment(iterator=True, directory=args.dir)
    if args.exec:
        _check_command(args.exec[0])

    def on_checkpoint(path: str, found: float) -> int | None:
        if args.format == "json":
            record = {"path": path, "step": _step(path), "time": _iso(found), "backend": backend}
            console.result(json.dumps(record))
        else:
            console.result(path)
        if not args.exec:
            return None
        status = _run_command(args.exec, path)
        return status if status and args.stop_on_error else None

    return follow(console, args.dir, on_checkpoint, args.timeout, args.min_interval)


def _step(path: str) -> int | None:
    match = re.search(r"-(\d+)$", path)
    return int(match.group(1)) if match else None


def _check_command(name: str) -> None:
    """Fails before watching, as a shell would, when `name` cannot be run."""
    if os.sep in name or (os.altsep and os.altsep in name):
        if not os.path.exists(name):
            raise CliError(f"--exec: no such file: {name}", EXIT_COMMAND_NOT_FOUND)
        if os.path.isdir(name) or not os.access(name, os.X_OK):
            raise CliError(f"--exec: not executable: {name}", EXIT_NOT_EXECUTABLE)
    elif shutil.which(name) is None:
        raise CliError(f"--exec: command not found: {name}", EXIT_COMMAND_NOT_FOUND)


def _run_command(command: list[str], path: str) -> int:
    """Runs `command` (no shell) for checkpoint `path`; returns its exit status.

    `{}` in the arguments becomes the path, which is also in `TF_CKPT_PATH`. A
    failure is logged as a warning; a command killed by a signal counts as
    128 + the signal's number, as in a shell.
    """
    argv = [command[0], *(arg.replace("{}", path) for arg in command[1:])]
    try:
        returncode = subprocess.run(argv, env={**os.environ, PATH_ENV_VAR: path}).returncode
    except OSError as e:  # removed or made unexecutable since the start
        status = EXIT_COMMAND_NOT_FOUND if isinstance(e, FileNotFoundError) else EXIT_NOT_EXECUTABLE
        _LOG.warning("cannot run %s for %s: %s (status %d)", argv[0], path, e.strerror, status)
        return status
    if returncode < 0:
        _LOG.warning("%s was killed by %s for %s", argv[0], _signal_name(-returncode), path)
        return 128 - returncode
    if returncode:
        _LOG.warning("%s exited with status %d for %s", argv[0], returncode, path)
    else:
        _LOG.info("%s exited with status 0 for %s", argv[0], path)
    return returncode


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:  # a real-time signal, which has no name
        return f"signal {number}"


# --- latest and state ----------------------------------------------------------------


def _latest(args: argparse.Namespace, console: Console) -> int:
    _check_environment(directory=args.dir)
    with _state_file_errors(state_file(args.dir, args.latest_filename)):
        path = tf_ckpt_compat.latest_checkpoint(args.dir, args.latest_filename)
    if path is None:
        missing = is_local(args.dir) and not _storage.for_path(args.dir).exists(args.dir)
        raise CliError(f"no checkpoint in {args.dir}" + (" (no such directory)" if missing else ""))
    console.result(path)
    return EXIT_OK


def _state(args: argparse.Namespace, console: Console) -> int:
    _check_environment(directory=args.dir)
    path = state_file(args.dir, args.latest_filename)
    with _state_file_errors(path):
        ckpt = tf_ckpt_compat.get_checkpoint_state(args.dir, args.latest_filename)
    if ckpt is None:
        try:
            present = _storage.for_path(path).exists(path)
        except OSError:
            present = True  # unreadable: the library has logged why
        if present:
            raise CliError(f"cannot read {path} as a checkpoint state")
        raise CliError(f"no checkpoint state: {path} does not exist")
    report = _state_report(ckpt, path)
    console.result(json.dumps(report, indent=2) if args.format == "json" else _state_text(report))
    return EXIT_OK


def _state_report(ckpt: CheckpointState, state_file: str) -> dict[str, object]:
    """The state's four fields, and the files of each checkpoint it lists.

    `ckpt` may also be TensorFlow's proto (the tensorflow backend): only the
    attributes both have are read. `model_checkpoint_path` is listed last
    when `all_model_checkpoint_paths` omits it.
    """
    paths = list(ckpt.all_model_checkpoint_paths)
    if ckpt.model_checkpoint_path not in paths:
        paths.append(ckpt.model_checkpoint_path)
    listings: dict[str, _Listing] = {}
    checkpoints = []
    for path in paths:
        directory, base = os.path.split(path)
        listing = listings.get(directory)
        if listing is None:
            listing = listings[directory] = _Listing(directory or ".")
        checkpoints.append(
            {
                "path": path,
                "exists": tf_ckpt_compat.checkpoint_exists(path),
                "files": listing.files_of(base),
            }
        )
    return {
        "state_file": state_file,
        "model_checkpoint_path": ckpt.model_checkpoint_path,
        "all_model_checkpoint_paths": list(ckpt.all_model_checkpoint_paths),
        "all_model_checkpoint_timestamps": list(ckpt.all_model_checkpoint_timestamps),
        "last_preserved_timestamp": ckpt.last_preserved_timestamp,
        "checkpoints": checkpoints,
    }


class _Listing:
    """One directory, listed once and sorted, for the files of each checkpoint in it."""

    def __init__(self, directory: str) -> None:
        try:
            infos = _storage.for_path(directory).scan(directory)
        except OSError:
            infos = []
        self._infos: list[Info] = sorted(infos, key=lambda info: info.name)
        self._names = [info.name for info in self._infos]

    def files_of(self, base: str) -> list[dict[str, object]]:
        """Checkpoint `base`'s files: itself (V1), and `<base>.*` (V2), by name."""
        first = bisect.bisect_left(self._names, base)
        exact = first < len(self._names) and self._names[first] == base
        # Every name starting with "<base>." sorts between these two bounds.
        start = bisect.bisect_left(self._names, base + ".")
        end = bisect.bisect_left(self._names, base + "/")  # "/" follows "." in ASCII
        chosen = ([self._infos[first]] if exact else []) + self._infos[start:end]
        return [
            {
                "name": info.name,
                "size": info.size,
                "mtime": None if info.mtime is None else _iso(info.mtime),
            }
            for info in chosen
        ]


def _state_text(report: dict) -> str:
    checkpoints = report["checkpoints"]
    listed = report["all_model_checkpoint_paths"]
    stamps = report["all_model_checkpoint_timestamps"]
    saved = dict(zip(listed, stamps)) if len(stamps) == len(listed) else {}
    preserved = report["last_preserved_timestamp"]
    on_disk = sum(c["exists"] for c in checkpoints)
    lines = [
        f"state file      {report['state_file']}",
        f"latest          {report['model_checkpoint_path']}",
        f"last preserved  {_iso(preserved) if preserved else 'none'}",
        f"checkpoints     {len(checkpoints)} listed, {on_disk} on disk (* = latest)",
        "",
    ]
    size_width = max((len(str(f["size"])) for c in checkpoints for f in c["files"]), default=1)
    for checkpoint in checkpoints:
        path = checkpoint["path"]
        mark = "*" if path == report["model_checkpoint_path"] else " "
        when = f"  saved {_iso(saved[path])}" if path in saved else ""
        lines.append(f"{mark} {path}{when}  {'on disk' if checkpoint['exists'] else 'MISSING'}")
        lines.extend(
            f"      {f['size']:>{size_width}}  {f['mtime']}  {f['name']}"
            for f in checkpoint["files"]
        )
    return "\n".join(lines)


# --- demo --------------------------------------------------------------------------------


def _demo_command(args: argparse.Namespace, console: Console) -> int:
    backend = _check_environment(iterator=True)
    if args.dir is not None and os.path.isdir(args.dir) and os.listdir(args.dir):
        # The demo writes a state file: never over a real run's.
        raise CliError(f"--dir {args.dir} is not empty: give a new or empty directory", EXIT_USAGE)
    with _demo.run_directory(args.dir) as directory:
        trainer = _demo.Trainer(directory, args.checkpoints, args.interval)

        def on_checkpoint(path: str, found: float) -> None:
            console.result(trainer.arrival(path, found))

        console.result(trainer.intro(backend, removed=args.dir is None))
        trainer.start()
        try:
            follow(console, directory, on_checkpoint, timeout=trainer.watch_timeout)
        finally:
            trainer.stop()
        console.result(trainer.summary())
    if trainer.error is not None:
        raise CliError(f"the demo trainer failed: {trainer.error}")
    return EXIT_OK


# --- arguments -----------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line and a pointer to the right --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{PROG}: error: {one_line(message)} (see {self.prog} --help)\n")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _directory(text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError("the directory name is empty")
    if os.path.exists(text) and not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"not a directory: {text}")
    return text


def _file_name(text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError("the file name is empty")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The parser of the `tf-ckpt-compat` command line."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also show INFO log lines (and tracebacks of bugs)",
    )
    parser = _Parser(
        prog=PROG,
        description="Follow and inspect TensorFlow checkpoints, with or without TensorFlow.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"{PROG} {tf_ckpt_compat.__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(
        name: str, handler: Callable, summary: str, details: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            parents=[common],
            help=summary,
            description=f"{summary}\n\n{details}",
            epilog=EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(handler=handler, parser=sub)
        return sub

    watch = command(
        "watch",
        _watch,
        "Print each new checkpoint of DIR as it appears (tf.train.checkpoints_iterator).",
        "DIR is polled once a second; it may not exist yet. Only the newest checkpoint is\n"
        "seen at each poll, as with TensorFlow. JSON lines hold path, step (null when the\n"
        "name does not end in -<number>), time (when found) and backend.",
    )
    watch.add_argument("dir", metavar="DIR", type=_directory, help="the checkpoint directory")
    watch.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help="stop after SECONDS without a new checkpoint (default: never)",
    )
    watch.add_argument(
        "--min-interval",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="wait at least SECONDS between two checkpoints",
    )
    watch.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    watch.add_argument(
        "--stop-on-error",
        action="store_true",
        help="end the watch when the --exec command fails, with its status (without it, "
        "a failure is reported as a warning and the watch goes on)",
    )
    watch.add_argument(
        "--exec",
        nargs=argparse.REMAINDER,
        help="CMD [ARG ...]: run CMD (no shell) after printing each checkpoint, with {} in "
        f"the ARGs replaced by its path, also in ${PATH_ENV_VAR}; must be the last option",
    )

    latest = command(
        "latest",
        _latest,
        "Print the latest checkpoint of DIR (tf.train.latest_checkpoint).",
        "Exits 1 when there is none.",
    )
    state = command(
        "state",
        _state,
        "Print DIR's checkpoint state and the files of each checkpoint it lists.",
        "Exits 1 when the state file is missing, unreadable or invalid.",
    )
    for sub in (latest, state):
        sub.add_argument("dir", metavar="DIR", type=_directory, help="the checkpoint directory")
        sub.add_argument(
            "--latest-filename",
            type=_file_name,
            metavar="NAME",
            help="the state file's name (default: checkpoint)",
        )
    state.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )

    demo = command(
        "demo",
        _demo_command,
        "Watch a simulated trainer publish checkpoints, with the code of `watch`.",
        "A thread writes real TensorFlow 2 checkpoint files and state files; the watch\n"
        "shows each checkpoint found and how long after its publication. The watch's\n"
        "timeout is INTERVAL+2 seconds: it ends that long after the last checkpoint.",
    )
    demo.add_argument(
        "--checkpoints", type=_positive_int, default=5, metavar="N", help="how many (default: 5)"
    )
    demo.add_argument(
        "--interval",
        type=_seconds,
        default=1.5,
        metavar="SECONDS",
        help="seconds between two (default: 1.5)",
    )
    demo.add_argument(
        "--dir",
        type=_directory,
        metavar="DIR",
        help="a new or empty directory to train into, kept (default: a temporary one, removed)",
    )
    conformance = command(
        "conformance",
        _conformance,
        "Check, case by case, that this package behaves as the installed TensorFlow.",
        "Runs every conformance scenario (iterator loops on a fake clock, state files,\n"
        "directory layouts, writer arguments) through TensorFlow and through this package,\n"
        "compares everything observable, and prints a summary and a diff per difference.\n"
        "Needs TensorFlow (exit 2 without it). Exits 0 only when every case is equal.",
    )
    conformance.add_argument(
        "--backend",
        choices=("pure", "tensorflow", "both"),
        default="both",
        help="which of the package's backends to compare with TensorFlow (default: both)",
    )
    conformance.add_argument(
        "--format",
        choices=("text", "json", "junit"),
        default="text",
        help="report format; junit is JUnit XML for CI systems (default: text)",
    )
    conformance.add_argument(
        "--output", metavar="FILE", help="write the report to FILE (default: standard output)"
    )
    conformance.add_argument(
        "-k",
        dest="pattern",
        metavar="PATTERN",
        help="run only the cases whose GROUP/CASE id matches this regular expression",
    )
    return parser


def _conformance(args: argparse.Namespace, console: Console) -> int:
    from .conformance import command

    if args.pattern is not None:
        try:
            re.compile(args.pattern)
        except re.error as e:
            raise CliError(
                f"-k {args.pattern!r} is not a regular expression: {e}", EXIT_USAGE
            ) from None
    try:
        report = command.run(args.backend, args.format, args.pattern)
    except command.ConformanceUnavailable as e:
        raise CliError(str(e), EXIT_USAGE) from None
    if args.output is None:
        console.result(report.text.rstrip("\n"))
    else:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(report.text)
        console.result(f"{report.totals}: {args.output}")
    return EXIT_OK if report.ok else EXIT_NOT_FOUND


def _check_arguments(args: argparse.Namespace) -> None:
    """What argparse cannot check itself: the --exec options."""
    if args.command != "watch":
        return
    if args.exec == []:
        args.parser.error("argument --exec: expected a command")
    if args.stop_on_error and not args.exec:
        args.parser.error("--stop-on-error needs --exec")


def _check_environment(iterator: bool = False, directory: str | None = None) -> str:
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


# --- main ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line with `argv` (default: `sys.argv[1:]`); returns the exit status."""
    # Paths are bytes on POSIX: print undecodable ones as they are, as ls does.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="surrogateescape")
    previous_sigterm = _raise_on_sigterm()
    console = None
    try:
        args = build_parser().parse_args(argv)
        _check_arguments(args)
        console = Console(args.verbose)
        return args.handler(args, console)
    except CliError as e:
        console.error(str(e))
        return e.status
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except _Terminated:
        return EXIT_TERMINATED
    except BrokenPipeError:
        # Later writes, and the flush at exit, would fail again: send them nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as e:  # a bug, or an error of TensorFlow's own (tf.errors.OpError)
        if console is None:
            raise
        if args.verbose:
            console.stderr_line(traceback.format_exc().rstrip())
        console.error(f"{type(e).__name__}: {e}")
        return EXIT_NOT_FOUND
    finally:
        if console is not None:
            console.close()
        if previous_sigterm is not None:
            signal.signal(signal.SIGTERM, previous_sigterm)


def _raise_on_sigterm() -> signal.Handlers | None:
    """Makes SIGTERM raise `_Terminated`; returns the previous handler (None if not set)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: object) -> NoReturn:
        raise _Terminated

    return signal.signal(signal.SIGTERM, handler)
