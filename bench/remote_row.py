"""Benchmark row: polls per second and requests per poll on remote storage (pure backend).

    from remote_row import measure
    rows = measure(quick=True)   # one dict per target

A poll is `tf_ckpt_compat.latest_checkpoint(dir)` on a directory holding one
published checkpoint, which is what `checkpoints_iterator` does once a second.
Targets: fsspec's `memory://` (the adapter's own cost), and, when `moto[server]`
and `s3fs` are installed, a moto S3 server on 127.0.0.1 (a free port) reached
by s3fs over HTTP (this process's own loopback round trips, not a cloud's).

Requests are counted where they are made: the fsspec calls on memory://, the
HTTP requests the server receives on S3. "Changed" polls follow the
publication of a new checkpoint; "unchanged" ones do not.

Needs `tf_ckpt_compat` and fsspec. It does not import the benchmark harness;
it does import `tests/storage_helpers.py`, so that the tests and this row count
requests in one way: fsspec calls through `counting`, the server's requests
through `moto_s3`. Run it alone with `python bench/remote_row.py [--quick]` for
a Markdown table.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable, NamedTuple
from unittest import mock

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

# tests/ is not a package, and the repository's top level holds nothing to import: the
# shared helpers are found by putting tests/ on the path. Appended, so that it shadows
# nothing (run.py puts the package it measures ahead of everything).
sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))

from storage_helpers import counting, moto_s3  # noqa: E402

BACKEND_VAR = "TF_CKPT_COMPAT_BACKEND"
BUCKET = "tfcc-bench"
# Requests that list a "directory": the S3 server's kind, then fsspec's methods.
LISTINGS = {"LIST", "ls", "find", "glob"}


class _Target(NamedTuple):
    """A directory on some storage, and the requests made to that storage."""

    name: str
    fs: Any  # the fsspec filesystem instance the pure backend gets too
    root: str  # a URL
    requests: Callable[[], list[str]]  # made since the last reset, by kind, in order
    reset: Callable[[], None]

    def directory(self) -> str:
        return self.root + "/run"


@contextlib.contextmanager
def _memory_target() -> Iterator[_Target]:
    """fsspec's memory://, its requests counted as the fsspec calls made."""
    import fsspec

    fs = fsspec.filesystem("memory")
    root = f"memory://tfcc-bench-{uuid.uuid4().hex[:8]}"
    try:
        with counting(fs) as calls:
            yield _Target("memory://", fs, root, lambda: [name for name, _ in calls], calls.clear)
    finally:
        with contextlib.suppress(FileNotFoundError):
            fs.rm(root, recursive=True)


@contextlib.contextmanager
def _s3_target() -> Iterator[_Target]:
    """moto's S3 server on 127.0.0.1, its requests counted as the server receives them."""
    import fsspec

    with moto_s3(BUCKET) as server:
        yield _Target(
            "s3:// (moto server, 127.0.0.1)",
            fsspec.filesystem("s3"),
            f"s3://{BUCKET}/{uuid.uuid4().hex[:8]}",
            server.requests.kinds,
            server.requests.clear,
        )


def _publish(target: _Target, step: int) -> str:
    """Publishes checkpoint `step` as TensorFlow 2 does: its files, then the state file."""
    import tf_ckpt_compat

    directory = target.directory()
    prefix = f"{directory}/model.ckpt-{step}"
    target.fs.pipe_file(prefix + ".data-00000-of-00001", b"\0" * 16)
    target.fs.pipe_file(prefix + ".index", b"\0" * 8)
    tf_ckpt_compat.update_checkpoint_state(directory, prefix)
    return prefix


def _measure_target(target: _Target, quick: bool) -> dict[str, object]:
    import tf_ckpt_compat

    directory = target.directory()
    prefix = _publish(target, 1)
    if tf_ckpt_compat.latest_checkpoint(directory) != prefix:
        raise RuntimeError(f"{target.name}: the published checkpoint was not found")

    def requests_of_one_poll() -> list[str]:
        target.reset()
        tf_ckpt_compat.latest_checkpoint(directory)
        return target.requests()

    unchanged = [requests_of_one_poll() for _ in range(5)]
    changed = []
    for step in range(2, 5):
        _publish(target, step)
        changed.append(requests_of_one_poll())

    # Polls per second of an unchanged directory: the median of a few timed runs.
    runs, seconds = (3, 0.2) if quick else (7, 1.0)
    rates = []
    for _ in range(runs):
        polls, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            tf_ckpt_compat.latest_checkpoint(directory)
            polls += 1
        rates.append(polls / (time.perf_counter() - start))
    return {
        "target": target.name,
        "polls_per_second": statistics.median(rates),
        "polls_per_second_runs": rates,
        "requests_per_poll_unchanged": statistics.mean(len(r) for r in unchanged),
        "requests_per_poll_changed": statistics.mean(len(r) for r in changed),
        "requests_unchanged": ", ".join(unchanged[-1]),
        "requests_changed": ", ".join(changed[-1]),
        "lists_per_poll": sum(kind in LISTINGS for r in unchanged + changed for kind in r)
        / len(unchanged + changed),
    }


def _targets() -> list[Callable[[], contextlib.AbstractContextManager[_Target]]]:
    try:
        import moto.server  # noqa: F401
        import s3fs  # noqa: F401
    except ImportError:
        return [_memory_target]
    return [_memory_target, _s3_target]


def measure(quick: bool) -> list[dict[str, object]]:
    """One dict per target: polls per second and requests per poll, unchanged and changed.

    Keys: target, polls_per_second (median), polls_per_second_runs,
    requests_per_poll_unchanged, requests_per_poll_changed (means),
    requests_unchanged / requests_changed (one poll's requests, in order),
    lists_per_poll. The S3 target is left out when moto or s3fs is missing.
    """
    rows = []
    with mock.patch.dict(os.environ, {BACKEND_VAR: "pure"}):
        for target in _targets():
            with target() as opened:
                rows.append(_measure_target(opened, quick))
    return rows


def markdown(rows: list[dict[str, object]]) -> str:
    lines = [
        "| Storage | Polls per second | Requests per poll (unchanged) "
        "| Requests per poll (changed) | Listings per poll |",
        "|---|---:|---|---|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['target']} | {row['polls_per_second']:,.0f} "
            f"| {row['requests_per_poll_unchanged']:g} ({row['requests_unchanged']}) "
            f"| {row['requests_per_poll_changed']:g} ({row['requests_changed']}) "
            f"| {row['lists_per_poll']:g} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(measure(quick="--quick" in sys.argv[1:])))
