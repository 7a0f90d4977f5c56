"""The pure backend against a real S3 server: moto's, on 127.0.0.1, through s3fs.

The server (`storage_helpers.moto_s3`) runs in this process on a free loopback
port; s3fs reaches it through fsspec's configuration only
(`fsspec.config.conf["s3"]`, or the `FSSPEC_S3` variable for a subprocess), as
a user would configure it. While the server is up, every socket connection
this process opens is checked: one to any address but the loopback fails the
test run. Requests are counted as the server receives them.

In CI (`CI=true`) a missing moto or s3fs fails the run; elsewhere it skips
this file with a reason.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest


def import_s3_packages() -> None:
    """Fails in CI (`CI=true`), and skips this file elsewhere, when moto or s3fs is missing."""
    for name in ("s3fs", "moto.server"):
        if os.environ.get("CI") == "true":
            importlib.import_module(name)
        else:
            pytest.importorskip(name, reason="the S3 tests need moto[server] and s3fs")


import_s3_packages()

from storage_helpers import Requests, S3Server, moto_s3  # noqa: E402
from test_remote import FUNCTIONS, recorded_logs  # noqa: E402

import tf_ckpt_compat  # noqa: E402
from tf_ckpt_compat import _cli  # noqa: E402
from tf_ckpt_compat.conformance import runner  # noqa: E402
from tf_ckpt_compat.conformance.iterator_scenarios import SCENARIOS  # noqa: E402
from tf_ckpt_compat.testing import CheckpointDirectory, FakeClock  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUCKET = "tfcc-test"

# Scenarios with objects created, overwritten and deleted while the iterator runs.
S3_SCENARIOS = [
    s
    for s in SCENARIOS
    if s.name
    in {
        "dir_created_later",
        "faster_than_poll",
        "same_path_rewritten",
        "path_goes_backwards",
        "state_deleted_and_recreated",
        "index_appears_late",
        "empty_state_mid_run",
        "malformed_state_mid_run",
        "files_deleted_under_state",
        "timeout_fn_false_then_checkpoint",
        "wait_found_later",
    }
]


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 on 127.0.0.1, s3fs configured for it, the test bucket; yields its log."""
    with moto_s3(BUCKET) as server:
        yield server


@pytest.fixture
def requests(s3_server):
    s3_server.requests.clear()
    return s3_server.requests


@pytest.fixture
def s3_root(s3_server):
    return f"s3://{BUCKET}/{uuid.uuid4().hex[:12]}"


def other_client(url: str) -> tuple[object, str]:
    """(s3fs instance, key) of a client of its own: another process's view of the bucket.

    Not the instance the pure backend gets from `fsspec.filesystem("s3")`: its
    listing cache and its reads are independent of the code under test.
    """
    fs = fsspec.filesystem("s3", skip_instance_cache=True)
    return fs, fs._strip_protocol(url)


def _poll(requests: Requests, directory: str) -> list[str]:
    requests.clear()
    tf_ckpt_compat.latest_checkpoint(directory)
    return requests.kinds()


# --- the functions -------------------------------------------------------------------------


def test_publish_with_the_pure_writer_and_read_back(s3_root):
    run = CheckpointDirectory(s3_root + "/run")
    run.publish(1, timestamp=10.0)
    run.publish(2, timestamp=20.0, keep=1)  # deletes checkpoint 1's objects
    state = tf_ckpt_compat.get_checkpoint_state(run.directory)
    assert runner.state_fields(state) == (run.prefix(2), [run.prefix(2)], ["20.0"], "20.0")
    fs, path = other_client(run.state_file)
    assert fs.cat_file(path) == (
        b'model_checkpoint_path: "model.ckpt-2"\nall_model_checkpoint_paths: "model.ckpt-2"\n'
        b"all_model_checkpoint_timestamps: 20.0\nlast_preserved_timestamp: 20.0\n"
    )
    assert tf_ckpt_compat.latest_checkpoint(run.directory) == run.prefix(2)
    assert tf_ckpt_compat.checkpoint_exists(run.prefix(2))
    assert not tf_ckpt_compat.checkpoint_exists(run.prefix(1))
    (mtime,) = tf_ckpt_compat.get_checkpoint_mtimes([run.prefix(2)])
    assert abs(mtime - fs.modified(path).timestamp()) < 5
    tf_ckpt_compat.remove_checkpoint(run.prefix(2))
    assert fs.ls(run.directory.split("://")[1], detail=False) == [path]


