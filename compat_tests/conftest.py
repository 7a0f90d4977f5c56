"""The compat suite: the real TensorFlow beside this package, on the same inputs.

In CI (`CI=true`) a missing TensorFlow fails the run; elsewhere it skips the
suite with a reason, so that a developer without TensorFlow is not misled.
"""

import os
import sys
from pathlib import Path

import pytest

import tf_ckpt_compat
from tf_ckpt_compat._backend import BACKENDS

# The helpers this suite shares with tests/ (`storage_helpers`) live in tests/, which pytest
# puts on the path only when it collects tests/. Appended, so that it shadows no other module.
sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))


def import_tensorflow():
    """Returns the `tensorflow` module; fails in CI, and skips elsewhere, when it is missing."""
    if os.environ.get("CI") == "true":
        import tensorflow

        return tensorflow
    return pytest.importorskip("tensorflow", reason="the compat suite needs TensorFlow")


@pytest.fixture(scope="session")
def tf():
    return import_tensorflow()


@pytest.fixture(params=BACKENDS)
def backend(request, monkeypatch, tf):
    """Runs the test under each backend; the pure one reproduces the installed TF's loop."""
    monkeypatch.setenv("TF_CKPT_COMPAT_BACKEND", request.param)
    tf_ckpt_compat.set_tf_version(tf.__version__ if request.param == "pure" else None)
    assert tf_ckpt_compat.backend() == request.param
    yield request.param
    tf_ckpt_compat.set_tf_version(None)
