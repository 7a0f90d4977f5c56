"""Public names, aliases, signatures and the backend choice, without TensorFlow."""

import importlib
import inspect
import subprocess
import sys

import pytest

import tf_ckpt_compat
from tf_ckpt_compat import compat, train

# TensorFlow's signatures, from its source (checkpoint_utils.py, checkpoint_management.py).
TF_SIGNATURES = {
    "checkpoints_iterator": "(checkpoint_dir, min_interval_secs=0, timeout=None, timeout_fn=None)",
    "wait_for_new_checkpoint": (
        "(checkpoint_dir, last_checkpoint=None, seconds_to_sleep=1, timeout=None)"
    ),
    "latest_checkpoint": "(checkpoint_dir, latest_filename=None)",
    "get_checkpoint_state": "(checkpoint_dir, latest_filename=None)",
    "generate_checkpoint_state_proto": (
        "(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None, "
        "all_model_checkpoint_timestamps=None, last_preserved_timestamp=None)"
    ),
    "checkpoint_exists": "(checkpoint_prefix)",
    "get_checkpoint_mtimes": "(checkpoint_prefixes)",
    "remove_checkpoint": (
        "(checkpoint_prefix, checkpoint_format_version=2, meta_graph_suffix='meta')"
    ),
    "load_checkpoint": "(ckpt_dir_or_file)",
    "list_variables": "(ckpt_dir_or_file)",
    "load_variable": "(ckpt_dir_or_file, name)",
    "NewCheckpointReader": "(filepattern)",
}
V1_UPDATE = (
    "(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None, latest_filename=None, "
    "all_model_checkpoint_timestamps=None, last_preserved_timestamp=None)"
)


@pytest.mark.parametrize("name", sorted(TF_SIGNATURES))
def test_signatures_are_tensorflows(name):
    assert str(inspect.signature(getattr(tf_ckpt_compat, name))) == TF_SIGNATURES[name]


def test_v1_update_checkpoint_state_signature_is_tensorflows():
    assert str(inspect.signature(compat.v1.train.update_checkpoint_state)) == V1_UPDATE
    top = inspect.signature(tf_ckpt_compat.update_checkpoint_state)
    assert top.parameters["save_relative_paths"].kind is inspect.Parameter.KEYWORD_ONLY


@pytest.mark.parametrize(
    "name",
    [
        "checkpoints_iterator",
        "latest_checkpoint",
        "get_checkpoint_state",
        "load_checkpoint",
        "list_variables",
        "load_variable",
    ],
)
def test_namespaces_share_objects(name):
    objects = {
        id(getattr(module, name))
        for module in (tf_ckpt_compat, train, compat.v1.train, compat.v2.train)
    }
    assert len(objects) == 1


