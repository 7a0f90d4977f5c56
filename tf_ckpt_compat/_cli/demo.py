"""`tf-ckpt-compat demo`: watch a simulated trainer with the code of `watch`."""

from __future__ import annotations

import argparse
import os

from .. import _demo
from .common import add_command, check_environment, directory, positive_int, seconds
from .exits import EXIT_OK, EXIT_USAGE, CliError
from .follow import follow

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .._console import Console
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

        def on_checkpoint(path: str, found: float) -> None:
            console.result(trainer.arrival(path, found))

        console.result(trainer.intro(backend, removed=args.dir is None))
        trainer.start()
        try:
            follow(console, run_dir, on_checkpoint, timeout=trainer.watch_timeout)
        finally:
            trainer.stop()
        console.result(trainer.summary())
    if trainer.error is not None:
        raise CliError(f"the demo trainer failed: {trainer.error}")
    return EXIT_OK
