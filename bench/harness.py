"""Timing and statistics: the one interleaved A/B harness every compared row uses.

A side is a `Sample`: a function that measures once and returns named values
(seconds per call, kilobytes, ...). `compare` runs the two sides alternately,
A B A B ..., so that drift in the machine's load hits both alike, and keeps the
pairs together so that each pair gives a ratio.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Callable

Sample = Callable[[], dict[str, float]]


@dataclass
class Stats:
    """Median and range of a list of measurements."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        return cls(statistics.median(values), min(values), max(values))


@dataclass
class Comparison:
    """One measured quantity of an interleaved run: A's and B's values, pair by pair."""

    a: list[float]
    b: list[float]

    @property
    def ratios(self) -> list[float]:
        """A / B for each pair."""
        return [x / y for x, y in zip(self.a, self.b)]

    @property
    def stats_a(self) -> Stats:
        return Stats.of(self.a)

    @property
    def stats_b(self) -> Stats:
        return Stats.of(self.b)

    @property
    def stats_ratio(self) -> Stats:
        return Stats.of(self.ratios)


def compare(a: Sample, b: Sample, pairs: int, warmup: int = 1) -> dict[str, Comparison]:
    """Runs `warmup` unrecorded pairs, then `pairs` pairs, A before B in each.

    Returns one `Comparison` per name the samples return.
    """
    return compare_each({None: (a, b)}, pairs, warmup)[None]


def compare_each(
    sides: dict[Hashable, tuple[Sample, Sample]], pairs: int, warmup: int = 1
) -> dict[Hashable, dict[str, Comparison]]:
    """`compare` for several A/B pairs at once (one per input size, say).

    Each round runs one A B pair of every key in turn, so that a change in the
    machine's load between rounds affects every key alike and results for
    different keys can be compared with each other too.
    """
    for _ in range(warmup):
        for a, b in sides.values():
            a()
            b()
    results: dict[Hashable, dict[str, Comparison]] = {key: {} for key in sides}
    for _ in range(pairs):
        for key, (a, b) in sides.items():
            values_a, values_b = a(), b()
            for name, value in values_a.items():
                comparison = results[key].setdefault(name, Comparison([], []))
                comparison.a.append(value)
                comparison.b.append(values_b[name])
    return results


def per_call(fn: Callable[[], object], reps: int) -> Sample:
    """A sample: the mean wall time of one call of `fn`, over `reps` calls in a row.

    The garbage collector stays enabled (the callers' code runs with it), but
    each sample starts from a collected heap so that one side's garbage is not
    collected on the other side's time.
    """

    def sample() -> dict[str, float]:
        gc.collect()
        start = time.perf_counter_ns()
        for _ in range(reps):
            fn()
        return {"time": (time.perf_counter_ns() - start) / reps / 1e9}

    return sample


def calibrate(fn: Callable[[], object], sample_seconds: float) -> int:
    """How many calls of `fn` make a sample of about `sample_seconds` (at least one)."""
    fn()  # warm: first-call imports and caches are not the steady state
    reps, elapsed = 1, 0.0
    while True:
        start = time.perf_counter()
        for _ in range(reps):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= sample_seconds / 10 or reps >= 1 << 20:
            break
        reps *= 10
    return max(1, round(reps * sample_seconds / max(elapsed, 1e-9)))


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-quantile (0..1) of `values`, nearest rank (no interpolation)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[rank]


# --- Formatting ---

_TIME_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"))


def fmt_time(seconds: float) -> str:
    """`seconds` in s, ms or µs, with three significant digits."""
    for scale, unit in _TIME_UNITS:
        if seconds >= scale or unit == "µs":
            return f"{_sig3(seconds / scale)} {unit}"
    raise AssertionError("unreachable")


def fmt_kb(kilobytes: float) -> str:
    return f"{_sig3(kilobytes / 1024)} MB"


def fmt_ratio(ratio: float) -> str:
    return _sig3(ratio) if ratio >= 0.001 else f"{ratio:.1e}"


def _sig3(x: float) -> str:
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def fmt_stats(stats: Stats, fmt: Callable[[float], str]) -> str:
    """`median [min–max]`."""
    return f"{fmt(stats.median)} [{fmt(stats.low)}–{fmt(stats.high)}]"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