def test_write_is_one_put_and_leaves_no_temporary_object(s3_root, requests):
    directory = s3_root + "/run"
    tf_ckpt_compat.update_checkpoint_state(directory, directory + "/m-1")
    assert requests.log == [("PUT", f"/{directory[5:]}/checkpoint", "")]  # nothing else
    fs, path = other_client(directory)
    assert fs.ls(path, detail=False) == [path + "/checkpoint"]


def test_errors_read_as_tensorflow_names_them(s3_root):
    directory = s3_root + "/run"
    _, path = other_client(directory)
    fs = fsspec.filesystem("s3")
    fs.pipe_file(path + "/checkpoint", b"\xff")
    with pytest.raises(UnicodeDecodeError):  # as TensorFlow's (and the local) reader
        tf_ckpt_compat.get_checkpoint_state(directory)
    # No such bucket: no state, no warning, as TensorFlow's FileExists.
    with recorded_logs() as logs:
        assert tf_ckpt_compat.latest_checkpoint("s3://tfcc-no-such-bucket/run") is None
    assert logs == []


# --- the iterator, against the local disk ------------------------------------------------------


@pytest.mark.parametrize("scenario", S3_SCENARIOS, ids=[s.name for s in S3_SCENARIOS])
def test_iterator_scenario_same_as_local_disk(scenario, tmp_path, s3_root):
    local = runner.run_iterator_scenario(scenario, FUNCTIONS, tmp_path)
    remote = runner.run_iterator_scenario(scenario, FUNCTIONS, s3_root)
    assert remote == local


def test_a_cached_listing_does_not_hide_a_new_checkpoint(s3_root):
    # s3fs caches listings, and answers info() from a cached listing of the parent.
    run = CheckpointDirectory(s3_root + "/run")
    run.publish(1)
    fs = fsspec.filesystem("s3")  # the instance the pure backend uses
    fs.ls(run.directory)  # user code (or a glob) lists the directory
    # Another process publishes checkpoint 2: this instance's cached listing is stale.
    other, _ = other_client(run.directory)
    other.pipe_file(run.prefix(2) + ".index", b"")
    other.pipe_file(run.state_file, b'model_checkpoint_path: "model.ckpt-2"\n')
    with pytest.raises(FileNotFoundError):  # the trap: s3fs answers from its cached listing
        fs.info(run.prefix(2) + ".index")
    assert tf_ckpt_compat.latest_checkpoint(run.directory) == run.prefix(2)


# --- requests per poll ---------------------------------------------------------------------------


def test_requests_per_poll(s3_root, requests):
    run = CheckpointDirectory(s3_root + "/run")
    # No state file yet: s3fs's existence check is a HEAD, then a one-key
    # listing of "<key>/" to tell a "directory" (TensorFlow's GCS FileExists does the same).
    assert _poll(requests, run.directory) == ["HEAD", "LIST"]
    assert "max-keys=1" in requests.log[1][2]
    run.publish(1)
    for _ in range(3):  # unchanged: state existence + read + index existence, no listing
        assert _poll(requests, run.directory) == ["HEAD", "GET", "HEAD"]
    assert [path.rsplit("/", 1)[1] for _, path, _ in requests.log] == [
        "checkpoint",
        "checkpoint",
        "model.ckpt-1.index",
    ]
    run.publish(2)  # changed: the same three
    assert _poll(requests, run.directory) == ["HEAD", "GET", "HEAD"]
    assert requests.log[2][1].endswith("/model.ckpt-2.index")
    # Glob characters: one listing, of the level that holds them.
    run.write_state('model_checkpoint_path: "model.ckpt-*"\n')
    assert _poll(requests, run.directory) == ["HEAD", "GET", "LIST"]
    assert (
        requests.log[2][2].startswith("list-type=2&prefix=")
        and "max-keys" not in (requests.log[2][2])
    )


def test_requests_per_poll_over_an_iterator_run(s3_root, requests):
    run = CheckpointDirectory(s3_root + "/run")
    run.publish(1)
    requests.clear()
    with FakeClock(start=1000.0) as clock:
        clock.at(1002.5, functools.partial(run.publish, 2))
        yielded = list(tf_ckpt_compat.checkpoints_iterator(run.directory, timeout=3))
    assert yielded == [run.prefix(1), run.prefix(2)]
    # Polls at 1000 (yield), 1000, 1001, 1002, 1003 (yield), 1003, 1004, 1005, 1006; the
    # PUTs publish checkpoint 2 at 1002.5: its data, its index, then the state file.
    poll = ["HEAD", "GET", "HEAD"]
    assert requests.kinds() == poll * 4 + ["PUT"] * 3 + poll * 5


