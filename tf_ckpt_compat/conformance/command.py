"""`tf-ckpt-compat conformance`: the parity check a user runs in their own CI."""

from __future__ import annotations

import importlib.util
import platform
from typing import NamedTuple

from .._backend import BACKENDS
from .report import RENDERERS, totals


class ConformanceUnavailable(Exception):
    """The check cannot run here (no TensorFlow, or nothing selected): exit 2."""


def versions(tf_version: str) -> dict[str, str]:
    """What the result depends on: TensorFlow, protobuf, Python, this package, the loop."""
    from google.protobuf import __version__ as protobuf_version

    from .. import __version__
    from .._tf_version import variant_of

    return {
        "tensorflow": tf_version,
        "protobuf": protobuf_version,
        "python": platform.python_version(),
        "tf-ckpt-compat": __version__,
        "loop variant": variant_of(tf_version, source="tensorflow.__version__"),
    }


class Report(NamedTuple):
    text: str
    # "N equal, K known differences, M different"
    totals: str
    ok: bool


def run(backend: str, fmt: str, pattern: str | None) -> Report:
    """Runs the check and renders the report.

    Args:
      backend: `pure`, `tensorflow` or `both`: which of the package's backends
        to compare with TensorFlow.
      fmt: `text`, `json` or `junit`.
      pattern: a regular expression; only cases whose `group/case` id it
        matches are run.

    Returns:
      The report, its totals line, and whether every case was equal or a
      documented known difference.

    Raises:
      ConformanceUnavailable: TensorFlow is not installed, or `pattern` matches
        no case.
    """
    if importlib.util.find_spec("tensorflow") is None:
        raise ConformanceUnavailable(
            "the conformance check compares with TensorFlow, which is not installed here "
            "(pip install 'tf-ckpt-compat[tensorflow]')"
        )
    import tensorflow as tf

    from .check import run_all

    backends = BACKENDS if backend == "both" else (backend,)
    outcomes = run_all(backends, tf.__version__, pattern)
    if not outcomes:
        raise ConformanceUnavailable(f"no conformance case matches -k {pattern!r}")
    text = RENDERERS[fmt](outcomes, versions(tf.__version__))
    return Report(text, totals(outcomes), all(o.ok for o in outcomes))
