"""The pure backend on `scheme://` paths, through fsspec: memory://, file://, unknown schemes.

The oracle is the local disk: each layout and iterator scenario of
`tf_ckpt_compat.conformance` runs once in a local directory and once in a
memory:// one, and the traces (directory written `<dir>` or `<root>`) must be
equal; the local side is proven against TensorFlow by `compat_tests/`. Where
an object store must differ from a disk (no `..`, no absolute URLs), the test
says so and checks the difference. TensorFlow's own wording for schemes it
does not serve, and its file:// results, were observed on TensorFlow 2.21.

The helpers here (`Logs`, `recorded_logs`) are shared with `test_s3.py`;
requests are counted by `storage_helpers.counting`, as in the benchmark. The
runs' files are written through the storage layer itself
(`testing.CheckpointDirectory`, `runner.build_layout`), as on a disk.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import subprocess
import sys
from pathlib import Path

import fsspec
import pytest
from storage_helpers import counting

import tf_ckpt_compat
import tf_ckpt_compat.errors
from tf_ckpt_compat import _cli, _pure, _storage
from tf_ckpt_compat._errors import SchemeUnavailableError
from tf_ckpt_compat._storage import remote
from tf_ckpt_compat.conformance import runner
from tf_ckpt_compat.conformance.iterator_scenarios import SCENARIOS
from tf_ckpt_compat.conformance.layouts import LAYOUTS
from tf_ckpt_compat.testing import CheckpointDirectory, FakeClock

ROOT = Path(__file__).resolve().parents[1]

FUNCTIONS = {
    "checkpoints_iterator": tf_ckpt_compat.checkpoints_iterator,
    "wait_for_new_checkpoint": tf_ckpt_compat.wait_for_new_checkpoint,
    "get_checkpoint_state": tf_ckpt_compat.get_checkpoint_state,
    "latest_checkpoint": tf_ckpt_compat.latest_checkpoint,
}

# A pathlib.Path cannot hold a URL ("memory://x" becomes "memory:/x").
ITERATOR_SCENARIOS = [s for s in SCENARIOS if not s.pathlike]
LAYOUT_CASES = [layout for layout in LAYOUTS if not layout.pathlike]


# --- helpers shared with test_s3.py ---------------------------------------------------------


class Logs(logging.Handler):
    """The `tensorflow` logger's records, as (level, message)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelname, record.getMessage()))


@contextlib.contextmanager
def recorded_logs():
    handler = Logs()
    with runner.recording_logs(handler):
        yield handler.records


# --- fixtures -----------------------------------------------------------------------


@pytest.fixture
def memory_fs():
    return fsspec.filesystem("memory")


@pytest.fixture
def fresh_schemes():
    """Forgets the unservable schemes and the warnings given, before and after."""
    remote.reset()
    yield
    remote.reset()


# --- which filesystem serves a path --------------------------------------------------


