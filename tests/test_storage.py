"""The storage layer: TensorFlow's path grammar, and one behaviour on every storage.

The path rules are checked against the expectations of TensorFlow's own
`tensorflow/core/lib/io/path_test.cc` (JoinPath, Dirname), written out here.
The filesystem operations run on the local disk and on fsspec's memory://
store, and must agree with each other and with the `os` module.
"""

from __future__ import annotations

import errno
import os
import pickle
import re
import subprocess
import sys
import uuid

import pytest
from fsspec.implementations.memory import MemoryFileSystem

import tf_ckpt_compat
import tf_ckpt_compat.errors
from tf_ckpt_compat import _storage
from tf_ckpt_compat._errors import describe
from tf_ckpt_compat._storage import paths
from tf_ckpt_compat.testing import CheckpointDirectory

# --- the grammar: TensorFlow's path_test.cc ------------------------------------------------


@pytest.mark.parametrize(
    "parent, child, joined",
    [
        ("/foo", "bar", "/foo/bar"),
        ("foo", "bar", "foo/bar"),
        ("foo", "/bar", "foo/bar"),
        ("/foo", "/bar", "/foo/bar"),
        ("", "/bar", "/bar"),
        ("", "bar", "bar"),
        ("/foo", "", "/foo"),
        ("/foo/bar/baz/", "/blah/blink/biz", "/foo/bar/baz/blah/blink/biz"),
    ],
)
def test_join_as_tensorflows_join_path(parent, child, joined):
    assert paths.join(parent, child) == joined


@pytest.mark.parametrize(
    "path, parent",
    [
        ("/hello/", "/hello"),
        ("/hello", "/"),
        ("hello/world", "hello"),
        ("hello/", "hello"),
        ("world", ""),
        ("/", "/"),
        ("", ""),
        # URIs keep scheme://host (io::SplitPath after ParseURI).
        ("s3://bucket/run/x", "s3://bucket/run"),
        ("s3://bucket/x", "s3://bucket/"),
        ("s3://bucket", "s3://bucket"),
    ],
)
def test_dirname_as_tensorflows(path, parent):
    assert paths.dirname(path) == parent


@pytest.mark.parametrize(
    "path, scheme",
    [
        ("s3://b/x", "s3"),
        ("gs://b", "gs"),
        ("a.b://x", "a.b"),
        ("FILE:///x", "FILE"),
        ("1s3://x", None),  # a scheme starts with a letter
        ("s_3://x", None),
        ("://x", None),
        ("/abs/run", None),
        ("s3:/x", None),
    ],
)
def test_scheme_of_follows_parse_uri(path, scheme):
    assert paths.scheme_of(path) == scheme
    assert paths.is_local(path) == (scheme is None)


def test_file_urls_are_local():
    assert paths.is_local("file:///x") and paths.is_local("file://host/x")
    assert paths.file_url_path("file://host/a/../b") == "/a/../b"  # not cleaned
    assert paths.file_url_path("file://host") == ""


@pytest.mark.parametrize(
    "path, cleaned",
    [("missing/../x", "x"), ("file/", "file"), ("//a//b/", "/a/b"), ("///a", "/a"), ("", "")],
)
def test_clean_path(path, cleaned):
    assert paths.clean_path(path) == cleaned


def test_state_file_is_os_path_join_with_checkpoint_for_none_only():
    assert paths.state_file("/run") == "/run/checkpoint"
    assert paths.state_file("s3://b/run", "eval") == "s3://b/run/eval"
    assert paths.state_file("/run", "") == "/run/"  # as TensorFlow's os.path.join


# --- the operations: the local disk and memory:// agree -------------------------------------


@pytest.fixture(params=["local", "memory"])
def root(request, tmp_path):
    if request.param == "local":
        yield str(tmp_path)
        return
    name = f"tfcc-storage-{uuid.uuid4().hex[:12]}"
    yield f"memory://{name}"
    for key in [k for k in MemoryFileSystem.store if k.startswith(f"/{name}")]:
        del MemoryFileSystem.store[key]
    MemoryFileSystem.pseudo_dirs[:] = [
        d for d in MemoryFileSystem.pseudo_dirs if not d.startswith(f"/{name}")
    ]


