"""Rows 1 to 4: the package's pure backend against TensorFlow, pair by pair.

Every row here goes through the harness (`compare`, or `compare_each` for
several sizes): A is the package's public function under
`TF_CKPT_COMPAT_BACKEND=pure`, B is TensorFlow's function. Each row checks
first that both sides give the same answer on its input.
"""

from __future__ import annotations

import compileall
import marshal
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import harness
from harness import Comparison, Sample, Stats, compare, fmt_kb, fmt_ratio, fmt_stats, fmt_time

# Where `tf_ckpt_compat` is imported from, here and in every child: this checkout by default.
PACKAGE_ROOT = Path(__file__).resolve().parent.parent
BACKEND_VAR = "TF_CKPT_COMPAT_BACKEND"


@dataclass
class Config:
    quick: bool
    seed: int
    tmp: Path
    cold_pairs: int = 9
    warm_pairs: int = 15
    state_pairs: int = 11
    sample_seconds: float = 0.05
    poll_sizes: Sequence[int] = (10, 10_000, 100_000)
    state_sizes: Sequence[int] = (5, 1_000, 100_000)
    detect_checkpoints: int = 40

    @classmethod
    def make(cls, quick: bool, seed: int, tmp: Path) -> Config:
        if not quick:
            return cls(quick, seed, tmp)
        return cls(
            quick,
            seed,
            tmp,
            cold_pairs=2,
            warm_pairs=5,
            state_pairs=3,
            sample_seconds=0.01,
            poll_sizes=(10, 10_000),
            state_sizes=(5, 1_000, 10_000),
            detect_checkpoints=5,
        )


