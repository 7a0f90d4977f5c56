"""`tf-ckpt-compat demo`: watch a simulated trainer with the code of `watch`."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import threading

from .. import _demo
from .common import add_command, check_environment, directory, positive_int, seconds
from .exits import EXIT_OK, EXIT_USAGE, CliError
from .follow import follow

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    from .._console import Console
    from .._watch import Checkpoint
    from .common import Commands, Parser


def add_parser(commands: Commands, parents: list[Parser]) -> None:
    demo = add_command(
        commands,
        "demo",
        run,
        "Watch a simulated trainer publish checkpoints, with the code of `watch`.",
        "A thread writes real TensorFlow 2 checkpoint files and state files; the watch\n"
        "shows each checkpoint found and how long after its publication. The watch's\n"
        "timeout is INTERVAL+2 seconds: it ends that long after the last checkpoint.",
        parents,
    )
    demo.add_argument(
        "--checkpoints", type=positive_int, default=5, metavar="N", help="how many (default: 5)"
    )
    demo.add_argument(
        "--interval",
        type=seconds,
        default=1.5,
        metavar="SECONDS",
        help="seconds between two (default: 1.5)",
    )
    demo.add_argument(
        "--dir",
        type=directory,
        metavar="DIR",
        help="a new or empty directory to train into, kept (default: a temporary one, removed)",
    )


def run(args: argparse.Namespace, console: Console) -> int:
    backend = check_environment(iterator=True)
    if args.dir is not None and os.path.isdir(args.dir) and os.listdir(args.dir):
        # The demo writes a state file: never over a real run's.
        raise CliError(f"--dir {args.dir} is not empty: give a new or empty directory", EXIT_USAGE)
    with _demo.run_directory(args.dir) as run_dir:
        trainer = _demo.Trainer(run_dir, args.checkpoints, args.interval)

        def on_checkpoint(checkpoint: Checkpoint | str, found: float) -> None:
            console.result(trainer.arrival(os.fspath(checkpoint), found))

        console.result(trainer.intro(backend, removed=args.dir is None))
        try:
            with _running(trainer):
                follow(console, run_dir, on_checkpoint, timeout=trainer.watch_timeout)
        except _TrainerFailed:
            pass  # reported below, after the summary
        finally:
            trainer.stop()
        console.result(trainer.summary())
    if trainer.error is not None:
        raise CliError(f"the demo trainer failed: {trainer.error}")
    return EXIT_OK


class _TrainerFailed(Exception):
    """Raised in the main thread when the trainer's thread has died of an error."""


@contextlib.contextmanager
def _running(trainer: _demo.Trainer) -> Iterator[None]:
    """Starts `trainer`; if it fails, interrupts the watch at once with `_TrainerFailed`.

    The watch blocks in the iterator for up to its timeout, and a thread
    cannot raise in another: a signal sent to the main thread can. SIGUSR1's
    handler raises only once the trainer has failed (a stray one is ignored).
    Where signals cannot do this (no `pthread_kill`, not the main thread),
    the watch ends at its timeout.
    """
    on_main_thread = threading.current_thread() is threading.main_thread()
    if not (on_main_thread and hasattr(signal, "pthread_kill")):
        trainer.start()
        yield
        return
    main = threading.get_ident()
    lock = threading.Lock()
    watching = True

    def handler(signum: int, frame: object) -> None:
        if trainer.error is not None:
            raise _TrainerFailed

    def wait_for_the_trainer() -> None:
        trainer.join()
        with lock:  # never once the handler is put back: SIGUSR1 would kill the process
            if watching and trainer.error is not None:
                signal.pthread_kill(main, signal.SIGUSR1)

    previous = signal.signal(signal.SIGUSR1, handler)
    try:
        trainer.start()
        threading.Thread(target=wait_for_the_trainer, name="demo-trainer-end", daemon=True).start()
        yield
    finally:
        with lock:
            watching = False
        signal.signal(signal.SIGUSR1, previous)
