"""Adopting the package by assigning its functions to TensorFlow's, before the first call.

`checkpoint_management.latest_checkpoint = tf_ckpt_compat.latest_checkpoint` is a
common way to adopt a shim: TensorFlow's own callers (its `checkpoints_iterator`
among them) then go through the package. The tensorflow backend, imported on its
first use after such an assignment, must still call TensorFlow's functions, not
the package's (itself).
"""

from __future__ import annotations

import os
import sys
from types import ModuleType

import pytest

import tf_ckpt_compat

PREFIX = "model.ckpt-1"


@pytest.fixture
def checkpoint_management(tf, monkeypatch) -> ModuleType:
    """TensorFlow's module, with the tensorflow backend's first use still to come.

    The backend's module, imported beforehand as usual, is put back after the test.
    """
    from tensorflow.python.checkpoint import checkpoint_management

    from tf_ckpt_compat import _tf  # noqa: F401  (imported now, so that it is put back)

    monkeypatch.setenv("TF_CKPT_COMPAT_BACKEND", "tensorflow")
    monkeypatch.delitem(sys.modules, "tf_ckpt_compat._tf")
    monkeypatch.delattr(tf_ckpt_compat, "_tf")
    return checkpoint_management


@pytest.fixture
def run_dir(tmp_path) -> str:
    """A directory whose state file names one TensorFlow 2 checkpoint (its index file)."""
    (tmp_path / f"{PREFIX}.index").write_bytes(b"")
    (tmp_path / "checkpoint").write_text(
        f'model_checkpoint_path: "{PREFIX}"\nall_model_checkpoint_paths: "{PREFIX}"\n'
    )
    return str(tmp_path)


def test_latest_checkpoint_assigned_to_tensorflows_module(
    tf, checkpoint_management, monkeypatch, run_dir
):
    monkeypatch.setattr(
        checkpoint_management, "latest_checkpoint", tf_ckpt_compat.latest_checkpoint
    )
    expected = os.path.join(run_dir, PREFIX)
    assert tf_ckpt_compat.latest_checkpoint(run_dir) == expected
    assert checkpoint_management.latest_checkpoint(run_dir) == expected
    # TensorFlow's loop calls checkpoint_management.latest_checkpoint: now the package's.
    assert next(tf.train.checkpoints_iterator(run_dir)) == expected
    assert sys.modules["tf_ckpt_compat._tf"].latest_checkpoint is tf.train.latest_checkpoint


def test_get_checkpoint_mtimes_assigned_to_tensorflows_module(
    tf, checkpoint_management, monkeypatch, run_dir
):
    prefix = os.path.join(run_dir, PREFIX)
    expected = tf.compat.v1.train.get_checkpoint_mtimes([prefix])
    monkeypatch.setattr(
        checkpoint_management, "get_checkpoint_mtimes", tf_ckpt_compat.get_checkpoint_mtimes
    )
    assert tf_ckpt_compat.get_checkpoint_mtimes([prefix]) == expected
    assert checkpoint_management.get_checkpoint_mtimes([prefix]) == expected


def test_every_function_assigned_to_tensorflows_module_and_exports(
    tf, checkpoint_management, monkeypatch, run_dir
):
    prefix = os.path.join(run_dir, PREFIX)
    state = tf.train.get_checkpoint_state(run_dir)
    mtimes = tf.compat.v1.train.get_checkpoint_mtimes([prefix])
    names = [
        "get_checkpoint_state",
        "latest_checkpoint",
        "generate_checkpoint_state_proto",
        "update_checkpoint_state",
        "checkpoint_exists",
        "get_checkpoint_mtimes",
        "remove_checkpoint",
    ]
    for namespace in (checkpoint_management, tf.compat.v1.train, tf.train):
        for name in names:
            if hasattr(namespace, name):
                monkeypatch.setattr(namespace, name, getattr(tf_ckpt_compat, name))

    assert tf_ckpt_compat.get_checkpoint_state(run_dir) == state
    assert tf_ckpt_compat.latest_checkpoint(run_dir) == prefix
    assert tf_ckpt_compat.generate_checkpoint_state_proto(run_dir, prefix, [prefix]) == state
    tf_ckpt_compat.update_checkpoint_state(run_dir, prefix, [prefix])
    assert tf_ckpt_compat.get_checkpoint_state(run_dir) == state
    assert tf_ckpt_compat.checkpoint_exists(prefix)
    assert tf_ckpt_compat.get_checkpoint_mtimes([prefix]) == mtimes
    tf_ckpt_compat.remove_checkpoint(prefix)
    assert not tf_ckpt_compat.checkpoint_exists(prefix)
