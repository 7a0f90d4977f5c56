"""The writer family beyond the writer cases of test_conformance."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

import tf_ckpt_compat
from tf_ckpt_compat.conformance.check import package_functions
from tf_ckpt_compat.conformance.runner import run_writer_case
from tf_ckpt_compat.conformance.writer_cases import WriterCase


def test_v1_update_is_tensorflows_update(tf, backend, tmp_path):
    ours, theirs = tmp_path / "ours", tmp_path / "tf"
    for directory, function in (
        (ours, tf_ckpt_compat.compat.v1.train.update_checkpoint_state),
        (theirs, tf.compat.v1.train.update_checkpoint_state),
    ):
        directory.mkdir()
        function(str(directory), str(directory / "m-2"), [str(directory / "m-1")], "state", [1, 2])
    assert (ours / "state").read_text().replace(str(ours), "") == (
        (theirs / "state").read_text().replace(str(theirs), "")
    )


def test_tensorflow_reads_what_the_pure_writer_wrote(tf, tmp_path):
    # CheckpointDirectory writes through the pure writer whatever the backend.
    run = tf_ckpt_compat.testing.CheckpointDirectory(tmp_path / "run")
    for step in (1, 2, 3):
        run.publish(step, timestamp=1700000000.25 + step)
    state = tf.train.get_checkpoint_state(str(tmp_path / "run"))
    assert state.model_checkpoint_path == run.prefix(3)
    assert list(state.all_model_checkpoint_paths) == [run.prefix(s) for s in (1, 2, 3)]
    assert list(state.all_model_checkpoint_timestamps) == [
        1700000001.25,
        1700000002.25,
        1700000003.25,
    ]
    assert tf.train.latest_checkpoint(str(tmp_path / "run")) == run.prefix(3)
    seen = list(tf.train.checkpoints_iterator(str(tmp_path / "run"), timeout=0))
    assert seen == [run.prefix(3)]


def test_tensorflow_opens_the_tensors_publish_wrote(tf, tmp_path):
    import numpy as np

    run = tf_ckpt_compat.testing.CheckpointDirectory(tmp_path / "run", name="ckpt")
    kernel = np.arange(6, dtype=np.float32).reshape(3, 2)
    strings = np.array([b"a", b"bc"], dtype=object)
    prefix = run.publish(7, tensors={"dense/kernel": kernel, "names": strings, "n": np.int64(7)})
    assert tf.train.list_variables(prefix) == [("dense/kernel", [3, 2]), ("n", []), ("names", [2])]
    assert tf.train.load_variable(str(run.directory), "dense/kernel").tolist() == kernel.tolist()
    assert tf.train.load_variable(prefix, "names").tolist() == [b"a", b"bc"]
    assert tf.train.load_variable(prefix, "n") == 7


@pytest.mark.parametrize("fmt", [1, 2])
def test_remove_exists_and_mtimes(tf, backend, tmp_path, fmt):
    names = (
        "m-1.index",
        "m-1.data-00000-of-00002",
        "m-1.data-00001-of-00002",
        "m-1.meta",
        "m-2",
        "m-2.meta",
        "m-3.index",
        "m-10.index",
        "m-1.data-x",
    )

    def layout(root):
        os.makedirs(root)
        for i, name in enumerate(names):
            path = os.path.join(root, name)
            with open(path, "w") as f:
                f.write(name)
            # Nanosecond mtimes, equal on both sides, whose float rendering needs care.
            stamp = 1_700_000_000_123_456_789 + 1_000_003 * i
            os.utime(path, ns=(stamp, stamp))
        return root

    results = []
    for root, module in (
        (layout(str(tmp_path / "tf")), tf.compat.v1.train),
        (layout(str(tmp_path / "ours")), tf_ckpt_compat.compat.v1.train),
    ):
        prefixes = [os.path.join(root, p) for p in ("m-1", "m-2", "m-4", "m-?", "m-[13]")]
        exists = [module.checkpoint_exists(p) for p in prefixes]
        mtimes = module.get_checkpoint_mtimes(prefixes)
        module.remove_checkpoint(prefixes[0], fmt)
        module.remove_checkpoint(prefixes[1], fmt)
        results.append((exists, [repr(m) for m in mtimes], sorted(os.listdir(root))))
    assert results[0] == results[1]


# --- a failed write: TensorFlow's class and message, and still the OSError ---------------------


def _failure(function, *args):
    """(class name, message with the temporary name normalized, the exception) of a call."""
    with pytest.raises(Exception) as raised:
        function(*args)
    message = re.sub(r"\.tmp[0-9a-f]{32}", ".tmp<random>", str(raised.value))
    return type(raised.value).__name__, message, raised.value


def _missing_directory(root):
    return root + "/missing"


def _state_file_is_a_directory(root):
    os.makedirs(root + "/run/checkpoint/x")
    return root + "/run"


def _directory_is_a_file(root):
    with open(root + "/file", "w"):
        pass
    return root + "/file"


@pytest.mark.parametrize(
    "layout, tf_class, builtin",
    [
        (_missing_directory, "NotFoundError", FileNotFoundError),
        (_state_file_is_a_directory, "FailedPreconditionError", IsADirectoryError),
        (_directory_is_a_file, "FailedPreconditionError", NotADirectoryError),
    ],
)
def test_a_failed_write_raises_tensorflows_error_which_is_also_an_oserror(
    tf, monkeypatch, tmp_path, layout, tf_class, builtin
):
    monkeypatch.setenv("TF_CKPT_COMPAT_BACKEND", "pure")
    results = []
    for side, function in (
        ("tf", tf.compat.v1.train.update_checkpoint_state),
        ("ours", tf_ckpt_compat.compat.v1.train.update_checkpoint_state),
    ):
        root = str(tmp_path / side)
        os.makedirs(root)
        directory = layout(root)
        name, message, error = _failure(function, directory, directory + "/m-1")
        results.append((name, message.replace(root, "<root>")))
    assert results[0][0] == tf_class
    assert results[1] == results[0]
    assert isinstance(error, getattr(tf_ckpt_compat.errors, tf_class))
    assert isinstance(error, builtin)
    assert error.filename.startswith(directory)  # the OSError's fields are kept
    assert error.errno is not None


# Unprivileged (root writes to a read-only directory): CAP_DAC_OVERRIDE dropped, as root.
_READ_ONLY_RUN = """
import json, os, re, sys
import tensorflow as tf
import tf_ckpt_compat