def test_write_read_and_ranges(root):
    fs = _storage.for_path(root)
    path = root + "/run/sub/data"
    fs.write(path, b"0123456789")  # parents are created where the storage has them
    assert fs.read_bytes(path) == b"0123456789"
    assert fs.read_range(path, 2, 3) == b"234"
    assert fs.read_range(path, 8, 10) == b"89"  # short only at the end
    assert fs.read_range(path, 10, 4) == b""
    fs.write_atomic(path, b"new")
    assert fs.read_bytes(path) == b"new"


def test_listing_says_what_is_a_directory_and_describes_files(root):
    fs = _storage.for_path(root)
    fs.write(root + "/run/a.index", b"12345")
    fs.write(root + "/run/sub/b", b"")
    fs.makedirs(root + "/run/empty")
    listed = sorted(fs.listdir(root + "/run"))
    assert listed == [("a.index", False), ("empty", True), ("sub", True)]
    infos = {info.name: info for info in fs.scan(root + "/run")}
    assert sorted(infos) == ["a.index", "empty", "sub"]
    assert (infos["a.index"].is_dir, infos["a.index"].size) == (False, 5)
    assert infos["sub"].is_dir
    stat = fs.stat(root + "/run/a.index")
    assert stat == infos["a.index"]
    assert stat.version is not None and stat.mtime is not None


def test_version_changes_when_a_file_is_rewritten(root):
    fs = _storage.for_path(root)
    path = root + "/run/checkpoint"
    fs.write(path, b"one")
    before = fs.stat(path).version
    fs.write_atomic(path, b"two!")
    assert fs.stat(path).version != before


def test_missing_files_are_tensorflows_not_found(root):
    fs = _storage.for_path(root)
    missing = root + "/run/missing"
    for operation in (fs.read_bytes, fs.stat, fs.remove, fs.scan):
        with pytest.raises(FileNotFoundError) as raised:
            operation(missing)
        assert describe(raised.value, missing) == (
            "NotFoundError",
            f"{missing}; No such file or directory",
        )
    with pytest.raises(FileNotFoundError):
        fs.read_range(missing, 0, 1)


def test_remove(root):
    fs = _storage.for_path(root)
    fs.write(root + "/x", b"")
    fs.remove(root + "/x")
    assert not fs.exists(root + "/x")


def test_link_on_the_local_disk_and_refused_on_object_stores(root):
    fs = _storage.for_path(root)
    fs.write(root + "/a", b"data")
    if fs.local_path(root) is None:
        with pytest.raises(OSError) as raised:
            fs.link(root + "/a", root + "/b")
        assert raised.value.errno == errno.ENOTSUP
        return
    fs.link(root + "/a", root + "/b")
    fs.remove(root + "/a")  # the second name keeps the content
    assert fs.read_bytes(root + "/b") == b"data"
    assert os.stat(fs.local_path(root + "/b")).st_nlink == 1


def test_local_errors_name_the_path_as_given(tmp_path):
    given = str(tmp_path) + "/missing/../nothing"
    with pytest.raises(FileNotFoundError) as raised:
        _storage.LOCAL.read_bytes(given)
    assert raised.value.filename == given


# --- TensorFlow's file layer: mtimes in whole seconds, sizes from stat, C strings ------------


@pytest.mark.parametrize(
    "mtime_ns, seconds",
    [
        (1_700_000_000_999_999_999, 1_700_000_000.0),
        (1_700_000_000_000_000_000, 1_700_000_000.0),
        # Before the Epoch, tv_sec is the floor (-2 s and 0.5 s), not the truncation.
        (-1_500_000_000, -2.0),
    ],
)
def test_local_mtimes_are_whole_seconds_as_tensorflows_stat(tmp_path, mtime_ns, seconds):
    # TensorFlow's PosixFileSystem::Stat: mtime_nsec = st_mtime (tv_sec) * 1e9.
    path = str(tmp_path / "m-1.index")
    open(path, "wb").close()
    os.utime(path, ns=(mtime_ns, mtime_ns))
    assert _storage.LOCAL.mtime(path) == seconds
    assert tf_ckpt_compat.get_checkpoint_mtimes([str(tmp_path / "m-1")]) == [seconds]


# A reader that read a device to its end would never stop: the child's memory is bounded,
# so that it fails at once instead of filling the machine.
_READ_A_DEVICE = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
import tf_ckpt_compat
from tf_ckpt_compat import _storage
assert _storage.LOCAL.read_bytes(sys.argv[1] + "/checkpoint") == b""
try:
    tf_ckpt_compat.get_checkpoint_state(sys.argv[1])
except ValueError as e:
    print(e)
