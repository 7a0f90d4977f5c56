"""Runs every scenario through TensorFlow and through this package, and compares.

The compat suite (pytest) and `tf-ckpt-compat conformance` both go through
`GROUPS` and `compare`, so a scenario exists once and is judged one way.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from typing import Callable, NamedTuple, Union

from .. import _checkpoint_utils, _loop, _management
from .iterator_scenarios import SCENARIOS, IteratorScenario
from .known_differences import KnownDifference, difference, known_difference
from .layouts import LAYOUTS, Layout
from .reader_cases import READER_CASES, ReaderCase
from .runner import run_iterator_scenario, run_layout, run_reader_case, run_writer_case
from .state_files import STATE_FILES
from .writer_cases import WRITER_CASES, WriterCase

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

# Files the corpus' model paths may name, so that latest_checkpoint has something to find.
CORPUS_FILES = {"run/model.ckpt-1.index": "", "run/model.ckpt-2": "", "run/model.ckpt-3.index": ""}


# What a group's runner runs.
Case = Union[IteratorScenario, Layout, WriterCase, ReaderCase]


class Group(NamedTuple):
    name: str
    cases: tuple[Case, ...]
    run: Callable[..., list[tuple[object, ...]]]


def _corpus_layouts() -> tuple[Layout, ...]:
    return tuple(
        Layout(name, {"run/checkpoint": content, **CORPUS_FILES}) for name, content in STATE_FILES
    )


GROUPS: tuple[Group, ...] = (
    Group("iterator", SCENARIOS, run_iterator_scenario),
    Group("layouts", LAYOUTS, run_layout),
    Group("state_files", _corpus_layouts(), run_layout),
    Group("writer", WRITER_CASES, run_writer_case),
    Group("readers", READER_CASES, run_reader_case),
)


def package_functions() -> dict[str, Callable[..., object]]:
    """This package's functions, by the names the runners use."""
    return {
        "checkpoints_iterator": _loop.checkpoints_iterator,
        "wait_for_new_checkpoint": _loop.wait_for_new_checkpoint,
        "get_checkpoint_state": _management.get_checkpoint_state,
        "latest_checkpoint": _management.latest_checkpoint,
        "generate_checkpoint_state_proto": _management.generate_checkpoint_state_proto,
        "update_checkpoint_state": _management.update_checkpoint_state,
        "list_variables": _checkpoint_utils.list_variables,
        "load_checkpoint": _checkpoint_utils.load_checkpoint,
        "load_variable": _checkpoint_utils.load_variable,
    }


def tensorflow_functions() -> dict[str, Callable[..., object]]:
    """TensorFlow's functions, by the same names (imports TensorFlow)."""
    import tensorflow as tf

    # TensorFlow's internals, which its stubs (bundled with pyright) leave out.
    from tensorflow.python.checkpoint import checkpoint_management  # pyright: ignore[reportMissingImports]
    from tensorflow.python.training import checkpoint_utils  # pyright: ignore[reportAttributeAccessIssue]

    return {
        "checkpoints_iterator": tf.train.checkpoints_iterator,
        "wait_for_new_checkpoint": checkpoint_utils.wait_for_new_checkpoint,
        "get_checkpoint_state": tf.train.get_checkpoint_state,
        "latest_checkpoint": tf.train.latest_checkpoint,
        "generate_checkpoint_state_proto": tf.compat.v1.train.generate_checkpoint_state_proto,
        # The undecorated function: its keyword save_relative_paths, and no deprecation notice.
        "update_checkpoint_state": checkpoint_management.update_checkpoint_state_internal,
        "list_variables": tf.train.list_variables,
        "load_checkpoint": tf.train.load_checkpoint,
        "load_variable": tf.train.load_variable,
    }


@contextlib.contextmanager
def using_backend(backend: str, tf_version: str) -> Iterator[None]:
    """Runs the package under `backend`, reproducing TensorFlow `tf_version`'s loop."""
    saved = os.environ.get("TF_CKPT_COMPAT_BACKEND")
    os.environ["TF_CKPT_COMPAT_BACKEND"] = backend
    _loop.set_tf_version(tf_version if backend == "pure" else None)
    try:
        yield
    finally:
        _loop.set_tf_version(None)
        if saved is None:
            del os.environ["TF_CKPT_COMPAT_BACKEND"]
        else:
            os.environ["TF_CKPT_COMPAT_BACKEND"] = saved


class Outcome(NamedTuple):
    group: str
    case: str
    backend: str
    expected: list[tuple[object, ...]]
    actual: list[tuple[object, ...]]
    # How this case differs with the protobuf installed, if it may (known_differences.py).
    known: KnownDifference | None = None

    @property
    def status(self) -> str:
        """`equal`; `known` (differs exactly as documented); `different`; or `stale`
        (documented as differing, yet equal: the table is out of date)."""
        if self.expected == self.actual:
            return "stale" if self.known else "equal"
        if self.known and difference(self.expected, self.actual) == (
            self.known.tensorflow,
            self.known.package,
        ):
            return "known"
        return "different"

    @property
    def reason(self) -> str | None:
        """Why this case may differ with the protobuf installed, or None."""
        return self.known.reason if self.known else None

    @property
    def ok(self) -> bool:
        return self.status in ("equal", "known")


def compare(
    group: Group,
    case: Case,
    tensorflow: dict[str, Callable[..., object]],
    ours: dict[str, Callable[..., object]],
    root: str | os.PathLike[str],
    backend: str,
) -> Outcome:
    """Runs `case` through both implementations, each in its own directory under `root`."""
    from google.protobuf import __version__ as protobuf_version

    expected = group.run(case, tensorflow, os.path.join(root, "tensorflow"))
    actual = group.run(case, ours, os.path.join(root, "package"))
    known = known_difference(f"{group.name}/{case.name}", backend, protobuf_version)
    return Outcome(group.name, case.name, backend, expected, actual, known)


def run_all(
    backends: tuple[str, ...], tf_version: str, pattern: str | None = None
) -> list[Outcome]:
    """Runs every case of every group (those whose `group/case` id matches `pattern`)."""
    selected = re.compile(pattern) if pattern else None
    tensorflow, ours = tensorflow_functions(), package_functions()
    outcomes = []
    for backend in backends:
        with using_backend(backend, tf_version):
            for group in GROUPS:
                for case in group.cases:
                    if selected and not selected.search(f"{group.name}/{case.name}"):
                        continue
                    with tempfile.TemporaryDirectory(prefix="tf-ckpt-compat-") as root:
                        outcomes.append(compare(group, case, tensorflow, ours, root, backend))
    return outcomes
