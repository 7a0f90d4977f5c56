"""`tf-ckpt-compat migrate` against the real TensorFlow: a legacy evaluator, before and after.

The evaluator runs on a directory of checkpoints written by the package's
`testing.CheckpointDirectory`, once as written (TensorFlow), and once rewritten by
the command line under each backend: the pure one with TensorFlow made
unimportable, and the tensorflow one. All three print the same trace, log lines
included. The rewrite's name table is also checked against TensorFlow's modules.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tf_ckpt_compat.migrate import NAMES
from tf_ckpt_compat.migrate._table import INTERNAL, namespaces
from tf_ckpt_compat.testing import CheckpointDirectory

ROOT = Path(__file__).resolve().parents[1]

EVALUATOR = '''\
"""A legacy evaluator: follows a run directory and reads each checkpoint's variables."""

import logging
import sys

import tensorflow as tf
from tensorflow.compat.v1 import train as train_v1
from tensorflow.python.training import checkpoint_utils
from tensorflow.train import list_variables

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(message)s")


def describe(path):
    for name, shape in list_variables(path):
        value = tf.train.load_variable(path, name)
        print("  variable", name, shape, type(value).__name__, value)
    reader = tf.compat.v1.train.NewCheckpointReader(path)
    print("  reader", sorted(reader.get_variable_to_shape_map().items()))


def main(run_dir):
    state = train_v1.get_checkpoint_state(run_dir)
    print("state", state.model_checkpoint_path, list(state.all_model_checkpoint_paths))
    print("latest", tf.train.latest_checkpoint(run_dir))
    print("exists", train_v1.checkpoint_exists(state.model_checkpoint_path))
    for path in tf.train.checkpoints_iterator(run_dir, timeout=1):
        print("checkpoint", path)
        describe(path)
    print("waited", checkpoint_utils.wait_for_new_checkpoint(run_dir, path, timeout=1))
    try:
        tf.compat.v1.train.NewCheckpointReader(run_dir + "/missing-1")
    except Exception as e:
        print("missing", type(e).__name__, e)


if __name__ == "__main__":
    main(sys.argv[1])
'''

# Written by hand: what `migrate` must make of EVALUATOR.
MIGRATED = '''\
"""A legacy evaluator: follows a run directory and reads each checkpoint's variables."""

import logging
import sys

from tf_ckpt_compat.train import list_variables
import tf_ckpt_compat

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(message)s")


def describe(path):
    for name, shape in list_variables(path):
        value = tf_ckpt_compat.train.load_variable(path, name)
        print("  variable", name, shape, type(value).__name__, value)
    reader = tf_ckpt_compat.compat.v1.train.NewCheckpointReader(path)
    print("  reader", sorted(reader.get_variable_to_shape_map().items()))


def main(run_dir):
    state = tf_ckpt_compat.compat.v1.train.get_checkpoint_state(run_dir)
    print("state", state.model_checkpoint_path, list(state.all_model_checkpoint_paths))
    print("latest", tf_ckpt_compat.train.latest_checkpoint(run_dir))
    print("exists", tf_ckpt_compat.compat.v1.train.checkpoint_exists(state.model_checkpoint_path))
    for path in tf_ckpt_compat.train.checkpoints_iterator(run_dir, timeout=1):
        print("checkpoint", path)
        describe(path)
    print("waited", tf_ckpt_compat.wait_for_new_checkpoint(run_dir, path, timeout=1))
    try:
        tf_ckpt_compat.compat.v1.train.NewCheckpointReader(run_dir + "/missing-1")
    except Exception as e:
        print("missing", type(e).__name__, e)


if __name__ == "__main__":
    main(sys.argv[1])
'''

DEPRECATION = re.compile(
    r"WARNING From [^\n]*: checkpoint_exists \(from [\w.]+\) is deprecated [^\n]*\n"
    r"Instructions for updating:\n[^\n]*\n"
)

# Runs a script with `import tensorflow` failing, as on a machine without TensorFlow.
WITHOUT_TENSORFLOW = (
    "import runpy, sys\n"
    "sys.modules['tensorflow'] = None\n"
    "sys.argv = sys.argv[1:]\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n"
)


def run(argv: list[str], **env: str) -> str:
    result = subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("TF_CKPT_")},
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "TF_CPP_MIN_LOG_LEVEL": "3",
            **env,
        },
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_migrated_evaluator_prints_what_the_original_printed(tf, tmp_path):
    run_dir = CheckpointDirectory(tmp_path / "run")
    run_dir.publish(100)
    run_dir.publish(200)
    legacy, migrated = tmp_path / "legacy.py", tmp_path / "migrated.py"
    legacy.write_text(EVALUATOR)
    migrated.write_text(EVALUATOR)
    assert run(["-m", "tf_ckpt_compat", "migrate", "--write", str(migrated)]) == (
        f"rewrote {migrated}\n"
    )
    assert migrated.read_text() == MIGRATED
    imported = [
        alias.name if isinstance(node, ast.Import) else node.module
        for node in ast.walk(ast.parse(MIGRATED))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    ]
    assert not [name for name in imported if name and name.startswith("tensorflow")]

    # TensorFlow's one-time deprecation warning for checkpoint_exists is the README's
    # known difference: the package does not log it.
    expected, deprecations = DEPRECATION.subn("", run([str(legacy), run_dir.directory]))
    assert deprecations == 1
    assert f"checkpoint {run_dir.prefix(200)}\n" in expected  # a trace worth comparing
    assert "INFO Found new checkpoint at" in expected and "\nwaited None\n" in expected
    without_tensorflow = run(
        ["-c", WITHOUT_TENSORFLOW, str(migrated), run_dir.directory],
        TF_CKPT_COMPAT_BACKEND="pure",
        TF_CKPT_COMPAT_TF_VERSION=tf.__version__,
    )
    assert without_tensorflow == expected
    with_tensorflow = run([str(migrated), run_dir.directory], TF_CKPT_COMPAT_BACKEND="tensorflow")
    assert with_tensorflow == expected


@pytest.mark.parametrize("namespace", ["train", "compat.v1.train", "compat.v2.train"])
def test_each_rewritten_name_is_in_tensorflow_s_namespace(tf, namespace):
    module = tf
    for part in namespace.split("."):
        module = getattr(module, part)
    names = namespaces()[f"tensorflow.{namespace}"].names
    assert names and all(callable(getattr(module, name, None)) for name in names)


@pytest.mark.parametrize("module", [module for module, _, _ in INTERNAL])
def test_internal_modules_are_listed_with_the_names_tensorflow_gives_them(tf, module):
    tf_module = importlib.import_module(module)
    listed = namespaces()[module].names
    assert listed == {name for name in NAMES if callable(getattr(tf_module, name, None))}
    for name in listed - {"wait_for_new_checkpoint"}:  # in no public TensorFlow 2 namespace
        assert getattr(tf_module, name) is getattr(tf.compat.v1.train, name), name