"""


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_state_file_that_is_a_device_reads_as_its_size_says(tmp_path, device):
    # TensorFlow's file_io reads as many bytes as stat reports: 0 for a device,
    # hence an empty state and its ValueError (compat_tests/test_state_compat.py).
    assert os.stat(device).st_size == 0
    os.symlink(device, tmp_path / "checkpoint")
    child = subprocess.run(
        [sys.executable, "-c", _READ_A_DEVICE, str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CKPT_COMPAT_BACKEND": "pure"},
        timeout=60,
    )
    assert (child.returncode, child.stderr) == (0, "")
    assert child.stdout == f"Invalid checkpoint state loaded from {tmp_path}\n"


def test_a_nul_ends_a_local_path_as_a_c_string_does(tmp_path):
    run = CheckpointDirectory(tmp_path / "run")
    prefix = run.publish(1, timestamp=1.0)
    # The OS is given what comes before the NUL: the directory, the state file.
    assert _storage.LOCAL.exists(run.directory + "\0/elsewhere")
    state = tf_ckpt_compat.get_checkpoint_state(run.directory, "checkpoint\0.bak")
    assert state.model_checkpoint_path == prefix
    # Written in place, as TensorFlow writes it: the temporary name is cut too.
    tf_ckpt_compat.update_checkpoint_state(
        run.directory, prefix + "0", latest_filename="checkpoint\0x"
    )
    assert sorted(os.listdir(run.directory))[0] == "checkpoint"
    assert tf_ckpt_compat.get_checkpoint_state(run.directory).model_checkpoint_path == prefix + "0"


def test_a_nul_in_a_read_path_is_cut_before_the_path_is_cleaned(tmp_path):
    # As TensorFlow's file_io hands a path over: `x\0/../run` is `x` (a directory), not `run`.
    (tmp_path / "x").mkdir()
    with pytest.raises(IsADirectoryError) as raised:
        _storage.LOCAL.read_bytes(str(tmp_path) + "/x\0/../run")
    assert raised.value.filename == str(tmp_path / "x")


# --- failures raised as TensorFlow's classes, which are the OSErrors too ------------------------


@pytest.mark.parametrize(
    "state_file_is_a_directory, tf_class, builtin",
    [
        (False, "NotFoundError", FileNotFoundError),
        (True, "FailedPreconditionError", IsADirectoryError),
    ],
    ids=["missing-directory", "state-file-is-a-directory"],
)
def test_a_failed_write_is_tensorflows_error_and_the_oserror(
    tmp_path, state_file_is_a_directory, tf_class, builtin
):
    # The classes by errno as TensorFlow's ErrnoToCode; the message as TensorFlow's
    # IOError: "<temporary file>; <strerror>" (compat_tests/test_writer_compat.py).
    if state_file_is_a_directory:
        (tmp_path / "checkpoint").mkdir()
        directory = str(tmp_path)
    else:
        directory = str(tmp_path / "missing")
    with pytest.raises(getattr(tf_ckpt_compat.errors, tf_class)) as raised:
        tf_ckpt_compat.update_checkpoint_state(directory, directory + "/m-1")
    error = raised.value
    assert isinstance(error, builtin)
    assert type(error).__name__ == tf_class
    assert error.error_code == getattr(tf_ckpt_compat.errors, tf_class).code
    temporary = error.filename
    assert re.fullmatch(re.escape(directory) + r"/checkpoint\.tmp[0-9a-f]{32}", temporary)
    assert str(error) == error.message == f"{temporary}; {os.strerror(error.errno)}"
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.errno, copy.filename) == (
        type(error),
        str(error),
        error.errno,
        error.filename,
    )
    # No temporary file is left behind.
    assert os.listdir(tmp_path) == (["checkpoint"] if state_file_is_a_directory else [])


def test_removing_and_matching_on_an_unserved_scheme_raise_unimplemented():
    for call in (
        lambda: tf_ckpt_compat.checkpoint_exists("nosuchscheme://bucket/m-1"),
        lambda: tf_ckpt_compat.remove_checkpoint("nosuchscheme://bucket/m-1"),
        lambda: tf_ckpt_compat.get_checkpoint_mtimes(["nosuchscheme://bucket/m-1"]),
    ):
        with pytest.raises(tf_ckpt_compat.errors.UnimplementedError) as raised:
            call()
        assert isinstance(raised.value, OSError)
        assert str(raised.value).startswith("File system scheme 'nosuchscheme' not implemented")