@dataclass
class Line:
    """One line of the table."""

    row: str
    measure: str
    size: str
    pure: str
    tf: str
    ratio: str
    target: str
    holds: Optional[bool]

    @classmethod
    def of(
        cls,
        row: str,
        measure: str,
        size: str,
        comparison: Comparison,
        fmt: Callable[[float], str],
        target: float,
        target_text: str,
    ) -> Line:
        """A compared line; the target holds when the median pure/TF ratio is at most `target`."""
        ratio = comparison.stats_ratio
        return cls(
            row,
            measure,
            size,
            fmt_stats(comparison.stats_a, fmt),
            fmt_stats(comparison.stats_b, fmt),
            fmt_stats(ratio, fmt_ratio),
            f"≤ {fmt_ratio(target)} ({target_text})",
            ratio.median <= target,
        )


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child process: this one's, with this checkout importable."""
    path = os.pathsep.join(p for p in (str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def make_run_directory(directory: Path, n_files: int, keep: int = 3) -> str:
    """A training run's directory holding exactly `n_files` files; returns the latest prefix.

    Old checkpoints (empty `.index` and `.data-00000-of-00001` files, one
    events file to round the count) and then the last `keep` checkpoints,
    published by the package's test writer: the state file lists only those.
    """
    from tf_ckpt_compat.testing import CheckpointDirectory

    checkpoints = (n_files - 2) // 2
    assert checkpoints >= keep, n_files
    run = CheckpointDirectory(directory)
    run.mkdir()
    flags = os.O_CREAT | os.O_WRONLY | os.O_EXCL
    for step in range(checkpoints - keep):
        for suffix in (".index", ".data-00000-of-00001"):
            os.close(os.open(run.prefix(step) + suffix, flags, 0o644))
    for step in range(n_files - 1 - 2 * checkpoints):
        os.close(os.open(os.path.join(directory, f"events.out.tfevents.{step}"), flags, 0o644))
    for step in range(checkpoints - keep, checkpoints):
        latest = run.publish(step, timestamp=1.7e9 + step)
    assert len(os.listdir(directory)) == n_files
    return latest


def state_inputs(n: int) -> tuple:
    """`(model_checkpoint_path, paths, timestamps)` for a state listing `n` checkpoints.

    Relative names, as `tf.train.CheckpointManager` writes them.
    """
    paths = [f"ckpt-{1000 * (i + 1)}" for i in range(n)]
    timestamps = [1.7e9 + 61.25 * i for i in range(n)]
    return paths[-1], paths, timestamps


def same_state(pure: object, tf: object) -> bool:
    def fields(s: object) -> tuple:
        return (
            s.model_checkpoint_path,
            list(s.all_model_checkpoint_paths),
            list(s.all_model_checkpoint_timestamps),
            s.last_preserved_timestamp,
        )

    return fields(pure) == fields(tf)


Fn = Callable[[], object]


def timed(config: Config, sides: dict[int, tuple[Fn, Fn]], pairs: int) -> dict[int, Comparison]:
    """Per-call times of A against B for each size, all sizes in every round.

    Each side's sample lasts about `config.sample_seconds` (at least one call).
    """
    samples = {
        n: tuple(harness.per_call(fn, harness.calibrate(fn, config.sample_seconds)) for fn in fns)
        for n, fns in sides.items()
    }
    return {n: result["time"] for n, result in harness.compare_each(samples, pairs).items()}


# --- Row 1: cold start ---

COLD_PURE = "import sys, tf_ckpt_compat; print(tf_ckpt_compat.latest_checkpoint(sys.argv[1]))"
COLD_TF = "import sys, tensorflow as tf; print(tf.train.latest_checkpoint(sys.argv[1]))"


class Launcher:
    """The `spawner.py` process, which runs children and reports their wall time and peak RSS."""

    def __init__(self, cwd: Path) -> None:
        script = Path(__file__).with_name("spawner.py")
        self._proc = subprocess.Popen(
            [sys.executable, "-S", "-E", str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=cwd,
        )
        self._stderr = str(cwd / "child.stderr")

    def _ask(self, request: object) -> object:
        assert self._proc.stdin and self._proc.stdout
        marshal.dump(request, self._proc.stdin)
        self._proc.stdin.flush()
        return marshal.load(self._proc.stdout)

    def sample(
        self,
        code: str,
        args: Sequence[str],
        env: dict[str, str],
        expect: str,
        flags: Sequence[str] = (),
    ) -> Sample:
        """A sample: run `python [flags] -c code args`, check it printed `expect`."""
        argv = [sys.executable, *flags, "-c", code, *args]

        def sample() -> dict[str, float]:
            wall_ns, maxrss_kb, status, out = self._ask((argv, env, self._stderr))
            if status != 0 or out.decode().strip() != expect:
                stderr = Path(self._stderr).read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{code!r} exited {status}, printed {out!r}:\n{stderr}")
            return {"wall": wall_ns / 1e9, "rss": float(maxrss_kb)}

        return sample

    def own_peak_kb(self) -> int:
        return self._ask(None)

    def close(self) -> None:
        assert self._proc.stdin
        self._proc.stdin.close()
        self._proc.wait()


def cold_start(config: Config) -> Report:
    # As `pip install` does: the children must not compile the package on every start.
    compileall.compile_dir(PACKAGE_ROOT / "tf_ckpt_compat", quiet=1)
    directory = config.tmp / "cold"
    expected = make_run_directory(directory, 10)
    launcher = Launcher(config.tmp)
    try:
        pure = launcher.sample(
            COLD_PURE, [str(directory)], child_env(**{BACKEND_VAR: "pure"}), expected
        )
        tf = launcher.sample(
            COLD_TF, [str(directory)], child_env(TF_CPP_MIN_LOG_LEVEL="3"), expected
        )
        result = compare(pure, tf, config.cold_pairs)
        empty = {
            flags: [launcher.sample("pass", [], child_env(), "", flags)() for _ in range(5)]
            for flags in ((), ("-S",))
        }
        launcher_kb = launcher.own_peak_kb()
    finally:
        launcher.close()
    wall, rss = result["wall"], result["rss"]
    bare, no_site = (Stats.of([s["wall"] for s in empty[f]]).median for f in ((), ("-S",)))
    bare_kb = Stats.of([s["rss"] for s in empty[()]]).median
    notes = [
        f"Row 1: the package starts {1 / wall.stats_ratio.median:.0f}× faster than TensorFlow "
        f"(median of pairs). An empty `python -c pass` takes {fmt_time(bare)} and "
        f"{fmt_kb(bare_kb)} here, {fmt_time(no_site)} with `-S` (no `site`; medians of 5): the "
        f"floor under both sides. Children are spawned by a launcher whose own peak RSS is "
        f"{fmt_kb(launcher_kb)}, below every child's, so it does not inflate their `ru_maxrss`."
    ]
    finders = sorted(name for name in sys.modules if name.startswith("__editable__"))
    if finders:
        notes.append(
            f"Row 1: **not representative**: this interpreter imports setuptools' editable-install "
            f"finder (`{finders[0]}`) at every start, so every child, on both sides, pays for it "
            f"(`site` costs {fmt_time(bare - no_site)} here). A user's regular install does not: "
            f"run the benchmark from a virtual environment with a regular install."
        )
    return Report(
        [
            Line.of("1", "cold start: wall time", "10 files", wall, fmt_time, 0.01, "100× faster"),
            Line.of("1", "cold start: peak RSS", "10 files", rss, fmt_kb, 1 / 30, "1/30 of memory"),
        ],
        notes,
    )


# --- Row 2: one poll ---


def one_poll(config: Config) -> Report:
    import tensorflow as tf

    import tf_ckpt_compat
    from tf_ckpt_compat import _pure

    sides = {}
    for n in config.poll_sizes:
        directory = str(config.tmp / f"poll-{n}")
        expected = make_run_directory(Path(directory), n)
        assert tf_ckpt_compat.latest_checkpoint(directory) == expected
        assert tf.train.latest_checkpoint(directory) == expected
        sides[n] = (
            lambda d=directory: tf_ckpt_compat.latest_checkpoint(d),
            lambda d=directory: tf.train.latest_checkpoint(d),
        )
    results = timed(config, sides, config.warm_pairs)
    report = Report(
        [
            Line.of("2", "one poll", f"{n:,} files", result, fmt_time, 1 / 3, "3× faster")
            for n, result in results.items()
        ]
    )
    small, large = min(results), max(results)
    growth_pure = results[large].stats_a.median / results[small].stats_a.median
    growth_tf = results[large].stats_b.median / results[small].stats_b.median
    report.notes.append(
        f"Row 2, flat in the directory size (target: the median within 25% from {small:,} to "
        f"{large:,} files): pure {growth_pure:.2f}× "
        f"({'holds' if growth_pure <= 1.25 else 'MISSED'}), TensorFlow {growth_tf:.2f}×. "
        f"Neither lists the directory: both check that `<prefix>.index` exists."
    )
    directory = str(config.tmp / f"poll-{small}")
    dispatch = timed(
        config,
        {
            small: (
                lambda: tf_ckpt_compat.latest_checkpoint(directory),
                lambda: _pure.latest_checkpoint(directory),
            )
        },
        config.warm_pairs,
    )[small]
    extra = Stats.of([a - b for a, b in zip(dispatch.a, dispatch.b)]).median
    report.notes.append(
        f"Row 2: the public function's dispatch (reading `{BACKEND_VAR}`, choosing the backend) "
        f"costs {fmt_time(max(extra, 0))} per call over `_pure.latest_checkpoint` "
        f"({100 * max(extra, 0) / results[small].stats_a.median:.0f}% of a poll; median of pairs)."
    )
    return report


# --- Rows 3 and 4: the state file ---


def parse_state(config: Config) -> Report:
    import tensorflow as tf
    from tensorflow.python.checkpoint import checkpoint_management as cm

    import tf_ckpt_compat

    sides = {}
    for n in config.state_sizes:
        directory = str(config.tmp / f"parse-{n}")
        os.makedirs(directory)
        model, paths, stamps = state_inputs(n)
        cm.update_checkpoint_state_internal(
            directory,
            model,
            paths,
            all_model_checkpoint_timestamps=stamps,
            last_preserved_timestamp=stamps[0],
        )
        pure_state = tf_ckpt_compat.get_checkpoint_state(directory)
        assert same_state(pure_state, tf.train.get_checkpoint_state(directory))
        sides[n] = (
            lambda d=directory: tf_ckpt_compat.get_checkpoint_state(d),
            lambda d=directory: tf.train.get_checkpoint_state(d),
        )
    results = timed(config, sides, config.state_pairs)
    report = Report(
        [
            Line.of("3", "parse", f"{n:,} checkpoints", result, fmt_time, 1 / 2, "2× faster")
            for n, result in results.items()
        ]
    )
    mid, large = sorted(results)[-2:]
    per_mid, per_large = (results[n].stats_a.median / n for n in (mid, large))
    growth = per_large / per_mid
    report.notes.append(
        f"Row 3, linear in size (target: the time per checkpoint within 50% from {mid:,} to "
        f"{large:,}): pure {fmt_time(per_mid)} → {fmt_time(per_large)} per checkpoint, "
        f"{growth:.2f}× ({'holds' if growth <= 1.5 else 'MISSED'}). The state files list "
        f"relative names with timestamps, as `tf.train.CheckpointManager` writes them."
    )
    size, peak = escape_heavy_parse_peak(250_000 if config.quick else 1_000_000)
    report.notes.append(
        f"Row 3, memory (target: a peak under 5× the file): parsing an escape-heavy state file "
        f"of {size / 1e6:.2f} MB (one path of C escapes) peaks at {fmt_kb(peak / 1024)} "
        f"of allocations (tracemalloc), {peak / size:.1f}× its size "
        f"({'holds' if peak < 5 * size else 'MISSED'}; pure side only)."
    )
    return report


def escape_heavy_parse_peak(size: int) -> tuple[int, int]:
    """(the text's length, the tracemalloc peak of parsing it) for a file of about `size` chars."""
    import tracemalloc

    from tf_ckpt_compat import _textformat

    unit = "\\t\\n\\001\\x41\\x4\\303\\251\\u00e9"
    text = 'model_checkpoint_path: "' + unit * (size // len(unit)) + '"\n'
    tracemalloc.start()
    try:
        _textformat.parse(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return len(text), peak


def write_state(config: Config) -> Report:
    from tensorflow.python.checkpoint import checkpoint_management as cm

    import tf_ckpt_compat

    def writer(update: Callable[..., None], directory: Path, n: int) -> Fn:
        directory.mkdir()
        model, paths, stamps = state_inputs(n)
        return lambda: update(
            str(directory),
            model,
            paths,
            all_model_checkpoint_timestamps=stamps,
            last_preserved_timestamp=stamps[0],
        )

    sides = {}
    for n in config.state_sizes:
        pure_dir, tf_dir = config.tmp / f"write-{n}-pure", config.tmp / f"write-{n}-tf"
        sides[n] = (
            writer(tf_ckpt_compat.update_checkpoint_state, pure_dir, n),
            writer(cm.update_checkpoint_state_internal, tf_dir, n),
        )
        for write in sides[n]:
            write()
        written = [(d / "checkpoint").read_bytes() for d in (pure_dir, tf_dir)]
        assert written[0] == written[1], "the two writers wrote different bytes"
    results = timed(config, sides, config.state_pairs)
    report = Report(
        [
            Line.of("4", "write", f"{n:,} checkpoints", result, fmt_time, 1.0, "no slower")
            for n, result in results.items()
        ]
    )
    report.notes.append(
        "Row 4: TensorFlow's side is the undecorated "
        "`checkpoint_management.update_checkpoint_state_internal`, so its one-time "
        "deprecation notice is not measured. Both write the same bytes; the pure writer "
        "also fsyncs the temporary file before the rename, TensorFlow's does not."
    )
    return report
