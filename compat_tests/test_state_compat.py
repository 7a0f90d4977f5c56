"""The state file beyond case-by-case equality of the corpus (that is test_conformance).

Also the state-file paths no corpus case can hold: a NUL character, and a state
file that is a device.
"""

import json
import os
import subprocess
import sys

import pytest

from tf_ckpt_compat.conformance.check import GROUPS, package_functions
from tf_ckpt_compat.conformance.known_differences import BEHAVIOUR_DIFFERENCES
from tf_ckpt_compat.conformance.layouts import Layout
from tf_ckpt_compat.conformance.runner import run_layout


@pytest.fixture(scope="module")
def tensorflow_functions(tf):
    from tf_ckpt_compat.conformance.check import tensorflow_functions

    return tensorflow_functions()


def test_corpus_reaches_every_outcome(tensorflow_functions, tmp_path):
    # The corpus must exercise every outcome in TensorFlow: a state, None with
    # warnings, and an exception (invalid state, invalid UTF-8).
    group = next(group for group in GROUPS if group.name == "state_files")
    outcomes = set()
    for i, layout in enumerate(group.cases):
        first = group.run(layout, tensorflow_functions, tmp_path / str(i))[0]
        if first[0] == "result":
            outcomes.add("state" if first[2] is not None else "none")
        else:
            outcomes.add(first[0] if first[0] != "log" else "warned")
    assert outcomes >= {"state", "warned", "raise"}


# --- a NUL in a path: TensorFlow hands the OS C strings, which end there ------------------

_STATE = 'model_checkpoint_path: "m-1"\n'
_V2 = {"run/m-1.index": "i", "run/m-1.data-00000-of-00001": "d"}
_NUL_STATE = {"run/checkpoint": 'model_checkpoint_path: "m-1\\000x"\n'}

NUL_LAYOUTS = (
    # The directory is cut to `run`, which is read as the state file: a directory.
    Layout("in_directory", {"run/checkpoint": _STATE, **_V2}, "run\0junk"),
    Layout("in_directory_after_slash", {"run/checkpoint": _STATE, **_V2}, "run/\0junk"),
    Layout("in_directory_after_two_slashes", {"run/checkpoint": _STATE, **_V2}, "run//\0junk"),
    # Cut before it is cleaned, when read: `x`, not `run`.
    Layout(
        "in_directory_before_dotdot", {"run/checkpoint": _STATE, **_V2, "x": None}, "x\0/../run"
    ),
    # The state file is `checkpoint`, and found.
    Layout(
        "in_latest_filename", {"run/checkpoint": _STATE, **_V2}, latest_filename="checkpoint\0x"
    ),
    Layout(
        "latest_filename_starts_with_it", {"run/checkpoint": _STATE, **_V2}, latest_filename="\0"
    ),
    # In the state file, an escaped NUL: `m-1\0x.index` is `m-1`, which is no file ...
    Layout("in_model_path", {**_NUL_STATE, **_V2}),
    # ... unless a V1 checkpoint `m-1` exists: then the prefix, NUL and all, is the latest.
    Layout("in_model_path_v1", {**_NUL_STATE, "run/m-1": "v1"}),
    Layout(
        "in_model_path_absolute",
        {"run/checkpoint": 'model_checkpoint_path: "<root>/run/m-1\\000x"\n', **_V2},
    ),
    Layout("before_a_glob", {"run/checkpoint": 'model_checkpoint_path: "m-1\\000*"\n', **_V2}),
)


@pytest.mark.parametrize("layout", NUL_LAYOUTS, ids=[layout.name for layout in NUL_LAYOUTS])
def test_a_nul_in_a_path_ends_it_as_in_tensorflow(layout, tensorflow_functions, backend, tmp_path):
    expected = run_layout(layout, tensorflow_functions, tmp_path / "tf")
    assert run_layout(layout, package_functions(), tmp_path / "ours") == expected


def test_a_nul_in_a_glob_pattern_is_the_listed_difference(
    tensorflow_functions, monkeypatch, tmp_path
):
    # TensorFlow's fnmatch reads the pattern as a C string, up to the NUL, and
    # matches `m-1`; the pure matcher matches the whole pattern, and nothing.
    assert "nul_in_glob_pattern" in BEHAVIOUR_DIFFERENCES
    monkeypatch.setenv("TF_CKPT_COMPAT_BACKEND", "pure")
    layout = Layout(
        "glob", {"run/checkpoint": 'model_checkpoint_path: "m-?\\000x"\n', "run/m-1": ""}
    )
    theirs = run_layout(layout, tensorflow_functions, tmp_path / "tf")
    ours = run_layout(layout, package_functions(), tmp_path / "ours")
    state = ("result", "get_checkpoint_state", ("<root>/run/m-?\0x", [], [], "0.0"))
    assert theirs == [state, ("result", "latest_checkpoint", "<root>/run/m-?\0x")]
    assert ours == [
        state,
        ("log", "ERROR", "Couldn't match files for checkpoint <root>/run/m-?\0x"),
        ("result", "latest_checkpoint", None),
    ]


# --- a state file that is a device: read as its size says, 0 bytes --------------------------

# The pure side runs in a child process with its memory bounded: a reader that
# reads a device to its end fails there at once, instead of filling the machine.
_BOUNDED_RUN = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
from tf_ckpt_compat.conformance.check import package_functions
from tf_ckpt_compat.conformance.layouts import Layout
from tf_ckpt_compat.conformance.runner import run_layout
print(json.dumps(run_layout(Layout("device", {}), package_functions(), sys.argv[1])))
"""


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_state_file_that_is_a_device(device, tensorflow_functions, tmp_path):
    for side in ("tf", "ours"):
        os.makedirs(tmp_path / side / "run")
        os.symlink(device, tmp_path / side / "run" / "checkpoint")
    expected = run_layout(Layout("device", {}), tensorflow_functions, tmp_path / "tf")
    assert expected[0] == (
        "raise",
        "ValueError",
        "Invalid checkpoint state loaded from <root>/run",
    )
    child = subprocess.run(
        [sys.executable, "-c", _BOUNDED_RUN, str(tmp_path / "ours")],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CKPT_COMPAT_BACKEND": "pure"},
        timeout=60,
    )
    assert child.returncode == 0, child.stderr
    assert json.loads(child.stdout) == json.loads(json.dumps(expected))
