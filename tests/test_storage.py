"""The storage layer: TensorFlow's path grammar, and one behaviour on every storage.

The path rules are checked against the expectations of TensorFlow's own
`tensorflow/core/lib/io/path_test.cc` (JoinPath, Dirname), written out here.
The filesystem operations run on the local disk and on fsspec's memory://
store, and must agree with each other and with the `os` module.
"""

from __future__ import annotations

import errno
import os
import uuid

import pytest
from fsspec.implementations.memory import MemoryFileSystem

from tf_ckpt_compat import _storage
from tf_ckpt_compat._errors import describe
from tf_ckpt_compat._storage import paths

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
