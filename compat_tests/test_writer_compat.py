"""The writer family beyond the writer cases of test_conformance."""

import os

import pytest

import tf_ckpt_compat


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


def test_tensorflow_reads_what_the_pure_writer_wrote(tf, monkeypatch, tmp_path):
    monkeypatch.setenv("TF_CKPT_COMPAT_BACKEND", "pure")
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
