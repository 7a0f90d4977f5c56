"""`tf-ckpt-compat watch`: print each new checkpoint, and run a command for it.

By default it follows the directory with `checkpoints_iterator`, as TensorFlow
would; `--every` uses `watch()` instead: every checkpoint once, pinned while
its command runs, with a record for restarts.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading

from .._storage.paths import state_file
from .common import (
    add_command,
    add_directory,
    add_format,
    check_environment,
    check_state_file,
    iso,
    positive_int,
    seconds,
    to_json,
)
from .exits import EXIT_COMMAND_NOT_FOUND, EXIT_NOT_EXECUTABLE, CliError
from .follow import follow, open_watch
from .jobs import run_jobs

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .._console import Console
    from .._watch import Checkpoint
    from .common import Commands, Parser

PATH_ENV_VAR = "TF_CKPT_PATH"
MAX_PENDING = 100  # watch()'s default: checkpoints held at once, waiting for a job

_LOG = logging.getLogger("tf_ckpt_compat.cli")


def add_parser(commands: Commands, parents: list[Parser]) -> None:
    watch = add_command(
        commands,
        "watch",
        run,
        "Print each new checkpoint of DIR as it appears (tf.train.checkpoints_iterator).",
        "DIR is polled once a second; it may not exist yet. Only the newest checkpoint is\n"
        "seen at each poll, as with TensorFlow. With --every, every checkpoint is printed\n"
        "once, oldest first, within milliseconds (inotify on Linux), and pinned until the\n"
        "next one is taken (tf_ckpt_compat.watch()); with --many, DIR is a glob over run\n"
        "directories, all followed at once. JSON lines hold path (the pinned copy with\n"
        "--every), run (DIR, or the matching run), listed_path (as the state file names it),\n"
        "step (null when the name does not end in -<number>), timestamp (from the state\n"
        "file, with --every; else null), time (when found) and backend.",
        parents,
    )
    add_directory(watch)
    watch.add_argument(
        "--timeout",
        type=seconds,
        metavar="SECONDS",
        help="stop after SECONDS without a new checkpoint (default: never); up to a second "
        "sooner without --every, as TensorFlow's iterator gives up at the first poll with "
        "less than a second left",
    )
    watch.add_argument(
        "--min-interval",
        type=seconds,
        default=0.0,
        metavar="SECONDS",
        help="wait at least SECONDS between two checkpoints",
    )
    watch.add_argument(
        "--every",
        action="store_true",
        help="every checkpoint once, in order, pinned against deletion (tf_ckpt_compat.watch)",
    )
    watch.add_argument(
        "--many",
        action="store_true",
        help="DIR is a glob over run directories (quote it): every checkpoint of every "
        "matching run, as --every does (tf_ckpt_compat.watch_many); JSON lines say the run",
    )
    watch.add_argument(
        "--all",
        action="store_true",
        help="with --every: also the checkpoints listed when the watch starts",
    )
    watch.add_argument(
        "--no-pin",
        action="store_true",
        help="with --every: do not pin (a checkpoint deleted before its turn is skipped)",
    )
    watch.add_argument(
        "--record",
        metavar="FILE",
        help="with --every: record each checkpoint once its command is done, and skip the "
        "recorded ones (a restart goes on where it was)",
    )
    watch.add_argument(
        "--jobs",
        type=positive_int,
        default=1,
        metavar="N",
        help="with --every and --exec: run up to N commands at once, one per checkpoint; "
        "a run's checkpoints still go one at a time, oldest first",
    )
    watch.add_argument(
        "--per-run",
        type=positive_int,
        default=1,
        metavar="M",
        help="with --jobs: up to M of the N commands for the same run at once (default: 1)",
    )
    watch.add_argument(
        "--count",
        type=positive_int,
        metavar="N",
        help="stop after N checkpoints",
    )
    add_format(watch, "json")
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
        f"the ARGs replaced by its path, also in ${PATH_ENV_VAR}; must be the last option. "
        "With --format json, CMD's standard output goes to standard error, so that standard "
        "output stays JSON lines",
    )


def check_arguments(args: argparse.Namespace) -> None:
    """What argparse cannot check itself: the --exec options."""
    if args.exec == []:
        args.parser.error("argument --exec: expected a command")
    if args.stop_on_error and not args.exec:
        args.parser.error("--stop-on-error needs --exec")
    args.every = args.every or args.many
    for option in ("all", "no_pin", "record"):
        if getattr(args, option) and not args.every:
            args.parser.error(f"--{option.replace('_', '-')} needs --every")
    if args.jobs > 1 and not (args.every and args.exec):
        args.parser.error("--jobs needs --every (or --many) and --exec")
    if args.per_run > 1 and args.jobs == 1:
        args.parser.error("--per-run needs --jobs")
    if args.every and args.min_interval:
        args.parser.error("--min-interval is the iterator's: not with --every")


def run(args: argparse.Namespace, console: Console) -> int:
    check_arguments(args)
    backend = check_environment(iterator=True, directory=args.dir)
    if args.exec:
        _check_command(args.exec[0])

    from .._watch.checkpoint import step_of  # only now: `--help` does not load the watcher

    json_lines = args.format == "json"

    def show(checkpoint: Checkpoint | str, found: float) -> None:
        path = os.fspath(checkpoint)
        if json_lines:
            listed = checkpoint if isinstance(checkpoint, str) else checkpoint.listed_path
            record = {
                "path": path,
                "run": args.dir if isinstance(checkpoint, str) else checkpoint.run,
                "listed_path": listed,
                "step": step_of(listed),
                "timestamp": None if isinstance(checkpoint, str) else checkpoint.timestamp,
                "time": iso(found),
                "backend": backend,
            }
            console.result(to_json(record))
        else:
            console.result(path)

    def on_checkpoint(checkpoint: Checkpoint | str, found: float) -> int | None:
        show(checkpoint, found)
        if not args.exec:
            return None
        status = _run_command(args.exec, os.fspath(checkpoint), json_lines=json_lines)
        return status if status and args.stop_on_error else None

    every = None
    if args.every and not args.many:
        check_state_file(state_file(args.dir))  # watch() would wait, warning, forever
    if args.every:
        every = {
            "start": "all" if args.all else "new",
            "pin": not args.no_pin,
            "record": args.record,
            "many": args.many,
        }
    if args.jobs > 1:
        assert every is not None  # checked above
        running = _Running()
        return run_jobs(
            console,
            open_watch(args.dir, args.timeout, every),
            args.jobs,
            args.per_run,
            args.count,
            MAX_PENDING,
            lambda checkpoint: show(checkpoint, checkpoint.detected_at),
            lambda checkpoint: _run_command(args.exec, checkpoint.path, running, json_lines),
            args.stop_on_error,
            running.stop,
        )
    return follow(
        console, args.dir, on_checkpoint, args.timeout, args.min_interval, args.count, every
    )


def _check_command(name: str) -> None:
    """Fails before watching, as a shell would, when `name` cannot be run."""
    if os.sep in name or (os.altsep and os.altsep in name):
        if not os.path.exists(name):
            raise CliError(f"--exec: no such file: {name}", EXIT_COMMAND_NOT_FOUND)
        if os.path.isdir(name) or not os.access(name, os.X_OK):
            raise CliError(f"--exec: not executable: {name}", EXIT_NOT_EXECUTABLE)
    elif shutil.which(name) is None:
        raise CliError(f"--exec: command not found: {name}", EXIT_COMMAND_NOT_FOUND)


def _run_command(
    command: list[str], path: str, running: _Running | None = None, json_lines: bool = False
) -> int:
    """Runs `command` (no shell) for checkpoint `path`; returns its exit status.

    `{}` in the arguments becomes the path, which is also in `TF_CKPT_PATH`. A
    failure is logged as a warning; a command killed by a signal counts as
    128 + the signal's number, as in a shell. Under `--jobs` the process is
    started through `running`, which ends it when the watch stops. With
    `json_lines`, its standard output goes to standard error, so that ours
    stays one JSON object per line.
    """
    argv = [command[0], *(arg.replace("{}", path) for arg in command[1:])]
    stdout = None
    if json_lines:
        stdout = subprocess.DEVNULL if sys.stderr is None else sys.stderr.fileno()
    running = running or _Running()
    try:
        process = running.start(argv, {**os.environ, PATH_ENV_VAR: path}, stdout)
    except OSError as e:  # removed or made unexecutable since the start
        status = EXIT_COMMAND_NOT_FOUND if isinstance(e, FileNotFoundError) else EXIT_NOT_EXECUTABLE
        _LOG.warning("cannot run %s for %s: %s (status %d)", argv[0], path, e.strerror, status)
        return status
    if process is None:  # the watch is stopping: as if started and terminated at once
        return 128 + signal.SIGTERM
    # As subprocess.run: the command is killed if the wait is interrupted (Ctrl-C).
    with process:
        try:
            returncode = process.wait()
        except BaseException:
            process.kill()
            raise
        finally:
            running.discard(process)
    if returncode < 0:
        _LOG.warning("%s was killed by %s for %s", argv[0], _signal_name(-returncode), path)
        return 128 - returncode
    if returncode:
        _LOG.warning("%s exited with status %d for %s", argv[0], returncode, path)
    else:
        _LOG.info("%s exited with status 0 for %s", argv[0], path)
    return returncode


class _Running:
    """The commands running under `--jobs`, ended by `stop` on the way out.

    Starting a command and stopping them all exclude each other: a command
    whose thread was still starting it when SIGTERM came would otherwise be
    missed by `stop` and outlive the watch (and its checkpoint's pins).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._processes: set[subprocess.Popen[bytes]] = set()
        self._stopped = False

    def start(
        self, argv: list[str], env: dict[str, str], stdout: int | None
    ) -> subprocess.Popen[bytes] | None:
        """Starts `argv`, or returns None once `stop` has been called."""
        with self._lock:
            if self._stopped:
                return None
            process = subprocess.Popen(argv, env=env, stdout=stdout)
            self._processes.add(process)
            return process

    def discard(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._processes.discard(process)

    def stop(self) -> None:
        """Ends the commands still running (the watch is ending: their pins go with it)."""
        with self._lock:
            self._stopped = True
            processes = list(self._processes)
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:  # a real-time signal, which has no name
        return f"signal {number}"
