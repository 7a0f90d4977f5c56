"""get_checkpoint_state and latest_checkpoint: TensorFlow's and ours, on the same directories."""

import pytest
from tf_ckpt_compat.conformance.state_files import STATE_FILES

import tf_ckpt_compat
from tf_ckpt_compat.conformance.layouts import LAYOUTS, Layout
from tf_ckpt_compat.conformance.runner import run_layout

OURS = {
    "get_checkpoint_state": tf_ckpt_compat.get_checkpoint_state,
    "latest_checkpoint": tf_ckpt_compat.latest_checkpoint,
}
# Files that the corpus' model paths may name, so that latest_checkpoint has something to find.
CORPUS_FILES = {
    "run/model.ckpt-1.index": "",
    "run/model.ckpt-2": "",
    "run/model.ckpt-3.index": "",
}


@pytest.fixture(scope="module")
def tensorflows(tf):
    return {
        "get_checkpoint_state": tf.train.get_checkpoint_state,
        "latest_checkpoint": tf.train.latest_checkpoint,
    }


def assert_same(layout, tensorflows, tmp_path):
    expected = run_layout(layout, tensorflows, tmp_path / "tf")
    actual = run_layout(layout, OURS, tmp_path / "ours")
    assert actual == expected


@pytest.mark.parametrize("layout", LAYOUTS, ids=[layout.name for layout in LAYOUTS])
def test_layout(layout, tensorflows, backend, tmp_path):
    assert_same(layout, tensorflows, tmp_path)


@pytest.mark.parametrize("name, content", STATE_FILES, ids=[name for name, _ in STATE_FILES])
def test_state_file_corpus(name, content, tensorflows, backend, tmp_path):
    layout = Layout(name, {"run/checkpoint": content, **CORPUS_FILES})
    assert_same(layout, tensorflows, tmp_path)


def test_corpus_is_not_trivial(tensorflows, tmp_path):
    # The corpus must exercise every outcome: states, None with warnings, and exceptions.
    outcomes = set()
    for i, (name, content) in enumerate(STATE_FILES):
        layout = Layout(name, {"run/checkpoint": content, **CORPUS_FILES})
        trace = run_layout(layout, tensorflows, tmp_path / str(i))
        first = trace[0] if trace[0][0] != "log" else ("warned",)
        outcomes.add(first[0] if first[0] != "result" else ("state", first[2] is None))
    assert outcomes >= {("state", False), "warned", "raise"}