def test_lazy_names_are_reachable_as_users_write_them():
    # In a fresh interpreter: here, the pytest plugin has imported `testing` already.
    code = (
        "import sys, tf_ckpt_compat as t\n"
        "assert 'tf_ckpt_compat.testing' not in sys.modules\n"
        "assert t.testing.FakeClock and t.errors.NotFoundError and t.CheckpointReader\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    from tf_ckpt_compat._bundle.reader import CheckpointReader

    assert tf_ckpt_compat.CheckpointReader is CheckpointReader
    assert tf_ckpt_compat.compat.v1.train.NewCheckpointReader is tf_ckpt_compat.NewCheckpointReader
    with pytest.raises(AttributeError):
        tf_ckpt_compat.no_such_name  # noqa: B018


def test_contrib_training():
    from tf_ckpt_compat.contrib import training

    assert training.checkpoints_iterator is tf_ckpt_compat.checkpoints_iterator
    assert training.wait_for_new_checkpoint is tf_ckpt_compat.wait_for_new_checkpoint


def test_legacy_spellings_import():
    tf = importlib.import_module("tf_ckpt_compat")
    assert tf.compat.v1.train.checkpoints_iterator is tf.train.checkpoints_iterator
    from tf_ckpt_compat.compat.v1 import train as v1_train
    from tf_ckpt_compat.train import checkpoints_iterator

    assert v1_train.checkpoints_iterator is checkpoints_iterator


def test_checkpoint_state_type():
    a = tf_ckpt_compat.CheckpointState("m", ["a", "m"], [1.0, 2.0], 0.5)
    b = tf_ckpt_compat.CheckpointState(
        model_checkpoint_path="m",
        all_model_checkpoint_paths=["a", "m"],
        all_model_checkpoint_timestamps=[1.0, 2.0],
        last_preserved_timestamp=0.5,
    )
    assert a == b
    assert a != tf_ckpt_compat.CheckpointState("m")
    assert repr(tf_ckpt_compat.CheckpointState("x")) == (
        "CheckpointState(model_checkpoint_path='x', all_model_checkpoint_paths=[], "
        "all_model_checkpoint_timestamps=[], last_preserved_timestamp=0.0)"
    )
    empty = tf_ckpt_compat.CheckpointState()
    assert (empty.model_checkpoint_path, empty.last_preserved_timestamp) == ("", 0.0)


def test_py_typed_marker_is_shipped():
    from importlib import resources

    assert resources.files("tf_ckpt_compat").joinpath("py.typed").is_file()


@pytest.mark.parametrize(
    "value, expected", [("pure", "pure"), (" PURE ", "pure"), ("", None), ("auto", None)]
)
def test_backend_choice(monkeypatch, value, expected):
    monkeypatch.setenv("TF_CKPT_COMPAT_BACKEND", value)
    monkeypatch.setattr(tf_ckpt_compat._backend, "_tensorflow_installed", lambda: False)
    assert tf_ckpt_compat.backend() == (expected or "pure")
    monkeypatch.setattr(tf_ckpt_compat._backend, "_tensorflow_installed", lambda: True)
    assert tf_ckpt_compat.backend() == (expected or "tensorflow")


def test_unknown_backend_fails_on_first_use_with_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv("TF_CKPT_COMPAT_BACKEND", "torch")
    with pytest.raises(ValueError) as info:
        tf_ckpt_compat.latest_checkpoint(tmp_path)
    message = str(info.value)
    assert "'torch'" in message and "auto, tensorflow, pure" in message


def test_tensorflow_backend_without_tensorflow(monkeypatch, tmp_path):
    monkeypatch.setenv("TF_CKPT_COMPAT_BACKEND", "tensorflow")
    # A None entry in sys.modules makes `import tensorflow` fail, as if not installed.
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    monkeypatch.delitem(sys.modules, "tf_ckpt_compat._tf", raising=False)
    with pytest.raises(ImportError) as info:
        tf_ckpt_compat.latest_checkpoint(tmp_path)
    message = str(info.value)
    assert "TF_CKPT_COMPAT_BACKEND" in message and "pip install" in message
    assert "=pure" in message


@pytest.mark.parametrize(
    "version, variant",
    [("1.15", "A"), ("2.16", "A"), ("2.18.1", "A"), ("2.19.0", "B"), ("2.20", "C"), ("2.21", "C")],
)
def test_loop_variant_from_version(monkeypatch, version, variant):
    monkeypatch.setenv("TF_CKPT_COMPAT_TF_VERSION", version)
    assert tf_ckpt_compat.loop_variant() == variant
    tf_ckpt_compat.set_tf_version("2.19")
    assert tf_ckpt_compat.loop_variant() == "B"


def test_loop_variant_default_is_todays():
    assert tf_ckpt_compat.loop_variant() == "C"


def test_bad_versions(monkeypatch):
    with pytest.raises(ValueError, match="set_tf_version got 'latest'"):
        tf_ckpt_compat.set_tf_version("latest")
    monkeypatch.setenv("TF_CKPT_COMPAT_TF_VERSION", "two")
    with pytest.raises(ValueError, match="TF_CKPT_COMPAT_TF_VERSION got 'two'"):
        tf_ckpt_compat.loop_variant()