# --- the command line ----------------------------------------------------------------------------


def test_cli_watch_latest_and_state(s3_root, capsys):
    run = CheckpointDirectory(s3_root + "/run")
    with FakeClock(start=1000.0) as clock:
        clock.at(1000.5, functools.partial(run.publish, 1))
        clock.at(1001.5, functools.partial(run.publish, 2))
        clock.at(1002.5, functools.partial(run.delete_files, 2))  # the max_to_keep race
        clock.at(1003.5, functools.partial(run.publish, 3))
        clock.at(1004.5, functools.partial(run.publish, 3))  # overwritten: not new
        assert _cli.main(["watch", run.directory, "--timeout", "3"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [run.prefix(1), run.prefix(2), run.prefix(3)]
    assert err == f"error: Couldn't match files for checkpoint {run.prefix(2)}\n"

    assert _cli.main(["latest", run.directory]) == 0
    assert capsys.readouterr().out == run.prefix(3) + "\n"
    assert _cli.main(["state", run.directory, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model_checkpoint_path"] == run.prefix(3)
    assert report["checkpoints"][-1]["exists"] is True
    # The files of each checkpoint, from one listing of the bucket's prefix.
    assert [f["name"] for f in report["checkpoints"][-1]["files"]] == [
        "model.ckpt-3.data-00000-of-00001",
        "model.ckpt-3.index",
    ]
    fs, _ = other_client(run.directory)
    assert [f["size"] for f in report["checkpoints"][-1]["files"]] == [
        fs.size(run.prefix(3) + suffix) for suffix in (".data-00000-of-00001", ".index")
    ]
    assert report["checkpoints"][1]["files"] == []  # checkpoint 2's were deleted


def test_cli_subprocess_configured_by_the_environment(s3_server, s3_root, tmp_path):
    # fsspec's usual configuration: FSSPEC_S3 holds the storage options as JSON.
    options = s3_server.options
    run = CheckpointDirectory(s3_root + "/run")
    run.publish(7)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TF_CKPT_", "FSSPEC_"))},
        "PYTHONPATH": str(ROOT),
        "TF_CKPT_COMPAT_BACKEND": "pure",
        "FSSPEC_CONFIG_DIR": str(tmp_path),  # no configuration files of the user's
        "FSSPEC_S3": json.dumps(options),
    }

    def cli(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "tf_ckpt_compat", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)

    latest = cli("latest", run.directory)
    assert (latest.returncode, latest.stdout, latest.stderr) == (0, run.prefix(7) + "\n", "")
    watch = cli("watch", run.directory, "--timeout", "0.5", "--format", "json")
    assert watch.returncode == 0, watch.stderr
    (line,) = watch.stdout.splitlines()
    assert json.loads(line)["path"] == run.prefix(7)
    assert watch.stderr == ""


def test_only_the_loopback_is_contacted(s3_server):
    # The guard itself: a connection elsewhere is refused, and recorded for the teardown.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with contextlib.closing(sock), pytest.raises(OSError, match="refused a connection"):
        sock.connect(("192.0.2.1", 9))  # TEST-NET-1: not routed anyway
    assert s3_server.violations == [("192.0.2.1", 9)]
    s3_server.violations.clear()


# --- the tensor reader ----------------------------------------------------------------------


def test_reader_reads_the_index_once_and_each_tensor_in_one_ranged_request(s3_root, requests):
    import numpy as np

    from tf_ckpt_compat._bundle.writer import write_bundle
    from tf_ckpt_compat._storage import for_path

    prefix = s3_root + "/run/ckpt-1"
    tensors = {f"layer{i}": np.full((64, 64), i, np.float32) for i in range(20)}
    write_bundle(prefix, tensors, for_path(prefix))
    requests.clear()
    reader = tf_ckpt_compat.compat.v1.train.NewCheckpointReader(prefix)
    assert len(reader.get_variable_to_shape_map()) == 20
    assert requests.kinds() == ["GET"]  # the whole index, once
    size = 64 * 64 * 4
    for i in (7, 19, 0):
        requests.clear()
        assert (reader.get_tensor(f"layer{i}") == i).all()
        [(method, path, _)] = requests.log
        assert (method, path.rsplit("/", 1)[1]) == ("GET", "ckpt-1.data-00000-of-00001")
        # Tensors lie in the order written, and only this one's bytes are asked for.
        assert requests.ranges == [f"bytes={i * size}-{(i + 1) * size - 1}"]
