"""`tf-ckpt-compat conformance` where TensorFlow is not installed: one line, exit 2."""

import os
import subprocess
import sys

import pytest


def test_without_tensorflow_exits_2_with_one_line(tmp_path):
    if any(os.path.isdir(os.path.join(p, "tensorflow")) for p in sys.path if p):
        pytest.fail("tests/ must run without TensorFlow")
    out = tmp_path / "report.xml"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tf_ckpt_compat",
            "conformance",
            "--format",
            "junit",
            "--output",
            out,
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "TensorFlow" in lines[0] and "not installed" in lines[0]
    assert not out.exists()


def test_bad_pattern_is_a_usage_error():
    result = subprocess.run(
        [sys.executable, "-m", "tf_ckpt_compat", "conformance", "-k", "("],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "regular expression" in result.stderr
