"""`tf-ckpt-compat conformance`: compare the package with the installed TensorFlow."""

from __future__ import annotations

import argparse
import re

from .._backend import BACKENDS
from .common import add_command
from .exits import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, CliError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .._console import Console
    from .common import Commands, Parser


def add_parser(commands: Commands, parents: list[Parser]) -> None:
    conformance = add_command(
        commands,
        "conformance",
        run,
        "Check, case by case, that this package behaves as the installed TensorFlow.",
        "Runs every conformance scenario (iterator loops on a fake clock, state files,\n"
        "directory layouts, writer arguments) through TensorFlow and through this package,\n"
        "compares everything observable, and prints a summary and a diff per difference.\n"
        "Needs TensorFlow (exit 2 without it). Exits 0 only when every case is equal.",
        parents,
    )
    conformance.add_argument(
        "--backend",
        choices=(*BACKENDS, "both"),
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


def run(args: argparse.Namespace, console: Console) -> int:
    from ..conformance import command

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
