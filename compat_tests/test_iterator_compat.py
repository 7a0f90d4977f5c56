"""The loop's surroundings: variant choice, signatures, import cost."""

import os
import subprocess
import sys

import tf_ckpt_compat


def test_variant_matches_installed_tensorflow(tf, backend):
    major_minor = tuple(int(p) for p in tf.__version__.split(".")[:2])
    expected = "C" if major_minor >= (2, 20) else "B" if major_minor == (2, 19) else "A"
    assert tf_ckpt_compat.loop_variant() == expected


def test_signatures_equal_tensorflows(tf):
    import inspect

    from tensorflow.python.training import checkpoint_utils

    pairs = [
        (tf_ckpt_compat.checkpoints_iterator, tf.train.checkpoints_iterator),
        (tf_ckpt_compat.wait_for_new_checkpoint, checkpoint_utils.wait_for_new_checkpoint),
        (tf_ckpt_compat.latest_checkpoint, tf.train.latest_checkpoint),
        (tf_ckpt_compat.get_checkpoint_state, tf.train.get_checkpoint_state),
        (tf_ckpt_compat.compat.v1.train.latest_checkpoint, tf.compat.v1.train.latest_checkpoint),
        (
            tf_ckpt_compat.compat.v1.train.update_checkpoint_state,
            tf.compat.v1.train.update_checkpoint_state,
        ),
        (
            tf_ckpt_compat.compat.v1.train.generate_checkpoint_state_proto,
            tf.compat.v1.train.generate_checkpoint_state_proto,
        ),
        (tf_ckpt_compat.compat.v1.train.checkpoint_exists, tf.compat.v1.train.checkpoint_exists),
        (
            tf_ckpt_compat.compat.v1.train.get_checkpoint_mtimes,
            tf.compat.v1.train.get_checkpoint_mtimes,
        ),
        (tf_ckpt_compat.compat.v1.train.remove_checkpoint, tf.compat.v1.train.remove_checkpoint),
        (tf_ckpt_compat.load_checkpoint, tf.train.load_checkpoint),
        (tf_ckpt_compat.list_variables, tf.train.list_variables),
        (tf_ckpt_compat.load_variable, tf.train.load_variable),
        (
            tf_ckpt_compat.compat.v1.train.NewCheckpointReader,
            tf.compat.v1.train.NewCheckpointReader,
        ),
    ]
    for ours, theirs in pairs:
        assert inspect.signature(ours) == inspect.signature(theirs), ours.__name__
    assert inspect.isgeneratorfunction(tf.train.checkpoints_iterator)
    assert inspect.isgeneratorfunction(tf_ckpt_compat.checkpoints_iterator)


def test_import_never_imports_tensorflow(tf):
    # TensorFlow is installed here (the fixture proved it), so this can fail.
    code = "import sys, tf_ckpt_compat; assert 'tensorflow' not in sys.modules, 'imported'"
    env = {**os.environ, "TF_CKPT_COMPAT_BACKEND": "auto"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_auto_backend_is_tensorflow_when_installed(tf, monkeypatch):
    monkeypatch.setenv("TF_CKPT_COMPAT_BACKEND", "auto")
    assert tf_ckpt_compat.backend() == "tensorflow"
