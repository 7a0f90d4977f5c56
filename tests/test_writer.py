"""The pure writer family: atomic writes, TensorFlow's rules, and the round trip with the reader.

Byte-for-byte equality with TensorFlow is compat_tests/' job (writer cases);
here: what needs no TensorFlow.
"""

import math
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tf_ckpt_compat
from tf_ckpt_compat._storage.local import LocalFileSystem

AWKWARD_TEXT = st.text(
    st.characters(exclude_categories=("Cs",)).filter(lambda c: c not in "\x00/"), min_size=1
)
DOUBLES = st.floats(allow_nan=True, allow_infinity=True)


def read_state(directory):
    return tf_ckpt_compat.get_checkpoint_state(str(directory))


def nan_aware(values):
    return [("nan" if math.isnan(v) else v) for v in values]


@settings(max_examples=300, deadline=None)
@given(
    names=st.lists(AWKWARD_TEXT, min_size=1, max_size=4),
    stamps=st.lists(DOUBLES, min_size=4, max_size=4),
    last=DOUBLES,
)
def test_round_trip_with_the_reader(tmp_path_factory, names, stamps, last):
    directory = str(tmp_path_factory.mktemp("run"))
    paths = [os.path.join(directory, name) for name in names]
    tf_ckpt_compat.update_checkpoint_state(
        directory, paths[-1], list(paths), None, stamps[: len(paths)], last
    )
    state = read_state(directory)
    assert state.model_checkpoint_path == paths[-1]
    assert state.all_model_checkpoint_paths == paths
    assert nan_aware(state.all_model_checkpoint_timestamps) == nan_aware(stamps[: len(paths)])
    assert repr(state.last_preserved_timestamp) == repr(float(last))


def test_model_path_is_appended_with_tensorflows_log(tmp_path, caplog):
    given_paths = [str(tmp_path / "m-1")]
    with caplog.at_level("INFO", logger="tensorflow"):
        state = tf_ckpt_compat.generate_checkpoint_state_proto(
            str(tmp_path), str(tmp_path / "m-2"), given_paths
        )
    assert state.all_model_checkpoint_paths == [str(tmp_path / "m-1"), str(tmp_path / "m-2")]
    assert (
        given_paths == state.all_model_checkpoint_paths
    )  # TensorFlow appends to the caller's list
    assert caplog.messages == [
        f"{tmp_path / 'm-2'} is not in all_model_checkpoint_paths. Manually adding it."
    ]


def test_timestamps_of_the_wrong_length(tmp_path):
    with pytest.raises(ValueError) as info:
        tf_ckpt_compat.update_checkpoint_state(str(tmp_path), "m-2", ["m-1", "m-2"], None, [1.0])
    assert str(info.value) == (
        "Checkpoint timestamps, if provided, must match checkpoint paths "
        "(got paths ['m-1', 'm-2'] and timestamps [1.0])"
    )
    assert os.listdir(tmp_path) == []


def test_relative_save_dir_rewrites_paths_relative_to_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkdir("run")
    tf_ckpt_compat.update_checkpoint_state("run", "run/m-2", ["run/m-1", "/abs/m-0", "run/m-2"])
    assert (tmp_path / "run" / "checkpoint").read_text() == (
        'model_checkpoint_path: "m-2"\n'
        'all_model_checkpoint_paths: "m-1"\n'
        'all_model_checkpoint_paths: "/abs/m-0"\n'
        'all_model_checkpoint_paths: "m-2"\n'
    )


def test_save_relative_paths(tmp_path):
    tf_ckpt_compat.update_checkpoint_state(
        str(tmp_path), str(tmp_path / "m-2"), [str(tmp_path / "m-1")], save_relative_paths=True
    )
    assert (tmp_path / "checkpoint").read_text() == (
        'model_checkpoint_path: "m-2"\nall_model_checkpoint_paths: "m-1"\n'
        'all_model_checkpoint_paths: "m-2"\n'
    )


def test_path_objects_are_taken_as_the_readers_take_them(tmp_path):
    paths = [tmp_path / "m-1"]
    tf_ckpt_compat.update_checkpoint_state(tmp_path, tmp_path / "m-2", paths)
    assert paths == [str(tmp_path / "m-1"), str(tmp_path / "m-2")]  # the caller's list
    state = tf_ckpt_compat.get_checkpoint_state(tmp_path)
    assert state.model_checkpoint_path == str(tmp_path / "m-2")
    assert state.all_model_checkpoint_paths == paths
    # TensorFlow's own v1 function takes a path object for save_dir only (TF 2.21).
    with pytest.raises(TypeError, match="bad argument type for built-in operation"):
        tf_ckpt_compat.compat.v1.train.update_checkpoint_state(tmp_path, tmp_path / "m-3")