def test_import_and_local_use_never_import_fsspec(tmp_path):
    code = (
        "import sys, tf_ckpt_compat\n"
        f"tf_ckpt_compat.latest_checkpoint({str(tmp_path)!r})\n"
        f"tf_ckpt_compat.latest_checkpoint('file://' + {str(tmp_path)!r})\n"
        "assert 'fsspec' not in sys.modules, 'fsspec imported'\n"
        "assert 'tf_ckpt_compat._storage.remote' not in sys.modules\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CKPT_COMPAT_BACKEND": "pure"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


@pytest.mark.parametrize(
    "path", ["/abs/run", "rel/run", "", "file:/x", "s3:/x", "1s3://x", "gs:\\\\b", "memory:x"]
)
def test_paths_without_scheme_are_local(path):
    assert _storage.for_path(path) is _storage.LOCAL


@pytest.mark.parametrize("path", ["file:///x", "file://host/x", "file://"])
def test_file_urls_are_the_local_disk(path):
    assert _storage.for_path(path) is _storage.FILE_URL


@pytest.mark.parametrize(
    "path, scheme",
    [("s3://b/run", "s3"), ("gs://b", "gs"), ("memory://x", "memory"), ("FILE:///x", "FILE")],
)
def test_other_schemes_go_to_fsspec(path, scheme):
    fs = _storage.for_path(path)
    assert isinstance(fs, remote.FsspecFileSystem) and fs.scheme == scheme
    assert _storage.for_path(path) is fs  # one adapter per scheme


# --- file:// as TensorFlow 2.21 serves it -------------------------------------------------


@pytest.fixture
def local_run(tmp_path):
    run = CheckpointDirectory(tmp_path / "run")
    run.write_files(1)
    run.write_state(
        'model_checkpoint_path: "model.ckpt-1"\nall_model_checkpoint_paths: "model.ckpt-1"\n'
    )
    return run


def test_file_url_results_keep_the_url(local_run):
    # TF 2.21: latest_checkpoint("file:///tmp/p/run") -> "file:///tmp/p/run/model.ckpt-1", and
    # the host is ignored: "file://localhost/tmp/p/run" -> "file://localhost/tmp/p/run/model.ckpt-1".
    for url in ("file://" + local_run.directory, "file://localhost" + local_run.directory):
        assert tf_ckpt_compat.latest_checkpoint(url) == url + "/model.ckpt-1"
        state = tf_ckpt_compat.get_checkpoint_state(url)
        assert state.all_model_checkpoint_paths == [url + "/model.ckpt-1"]
        assert _pure.matching_files(url + "/model.ckpt-*.index") == [url + "/model.ckpt-1.index"]
    # The path part is not cleaned: the OS resolves "..", through a directory that must exist.
    dotdot = "file://" + local_run.directory + "/../run"
    assert tf_ckpt_compat.latest_checkpoint(dotdot) == dotdot + "/model.ckpt-1"
    assert tf_ckpt_compat.latest_checkpoint(dotdot.replace("/../", "/missing/../")) is None


@pytest.mark.parametrize("url", ["file:/{dir}", "file://", "file://host"])
def test_file_url_without_a_path_after_the_host(local_run, url):
    # TF 2.21: "file://tmp/p/run" is host "tmp", path "/p/run"; "file://" is the empty
    # path. Nothing there, and no warning.
    with recorded_logs() as logs:
        assert tf_ckpt_compat.latest_checkpoint(url.format(dir=local_run.directory)) is None
    assert logs == []


def test_file_url_writer_renames_locally_and_names_the_url_in_errors(tmp_path, local_run):
    url = "file://" + local_run.directory
    tf_ckpt_compat.update_checkpoint_state(url, url + "/model.ckpt-2")
    assert (Path(local_run.directory) / "checkpoint").read_text() == (
        'model_checkpoint_path: "model.ckpt-2"\nall_model_checkpoint_paths: "model.ckpt-2"\n'
    )
    assert sorted(os.listdir(local_run.directory))[0] == "checkpoint"  # no temporary left
    # TF 2.21: NotFoundError "file:///tmp/p/w/checkpoint.tmp<hex>; No such file or directory".
    # TensorFlow's class, which is also the OSError (FileNotFoundError).
    missing = "file://" + str(tmp_path / "missing")
    with pytest.raises(FileNotFoundError) as raised:
        tf_ckpt_compat.update_checkpoint_state(missing, missing + "/m-1")
    assert isinstance(raised.value, tf_ckpt_compat.errors.NotFoundError)
    assert type(raised.value).__name__ == "NotFoundError"
    assert str(raised.value) == raised.value.filename + "; No such file or directory"
    assert runner.exception_event(raised.value, lambda text: text) == (
        "raise",
        "NotFoundError",
        f"{missing}/checkpoint.tmp<random>; No such file or directory",
    )


# --- memory://: the same results as the local disk -------------------------------------------


# An object store is not a disk: these layouts differ from the local run, and how (the
# whole trace of get_checkpoint_state, then latest_checkpoint).
def _unmatched(model: str, *others: str) -> list[tuple]:
    """The state is read, and its checkpoint has no files: TensorFlow's ERROR, and None."""
    return [
        ("result", "get_checkpoint_state", (model, [*others, model], [], "0.0")),
        ("log", "ERROR", f"Couldn't match files for checkpoint {model}"),
        ("result", "latest_checkpoint", None),
    ]


def _ignored(warning: str) -> list[tuple]:
    """The state file cannot be read: TensorFlow's two WARNINGs, and None, for each call."""
    ignored = [
        ("log", "WARNING", warning),
        ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
    ]
    return [
        *ignored,
        ("result", "get_checkpoint_state", None),
        *ignored,
        ("result", "latest_checkpoint", None),
    ]


OBJECT_STORE_DIFFERENCES = {
    # Absolute paths inside the file are local paths; a URL is "relative" to
    # os.path.isabs and is joined to the directory, as TensorFlow does on gs://.
    "v2_absolute": _unmatched("<root>/run/<root>/run/model.ckpt-5"),
    # ".." is part of an object's name: nothing resolves it (TensorFlow's GCS neither).
    "dotdot_entries": _unmatched("<root>/run/../other/m-2", "<root>/run/../other/m-1"),
    # <root>/x/../run: no such directory, so no state file.
    "dotdot_directory_argument": [
        ("result", "get_checkpoint_state", None),
        ("result", "latest_checkpoint", None),
    ],
    # A "directory" has no content to read: not found rather than "Is a directory".
    "state_is_directory": _ignored(
        "NotFoundError: <root>/run/checkpoint; No such file or directory"
    ),
}


@pytest.mark.parametrize("layout", LAYOUT_CASES, ids=[layout.name for layout in LAYOUT_CASES])
def test_layout_same_as_local_disk(layout, tmp_path, memory_root):
    local = runner.run_layout(layout, FUNCTIONS, tmp_path)
    remote = runner.run_layout(layout, FUNCTIONS, memory_root)
    assert local, "a layout that observed nothing proves nothing"
    if layout.name not in OBJECT_STORE_DIFFERENCES:
        assert remote == local
        return
    assert remote != local
    assert remote == OBJECT_STORE_DIFFERENCES[layout.name]


@pytest.mark.parametrize(
    "scenario", ITERATOR_SCENARIOS, ids=[scenario.name for scenario in ITERATOR_SCENARIOS]
)
def test_iterator_scenario_same_as_local_disk(scenario, tmp_path, memory_root):
    local = runner.run_iterator_scenario(scenario, FUNCTIONS, tmp_path)
    remote = runner.run_iterator_scenario(scenario, FUNCTIONS, memory_root)
    assert remote == local


def test_writer_family_same_as_local_disk(tmp_path, memory_root, memory_fs, monkeypatch):
    # A URL is a relative path to os.path.isabs, so the writer keeps its entries
    # relative, as TensorFlow does: the local equal is a relative directory.
    def run(base: str, listdir, read) -> list:
        directory = base + "run"
        events = []
        for step in (1, 2, 3):
            prefix = os.path.join(directory, f"model.ckpt-{step}")
            for suffix in (".index", ".data-00000-of-00001"):
                _storage.for_path(prefix).write_atomic(prefix + suffix, b"x")
            paths = [os.path.join(directory, f"model.ckpt-{s}") for s in range(1, step + 1)]
            tf_ckpt_compat.update_checkpoint_state(
                directory,
                prefix,
                paths,
                all_model_checkpoint_timestamps=[1.5 * s for s in range(1, step + 1)],
                last_preserved_timestamp=0.5,
            )
            events.append(read(os.path.join(directory, "checkpoint")))
        first = os.path.join(directory, "model.ckpt-1")
        events.append(tf_ckpt_compat.checkpoint_exists(first))
        events.append(len(tf_ckpt_compat.get_checkpoint_mtimes([first, first + "-missing"])))
        tf_ckpt_compat.remove_checkpoint(first)
        events.append(tf_ckpt_compat.checkpoint_exists(first))
        events.append(sorted(listdir(directory)))
        events.append(tf_ckpt_compat.latest_checkpoint(directory)[len(base) :])
        return events

    monkeypatch.chdir(tmp_path)
    os.mkdir("run")
    local = run("", os.listdir, lambda path: Path(path).read_bytes())
    remote = run(
        memory_root + "/",
        lambda url: [name.rsplit("/", 1)[-1] for name in memory_fs.ls(url, detail=False)],
        memory_fs.cat_file,
    )
    assert remote == local
    assert local[0] == (
        b'model_checkpoint_path: "model.ckpt-1"\nall_model_checkpoint_paths: "model.ckpt-1"\n'
        b"all_model_checkpoint_timestamps: 1.5\nlast_preserved_timestamp: 0.5\n"
    )
    assert local[-2] == [
        "checkpoint",
        "model.ckpt-2.data-00000-of-00001",
        "model.ckpt-2.index",
        "model.ckpt-3.data-00000-of-00001",
        "model.ckpt-3.index",
    ]


def test_object_store_write_is_one_whole_object_upload(memory_root, memory_fs):
    directory = memory_root + "/run"
    with counting(memory_fs) as calls:
        tf_ckpt_compat.update_checkpoint_state(directory, directory + "/m-1")
    assert calls == [("pipe_file", directory + "/checkpoint")]
    assert memory_fs.ls(directory, detail=False) == [f"/{memory_root[9:]}/run/checkpoint"]


def test_other_fsspec_filesystems_write_a_temporary_file_and_rename(tmp_path):
    # fsspec's local:// has a real rename: TensorFlow's temporary file and rename then.
    url = f"local://{tmp_path}"
    fs = fsspec.filesystem("local")
    with counting(fs) as calls:
        tf_ckpt_compat.update_checkpoint_state(url, url + "/m-1")
    assert [name for name, _ in calls] == ["pipe_file", "mv"]
    assert calls[0][1].startswith(url + "/checkpoint.tmp")
    assert os.listdir(tmp_path) == ["checkpoint"]
    assert tf_ckpt_compat.get_checkpoint_state(url).model_checkpoint_path == url + "/m-1"


def test_failed_rename_leaves_no_temporary_file(tmp_path, monkeypatch):
    fs = fsspec.filesystem("local")

    def refuse(*args, **kwargs):
        raise PermissionError("refused")

    monkeypatch.setattr(fs, "mv", refuse)
    url = f"local://{tmp_path}"
    with pytest.raises(PermissionError) as raised:
        tf_ckpt_compat.update_checkpoint_state(url, url + "/m-1")
    assert os.listdir(tmp_path) == []
    name, message = runner.exception_event(raised.value, lambda text: text)[1:]
    assert (name, message) == ("PermissionDeniedError", f"{url}/checkpoint.tmp<random>; refused")


def test_missing_object_errors_read_as_tensorflow_names_them(memory_root, memory_fs):
    url = memory_root + "/run/checkpoint"
    fs = _storage.for_path(url)
    with pytest.raises(FileNotFoundError) as raised:
        fs.read_bytes(url)
    assert runner.exception_event(raised.value, str)[1:] == (
        "NotFoundError",
        f"{url}; No such file or directory",
    )
    with pytest.raises(FileNotFoundError):
        fs.remove(url)
    with pytest.raises(FileNotFoundError):
        fs.listdir(memory_root + "/run")
    memory_fs.pipe_file(url, b"x")
    with pytest.raises(NotADirectoryError):
        fs.listdir(url)  # fsspec lists a file as itself; os.listdir refuses
    assert fs.isdir(memory_root + "/run") and not fs.isdir(url)
    assert not fs.isdir(memory_root + "/missing")


def test_a_failing_store_is_a_warning_not_a_crash(memory_root, memory_fs, monkeypatch):
    # TensorFlow logs any filesystem error reading the state file and goes on polling.
    def broken(path, **kwargs):
        raise ConnectionResetError("connection reset by peer")

    monkeypatch.setattr(memory_fs, "info", broken)
    directory = memory_root + "/run"
    with recorded_logs() as logs:
        assert tf_ckpt_compat.get_checkpoint_state(directory) is None
    assert logs == [
        ("WARNING", f"UnavailableError: {directory}/checkpoint; connection reset by peer"),
        ("WARNING", f"{directory}/checkpoint: Checkpoint ignored"),
    ]


# --- requests per poll --------------------------------------------------------------------


def _poll_calls(memory_fs, directory: str) -> list[tuple[str, str]]:
    with counting(memory_fs) as calls:
        tf_ckpt_compat.latest_checkpoint(directory)
    return calls


def test_requests_per_poll_unchanged_and_changed(memory_root, memory_fs):
    run = CheckpointDirectory(memory_root + "/run")
    assert _poll_calls(memory_fs, run.directory) == [("info", run.state_file)]
    run.publish(1)
    state, index_1, index_2 = run.state_file, run.prefix(1) + ".index", run.prefix(2) + ".index"
    expected_1 = [("info", state), ("cat_file", state), ("info", index_1)]
    for _ in range(3):  # unchanged: state existence + read + index existence, no listing
        assert _poll_calls(memory_fs, run.directory) == expected_1
    run.publish(2)  # changed: the same three
    assert _poll_calls(memory_fs, run.directory) == [
        ("info", state),
        ("cat_file", state),
        ("info", index_2),
    ]


def test_requests_per_poll_with_glob_characters(memory_root, memory_fs):
    run = CheckpointDirectory(memory_root + "/run")
    run.write_files(7)
    run.write_state('model_checkpoint_path: "model.ckpt-*"\n')
    # One listing, of the one level holding a glob character.
    assert _poll_calls(memory_fs, run.directory) == [
        ("info", run.state_file),
        ("cat_file", run.state_file),
        ("ls", run.directory),
    ]
    # A glob in a directory part: that level and the one below, and no isdir
    # request: the listing said which children are directories.
    memory_fs.pipe_file(run.directory + "/sub/m-1.index", b"")
    memory_fs.pipe_file(run.directory + "/sub/m-2.index", b"")
    memory_fs.pipe_file(run.directory + "/sister", b"")
    run.write_state('model_checkpoint_path: "s*/m-1"\n')
    assert _poll_calls(memory_fs, run.directory) == [
        ("info", run.state_file),
        ("cat_file", run.state_file),
        ("ls", run.directory),
        ("ls", run.directory + "/sub"),
    ]
    assert tf_ckpt_compat.latest_checkpoint(run.directory) == run.directory + "/s*/m-1"


def test_requests_per_poll_over_an_iterator_run(memory_root, memory_fs):
    run = CheckpointDirectory(memory_root + "/run")
    with FakeClock(start=1000.0) as clock, counting(memory_fs) as calls:
        run.publish(1)
        clock.at(1002.5, functools.partial(run.publish, 2))
        yielded = list(tf_ckpt_compat.checkpoints_iterator(run.directory, timeout=3))
    assert yielded == [run.prefix(1), run.prefix(2)]
    polls = [call for call in calls if call[0] != "pipe_file"]  # the pure writer's
    # Polls at 1000 (yield), 1000, 1001, 1002, 1003 (yield), 1003, 1004, 1005, 1006 (timeout).
    assert len(clock.sleeps) == 6
    assert len(polls) == 3 * 9
    assert {name for name, _ in polls} == {"info", "cat_file"}


# --- schemes nothing serves -------------------------------------------------------------------

# TensorFlow 2.21's own lines for tf.train.get_checkpoint_state("foo://bucket/run").
TF_UNKNOWN_SCHEME = [
    (
        "WARNING",
        "UnimplementedError: File system scheme 'foo' not implemented "
        "(file: 'foo://bucket/run/checkpoint')",
    ),
    ("WARNING", "foo://bucket/run/checkpoint: Checkpoint ignored"),
]
FOO_HINT = (
    "WARNING",
    "fsspec knows no filesystem for foo:// paths: install the package that implements it "
    "(see https://filesystem-spec.readthedocs.io/en/latest/api.html#other-known-implementations)",
)


def test_unknown_scheme_logs_tensorflows_warnings_and_returns_none(fresh_schemes):
    with recorded_logs() as logs:
        assert tf_ckpt_compat.get_checkpoint_state("foo://bucket/run") is None
    assert logs == [FOO_HINT, *TF_UNKNOWN_SCHEME]
    with recorded_logs() as logs:  # the hint once per process; TensorFlow's lines every time
        assert tf_ckpt_compat.get_checkpoint_state("foo://bucket/run") is None
        assert tf_ckpt_compat.latest_checkpoint("foo://bucket/run") is None
    assert logs == TF_UNKNOWN_SCHEME * 2


def test_unknown_scheme_in_the_iterator_warns_at_each_poll(fresh_schemes):
    with FakeClock(start=0.0), recorded_logs() as logs:
        assert list(tf_ckpt_compat.checkpoints_iterator("foo://bucket/run", timeout=2)) == []
    assert logs == [
        ("INFO", "Waiting for new checkpoint at foo://bucket/run"),
        FOO_HINT,
        *TF_UNKNOWN_SCHEME * 3,
        ("INFO", "Timed-out waiting for a checkpoint (without timeout_fn)."),
    ]


def test_unknown_scheme_writer_and_glob_raise_unimplemented(fresh_schemes):
    # TF 2.21 raises UnimplementedError naming the temporary file it tried first, and
    # for a glob, the pattern.
    with pytest.raises(tf_ckpt_compat.errors.UnimplementedError) as raised:
        tf_ckpt_compat.update_checkpoint_state("foo://bucket/run", "foo://bucket/run/m-1")
    assert isinstance(raised.value, OSError)
    assert type(raised.value).__name__ == "UnimplementedError"
    assert runner.exception_event(raised.value, str)[1:] == (
        "UnimplementedError",
        "File system scheme 'foo' not implemented (file: 'foo://bucket/run/checkpoint.tmp<random>')",
    )
    # The matcher ignores listing errors; TensorFlow finds the filesystem before listing.
    with pytest.raises(tf_ckpt_compat.errors.UnimplementedError) as raised:
        tf_ckpt_compat.checkpoint_exists("foo://bucket/run/m-*")
    assert str(raised.value) == (
        "File system scheme 'foo' not implemented (file: 'foo://bucket/run/m-*.index')"
    )


def test_scheme_is_case_sensitive_as_in_tensorflow(fresh_schemes):
    # TF 2.21: "FILE:///x" -> UnimplementedError for scheme 'FILE'.
    with recorded_logs() as logs:
        assert tf_ckpt_compat.get_checkpoint_state("FILE:///tmp/run") is None
    assert logs[1:] == [
        (
            "WARNING",
            "UnimplementedError: File system scheme 'FILE' not implemented "
            "(file: 'FILE:///tmp/run/checkpoint')",
        ),
        ("WARNING", "FILE:///tmp/run/checkpoint: Checkpoint ignored"),
    ]


def test_missing_fsspec(fresh_schemes, monkeypatch):
    monkeypatch.setitem(sys.modules, "fsspec", None)  # import fsspec -> ImportError
    with recorded_logs() as logs:
        assert tf_ckpt_compat.latest_checkpoint("s3://bucket/run") is None
    assert logs == [
        (
            "WARNING",
            "Without TensorFlow, s3:// paths are read through fsspec, which is not installed: "
            "pip install fsspec s3fs",
        ),
        (
            "WARNING",
            "UnimplementedError: File system scheme 's3' not implemented "
            "(file: 's3://bucket/run/checkpoint')",
        ),
        ("WARNING", "s3://bucket/run/checkpoint: Checkpoint ignored"),
    ]


def test_missing_scheme_package(fresh_schemes, monkeypatch):
    monkeypatch.setitem(sys.modules, "gcsfs", None)  # as if gcsfs were not installed
    # fsspec keeps the classes it has loaded: forget gcsfs's, if a test loaded it.
    monkeypatch.delitem(sys.modules["fsspec.registry"]._registry, "gs", raising=False)
    with recorded_logs() as logs:
        assert tf_ckpt_compat.get_checkpoint_state("gs://bucket/run") is None
    assert logs == [
        (
            "WARNING",
            "fsspec cannot load its gs:// filesystem (Please install gcsfs to access Google "
            "Storage): pip install gcsfs",
        ),
        (
            "WARNING",
            "UnimplementedError: File system scheme 'gs' not implemented "
            "(file: 'gs://bucket/run/checkpoint')",
        ),
        ("WARNING", "gs://bucket/run/checkpoint: Checkpoint ignored"),
    ]


def test_check_scheme(fresh_schemes, memory_root):
    _storage.check_scheme("/local/run")
    _storage.check_scheme("file:///local/run")
    _storage.check_scheme(memory_root)
    with recorded_logs() as logs, pytest.raises(SchemeUnavailableError) as raised:
        _storage.check_scheme("foo://bucket/run", warn=False)
    assert logs == []  # the caller shows the hint itself
    assert (
        str(raised.value) == "File system scheme 'foo' not implemented (file: 'foo://bucket/run')"
    )
    assert raised.value.hint == FOO_HINT[1]
    assert raised.value.tf_name == "UnimplementedError"


# --- the command line: exit 2 instead of waiting forever --------------------------------------


@pytest.mark.parametrize("command", ["watch", "latest", "state"])
def test_cli_exits_2_for_a_scheme_nothing_serves(command, fresh_schemes, capsys):
    assert _cli.main([command, "foo://bucket/run"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "tf-ckpt-compat: error: File system scheme 'foo' not implemented "
        f"(file: 'foo://bucket/run'): {FOO_HINT[1]}\n"
    )


def test_cli_exits_2_when_the_schemes_package_is_missing(fresh_schemes, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "gcsfs", None)
    monkeypatch.delitem(sys.modules["fsspec.registry"]._registry, "gs", raising=False)
    assert _cli.main(["watch", "gs://bucket/run", "--timeout", "5"]) == 2
    assert capsys.readouterr().err == (
        "tf-ckpt-compat: error: File system scheme 'gs' not implemented "
        "(file: 'gs://bucket/run'): fsspec cannot load its gs:// filesystem (Please install "
        "gcsfs to access Google Storage): pip install gcsfs\n"
    )


def test_cli_watch_of_an_unknown_scheme_exits_at_once():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CKPT_COMPAT_BACKEND": "pure"}
    command = [sys.executable, "-m", "tf_ckpt_compat", "watch", "foo://bucket/run"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (2, "")
    assert len(done.stderr.splitlines()) == 1
