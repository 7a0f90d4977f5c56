"""Benchmark: tf_ckpt_compat's pure backend against TensorFlow, as a Markdown table.

    python bench/run.py [--quick] [--out FILE] [--rows 1,2,3,4,5] [--seed N] [--package DIR]

Needs TensorFlow (the `bench` extra) for the comparison. See bench/README.md
for what each row measures and how to read the table.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.util
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import detection
import reader_row
import remote_row
import rows
import sweep_row
from harness import markdown_table

ROWS: dict[int, Callable[[rows.Config], rows.Report]] = {
    1: rows.cold_start,
    2: rows.one_poll,
    3: rows.parse_state,
    4: rows.write_state,
    5: detection.run,
    7: reader_row.run,
    9: sweep_row.run,
}
# Row 6 has no TensorFlow side (TensorFlow serves neither memory:// nor, without
# tensorflow-io, s3://): the pure backend's polls per second and requests per
# poll on remote storage, as a table of its own.
REMOTE_ROW = 6
HEADER = (
    "Row",
    "Measure",
    "Size",
    "tf_ckpt_compat (pure)",
    "TensorFlow",
    "pure/TF per pair",
    "Target (median pure/TF)",
    "Holds",
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of under a minute")
    parser.add_argument("--out", type=Path, help="also write the Markdown to this file")
    parser.add_argument("--rows", default="1,2,3,4,5,6,7,9", help="rows to run, e.g. 2,3")
    parser.add_argument("--seed", type=int, default=0, help="seed of the detection row's writer")
    parser.add_argument(
        "--package",
        type=Path,
        default=rows.PACKAGE_ROOT,
        help="the directory holding the tf_ckpt_compat to measure (default: this checkout)",
    )
    args = parser.parse_args(argv)
    try:
        args.rows = sorted({int(r) for r in args.rows.split(",")})
    except ValueError:
        parser.error(f"--rows takes numbers separated by commas, not {args.rows!r}")
    if not set(args.rows) <= {*ROWS, REMOTE_ROW}:
        parser.error(f"--rows: there are rows {min(ROWS)} to {max(*ROWS, REMOTE_ROW)}")
    return args


@contextlib.contextmanager
def quiet_stderr():
    """Sends file descriptor 2 to /dev/null: TensorFlow's C++ start-up lines ignore log levels."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def versions() -> str:
    import google.protobuf
    import tensorflow as tf

    import tf_ckpt_compat

    return (
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
        f"package from {Path(tf_ckpt_compat.__file__).parent.parent}; "
        f"Python {platform.python_version()}; TensorFlow {tf.__version__}; "
        f"protobuf {google.protobuf.__version__}; tf_ckpt_compat {tf_ckpt_compat.__version__}; "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    )


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if importlib.util.find_spec("tensorflow") is None:
        print(
            f"bench/run.py: TensorFlow is not installed for {sys.executable}; the benchmark "
            "compares against it: pip install '.[bench]'",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    rows.PACKAGE_ROOT = args.package.resolve()  # for this process and every child
    sys.path.insert(1, str(rows.PACKAGE_ROOT))
    random.seed(args.seed)
    os.environ["TF_CKPT_COMPAT_BACKEND"] = "pure"  # what the public functions use here
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    load = os.getloadavg()[0]
    with quiet_stderr():
        header = versions()  # imports TensorFlow, for the warm rows
    tmp = Path(tempfile.mkdtemp(prefix="tf-ckpt-compat-bench-"))
    try:
        config = rows.Config.make(args.quick, args.seed, tmp)
        reports = []
        remote = ""
        for number in args.rows:
            row_started = time.perf_counter()
            if number == REMOTE_ROW:
                remote = remote_row.markdown(remote_row.measure(args.quick))
            else:
                reports.append(ROWS[number](config))
            elapsed = time.perf_counter() - row_started
            print(f"row {number}: {elapsed:.1f} s", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    lines = [line for report in reports for line in report.lines]
    table = markdown_table(
        HEADER,
        [
            (
                line.row,
                line.measure,
                line.size,
                line.pure,
                line.tf,
                line.ratio,
                line.target,
                {True: "yes", False: "**no**", None: "—"}[line.holds],
            )
            for line in lines
        ],
    )
    notes = "".join(f"- {note}\n" for report in reports for note in report.notes)
    mode = "quick (smoke run, smaller sizes and fewer samples)" if args.quick else "full"
    markdown = (
        f"{header}; {mode} run in {time.perf_counter() - started:.0f} s "
        f"(load average {load:.2f} before it).\n\n{table}\n{notes}"
    )
    if remote:
        markdown += f"\nRow 6, remote storage (pure backend only):\n\n{remote}"
    print(markdown)
    if args.out:
        args.out.write_text(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