def test_model_path_equal_to_the_state_file(tmp_path):
    with pytest.raises(RuntimeError) as info:
        tf_ckpt_compat.compat.v1.train.update_checkpoint_state(
            str(tmp_path), str(tmp_path / "state"), latest_filename="state"
        )
    assert str(info.value) == (
        f"Save path '{tmp_path / 'state'}' conflicts with path used for checkpoint state.  "
        "Please use a different save path."
    )


def test_latest_filename(tmp_path):
    tf_ckpt_compat.compat.v1.train.update_checkpoint_state(
        str(tmp_path), str(tmp_path / "m-1"), latest_filename="latest"
    )
    assert os.listdir(tmp_path) == ["latest"]
    assert tf_ckpt_compat.get_checkpoint_state(str(tmp_path), "latest").model_checkpoint_path == (
        str(tmp_path / "m-1")
    )


# --- Atomicity: a reader sees the old file or the new one, whole; nothing is left behind ---


@pytest.fixture
def published(tmp_path):
    tf_ckpt_compat.update_checkpoint_state(str(tmp_path), str(tmp_path / "m-1"))
    return tmp_path, (tmp_path / "checkpoint").read_bytes()


def assert_unchanged(directory, before):
    assert os.listdir(directory) == ["checkpoint"]  # no stray temporary file
    assert (directory / "checkpoint").read_bytes() == before
    assert read_state(directory).model_checkpoint_path == str(directory / "m-1")


@pytest.mark.parametrize("failing", ["replace", "fsync", "write"])
def test_a_failed_write_leaves_the_old_file_whole(published, monkeypatch, failing):
    directory, before = published

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if failing == "write":
        real_open = open

        class FailingFile:
            def __init__(self, f):
                self.f = f

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.f.close()

            def write(self, data):
                self.f.write(data[: len(data) // 2])  # half written, then the disk fills up
                fail()

        monkeypatch.setattr(
            "builtins.open",
            lambda path, mode="r", *a, **k: (
                FailingFile(real_open(path, mode, *a, **k))
                if "w" in mode
                else real_open(path, mode, *a, **k)
            ),
        )
    else:
        monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError, match="No space left on device"):
        tf_ckpt_compat.update_checkpoint_state(str(directory), str(directory / "m-2"))
    monkeypatch.undo()
    assert_unchanged(directory, before)


def test_a_missing_directory_raises_a_clear_oserror(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError) as info:
        tf_ckpt_compat.update_checkpoint_state(str(missing), str(missing / "m-1"))
    assert info.value.filename.startswith(str(missing / "checkpoint.tmp"))
    assert not missing.exists()


def test_write_is_a_rename_over_the_old_file(published, monkeypatch):
    directory, _ = published
    renames = []
    real_replace = os.replace

    def replace(src, dst):
        # Before the rename, the old file is still complete and the new one is whole beside it.
        assert read_state(directory).model_checkpoint_path == str(directory / "m-1")
        renames.append((os.path.dirname(src), os.path.basename(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    tf_ckpt_compat.update_checkpoint_state(str(directory), str(directory / "m-2"))
    assert renames == [(str(directory), "checkpoint")]
    assert read_state(directory).model_checkpoint_path == str(directory / "m-2")


# --- Reading: the failures get_checkpoint_state turns into TensorFlow's two warnings ---


def test_state_file_vanishing_between_the_check_and_the_read(published, monkeypatch, caplog):
    directory, _ = published
    state_file = str(directory / "checkpoint")

    def vanish(self, path):
        os.remove(path)
        return LocalFileSystem.read_bytes(self, path)

    monkeypatch.setattr(LocalFileSystem, "read_bytes", vanish)
    with caplog.at_level("WARNING", logger="tensorflow"):
        assert read_state(directory) is None
    assert caplog.messages == [
        f"NotFoundError: {state_file}; No such file or directory",
        f"{state_file}: Checkpoint ignored",
    ]


def test_state_file_that_is_a_directory(tmp_path, caplog):
    (tmp_path / "checkpoint").mkdir()
    with caplog.at_level("WARNING", logger="tensorflow"):
        assert read_state(tmp_path) is None
    assert caplog.messages == [
        f"FailedPreconditionError: {tmp_path / 'checkpoint'}; Is a directory",
        f"{tmp_path / 'checkpoint'}: Checkpoint ignored",
    ]


def test_invalid_utf8_raises_unicode_decode_error(tmp_path):
    (tmp_path / "checkpoint").write_bytes(b'model_checkpoint_path: "\xff"\n')
    with pytest.raises(UnicodeDecodeError):
        read_state(tmp_path)


def test_bytes_directory_fails_as_tensorflows(tmp_path):
    with pytest.raises(TypeError, match="Can't mix strings and bytes in path components"):
        tf_ckpt_compat.get_checkpoint_state(os.fsencode(tmp_path))
