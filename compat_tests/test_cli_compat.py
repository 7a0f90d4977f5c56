"""The command line with the `tensorflow` backend, where TensorFlow's own limits show."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_directory_name_tensorflow_cannot_encode_is_reported_as_such(tf, tmp_path):
    # TensorFlow encodes paths as UTF-8: a byte \xff in a name is a UnicodeEncodeError,
    # a ValueError, which once came out as "... has no model_checkpoint_path".
    directory = os.path.join(os.fsencode(tmp_path), b"run\xff")
    os.mkdir(directory)
    with open(os.path.join(directory, b"checkpoint"), "wb") as state:
        state.write(b'model_checkpoint_path: "ckpt-1"\n')
    result = subprocess.run(
        [sys.executable, "-m", "tf_ckpt_compat", "state", directory],
        capture_output=True,
        env={
            **os.environ,
            "TF_CKPT_COMPAT_BACKEND": "tensorflow",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        },
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    error = result.stderr.decode("utf-8", "replace").splitlines()[-1]
    assert result.returncode == 2, result.stderr
    assert error.startswith("tf-ckpt-compat: error: cannot use the path ")
    assert "its name cannot be encoded" in error
    assert "model_checkpoint_path" not in error
    assert "Traceback" not in result.stderr.decode("utf-8", "replace")
    assert result.stdout == b""