results = []
for side, module in (("tf", tf.compat.v1.train), ("ours", tf_ckpt_compat.compat.v1.train)):
    root = os.path.join(sys.argv[1], side)
    for calls in (
        lambda: module.update_checkpoint_state(root, root + "/m-1"),
        lambda: module.remove_checkpoint(root + "/m-1"),
    ):
        try:
            calls()
            results.append(None)
        except Exception as e:
            message = re.sub(r"\\.tmp[0-9a-f]{32}", ".tmp<random>", str(e)).replace(root, "<root>")
            builtin = isinstance(e, PermissionError)
            results.append([side, type(e).__name__, message, builtin])
print(json.dumps(results))
"""


def test_a_read_only_directory_raises_permission_denied(tf, tmp_path):
    for side in ("tf", "ours"):
        os.makedirs(tmp_path / side)
        (tmp_path / side / "m-1.index").write_text("")
        os.chmod(tmp_path / side, 0o555)
    unprivileged = []
    if os.geteuid() == 0:
        unprivileged = [shutil.which("setpriv") or "setpriv"]
        unprivileged += ["--bounding-set=-dac_override", "--inh-caps=-dac_override"]
    child = subprocess.run(
        [*unprivileged, sys.executable, "-c", _READ_ONLY_RUN, str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CKPT_COMPAT_BACKEND": "pure", "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    tf_write, tf_remove, our_write, our_remove = json.loads(child.stdout.splitlines()[-1])
    assert tf_write == [
        "tf",
        "PermissionDeniedError",
        "<root>/checkpoint.tmp<random>; Permission denied",
        False,
    ]
    assert tf_remove == [
        "tf",
        "PermissionDeniedError",
        "<root>/m-1.index; Permission denied",
        False,
    ]
    assert our_write == ["ours", *tf_write[1:3], True]
    assert our_remove == ["ours", *tf_remove[1:3], True]


# TensorFlow hands the OS C strings: a NUL ends the path, while messages name it whole.
NUL_WRITER_CASES = (
    # The state file is `checkpoint`: written in place (the temporary name is cut too).
    WriterCase(
        "nul_in_latest_filename",
        ("{root}/run", "{root}/run/m-1"),
        {"latest_filename": "checkpoint\0x"},
    ),
    # The temporary file is `run`, a directory.
    WriterCase("nul_in_directory", ("{root}/run\0x", "{root}/run/m-1")),
    WriterCase("nul_after_a_slash", ("{root}/run/\0x", "{root}/run/m-1")),
    # Written as it is, escaped.
    WriterCase("nul_in_model_path", ("{root}/run", "{root}/run/m-1\0x")),
)


@pytest.mark.parametrize("case", NUL_WRITER_CASES, ids=[case.name for case in NUL_WRITER_CASES])
def test_a_nul_in_a_written_path_ends_it_as_in_tensorflow(tf, backend, tmp_path, case):
    from tf_ckpt_compat.conformance.check import tensorflow_functions

    expected = run_writer_case(case, tensorflow_functions(), tmp_path / "tf")
    assert run_writer_case(case, package_functions(), tmp_path / "ours") == expected
