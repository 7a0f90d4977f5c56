"""`tf_ckpt_compat._match.get_matching_files` against TensorFlow's `tf.io.gfile.glob`.

Each pattern runs in real directory trees, relative to the working directory and
absolute. TensorFlow expands several directories at once in a thread pool, so
when a pattern has globs at more than one level only the order of the matches
within each directory is fixed; within one directory both follow `readdir`.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import import_tensorflow
from hypothesis import given, settings
from hypothesis import strategies as st
from storage_helpers import make_tree

from tf_ckpt_compat._match import get_matching_files, has_glob
from tf_ckpt_compat._storage import LOCAL, for_path

tf = import_tensorflow()


@contextlib.contextmanager
def cwd(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def by_directory(paths: list[str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for path in paths:
        groups.setdefault(path.rpartition("/")[0], []).append(path)
    return groups


def assert_same_matches(pattern: str, fs=LOCAL) -> None:
    assert_equivalent(get_matching_files(pattern, fs), tf.io.gfile.glob(pattern))


def assert_equivalent(actual: list[str], expected: list[str]) -> None:
    assert sorted(actual) == sorted(expected)
    assert by_directory(actual) == by_directory(expected)


# --- A checkpoint directory with awkward neighbours ---

TREE = [
    "checkpoint",
    "ckpt-1.index",
    "ckpt-1.data-00000-of-00001",
    "ckpt-2.index",
    "ckpt-2.data-00000-of-00002",
    "ckpt-2.data-00001-of-00002",
    "ckpt-2.data-0000-of-00002",
    "ckpt-10.index",
    "ckpt-10.data-00000-of-00001",
    "model.ckpt-1.index",
    "model.ckpt-1.data-00000-of-00001",
    "model.ckpt-2/model.ckpt-2.index",  # a directory named like a prefix
    "ckpt-4.index/inner",  # a directory named like an index file
    ".hidden",
    ".ckpt-3.index",
    "a[1].index",
    "a1.index",
    "a*b",
    "axb",
    "a?b",
    "b\\c",
    "bc",
    "x]y",
    "[",
    "-",
    "!",
    "^a",
    "tail\\",
    "ckpt-[1",
    "ckpt-{1,2}.index",
    "sp ace.index",
    "uni-\u00e9.index",
    "a[/]b",  # the file "]b" in the directory "a["
    "run1/model.ckpt-1.index",
    "run2/model.ckpt-1.index",
    "run12/model.ckpt-1.index",
    "run[1]/model.ckpt-1.index",
    "run2/sub/x.index",
    "run2/.hid/x.index",
    "nested/a/b/c.index",
    "nested/a/d.index",
    "nested/e/b/c.index",
    "nested/.h/b/c.index",
    "empty/",
]
LINKS = {"linkdir": "run1", "broken": "nowhere"}

PATTERNS = [
    # what tf.train.latest_checkpoint and remove_checkpoint ask
    "ckpt-1.index",
    "ckpt-3.index",
    "checkpoint",
    "ckpt-2.data-?????-of-?????",
    "ckpt-1.data-?????-of-?????",
    "ckpt-3.data-?????-of-?????",
    "model.ckpt-1.data-?????-of-?????",
    "*.data-?????-of-?????",
    "model.ckpt-2",
    "model.ckpt-2*",
    "model.ckpt-*",
    "model.ckpt-2/*",
    "ckpt-4.index",
    "ckpt-4.ind?x",
    "ckpt-4.index/*",
    # wildcards
    "ckpt-*.index",
    "ckpt-?.index",
    "ckpt-??.index",
    "ckpt-1*",
    "ckpt-1.index*",
    "check*",
    "*",
    "*.index",
    "?*",
    ".*",
    "*hidden",
    "?hidden",
    "[.]*",
    "**/model.ckpt-1.index",
    "ckpt-{1,2}.index",
    "ckpt-{1,2}.inde?",
    "sp ace.*",
    "uni-*.index",
    # brackets
    "ckpt-[12].index",
    "ckpt-[0-9].index",
    "ckpt-[2-1].index",
    "ckpt-[!1].index",
    "ckpt-[^1].index",
    "ckpt-[]1].index",
    "ckpt-[1-].index",
    "ckpt-[[:digit:]].index",
    "ckpt-[[:alpha:][:digit:]]*",
    "ckpt-[[:foo:]].index",
    "[[:punct:]]*",
    "a[1].index",
    "a[[]1].index",
    "x[]]y",
    "x]y",
    "[[]",
    "[!a]",
    "[-]",
    "-",
    "^a",
    "[^^]a",
    "[",
    "ckpt-[",
    "ckpt-[1",
    "ckpt-[1*",
    "a[/]b",
    "a?/?b",
    # backslashes
    "a\\[1\\].index",
    "a\\*b",
    "a*b",
    "a?b",
    "a\\?b",
    "b\\\\c",
    "b\\c",
    "\\[",
    "tail\\\\",
    "tail\\",
    "*\\",
    "a\\[/]b",
    # globs in directories
    "run[12]/model.ckpt-1.index",
    "run*/model.ckpt-1.index",
    "run?/*.index",
    "run\\[1\\]/*",
    "run[[]1]/*",
    "*/*",
    "*/*.index",
    "*/sub/x.index",
    "run2/*/x.index",
    "run2/.*/*",
    "nested/*/b/c.index",
    "nested/*/*/c.index",
    "nested/*/*",
    "nested/*",
    "nested/a/*",
    "linkdir/*",
    "link*/*",
    "broken",
    "broken*",
    # directories, missing ones, odd spellings
    "empty",
    "empty/",
    "empty/*",
    "missing",
    "missing/*",
    "missing/ckpt-*",
    "missing/*/x",
    "",
    ".",
    "./",
    "*/",
    "run*/",
    "nested/*/",
    "./ckpt-*.index",
    ".//ckpt-*.index",
    "run1//*",
    "run1//model.ckpt-1.index",
    "run1/./m*",
    "run1/../ckpt-1.index",
    "run1/../ckpt-*.index",
    "./run1/../ckpt-?.index",
]

# TensorFlow's file system cleans every path (FileSystem::TranslateName: drop a
# scheme, then CleanPath) before using it, and so does the pure backend's
# (`_storage.paths.clean_path`): lexically, before the path's directories exist.
CLEANED_BY_TENSORFLOW = [
    "missing/../ckpt-1.index",
    "missing/../ckpt-*.index",
    "ckpt-1.index/../ckpt-2.index",
    "ckpt-1.index/../ckpt-?.index",
    "ckpt-1.index/",
    "ckpt-1.index/.",
    "broken/..",
]
CLEANED_CASES = [
    *[pytest.param(p, False, id=f"{p}-relative") for p in CLEANED_BY_TENSORFLOW],
    *[pytest.param(p, True, id=f"{p}-absolute") for p in CLEANED_BY_TENSORFLOW],
    pytest.param("file://{root}/ckpt-*.index", False, id="file-uri"),
]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("glob")
    assert not has_glob(str(root))
    make_tree(root, TREE, LINKS)
    return root


def test_enough_patterns():
    assert len(set(PATTERNS)) == len(PATTERNS) >= 60


@pytest.mark.parametrize("absolute", [False, True], ids=["relative", "absolute"])
@pytest.mark.parametrize("pattern", PATTERNS)
def test_same_matches_as_tensorflow(root: Path, pattern: str, absolute: bool):
    with cwd(root):
        assert_same_matches(f"{root}/{pattern}" if absolute else pattern)


@pytest.mark.parametrize("pattern, absolute", CLEANED_CASES)
def test_paths_cleaned_by_tensorflow(root: Path, pattern: str, absolute: bool):
    pattern = pattern.format(root=root)
    pattern = f"{root}/{pattern}" if absolute else pattern
    with cwd(root):
        # Through the pure backend's own choice of filesystem for the path.
        assert_same_matches(pattern, for_path(pattern))


# Both sides' matches for each pattern in argv, as JSON, from a process that must
# not be able to list the directory `locked`.
UNREADABLE_CHILD = textwrap.dedent(
    """
    import json, os, sys
    try:
        os.listdir("locked")
        sys.exit("this process can list the unreadable directory")
    except PermissionError:
        pass
    import tensorflow as tf
    from tf_ckpt_compat._match import get_matching_files
    from tf_ckpt_compat._storage import LOCAL
    matches = {p: [get_matching_files(p, LOCAL), tf.io.gfile.glob(p)] for p in sys.argv[1:]}
    print(json.dumps(matches))
    """
)
# Root lists any directory (CAP_DAC_READ_SEARCH, CAP_DAC_OVERRIDE), and CI runs as
# root: there, the child runs without those two capabilities, as any other user would.
WITHOUT_DAC_CAPABILITIES = [
    "setpriv",
    "--inh-caps=-dac_read_search,-dac_override",
    "--bounding-set=-dac_read_search,-dac_override",
]


def test_unreadable_directories_match_nothing(tmp_path: Path):
    make_tree(tmp_path, ["ok/x.index", "locked/x.index"])
    (tmp_path / "locked").chmod(0)
    try:
        try:
            os.listdir(tmp_path / "locked")
            unprivileged = WITHOUT_DAC_CAPABILITIES
        except PermissionError:
            unprivileged = []
        patterns = ["locked/*", "*/x.index", "locked/x.index", "*/*", "locked/"]
        child = subprocess.run(
            [*unprivileged, sys.executable, "-c", UNREADABLE_CHILD, *patterns],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert child.returncode == 0, child.stderr
        matches = json.loads(child.stdout)
        assert list(matches) == patterns
        for actual, expected in matches.values():
            assert_equivalent(actual, expected)
    finally:
        (tmp_path / "locked").chmod(0o755)


# --- Random patterns over names full of glob characters ---

ALPHABET = "/.*?[]!^-\\ab"
FUZZ_TREE = [
    *["a", "b", "ab", "ba", "aa", ".a", "a.b", "b.", "..a", "-a", "^a", "!a"],
    *["[", "]", "[a]", "a]", "]a", "a[b", "!", "^", "-", "a-b", "[!a]", "[^a]", "[.a.]"],
    *["\\", "a\\b", "b\\", "*", "?", "a*", "a?b", "*b"],
    *["d/a", "d/.b", "d/[", "d/\\", "d/e/ab", "d/e/.a", "[b]/a", "[b]/b", "a[/]b", "a[/]a"],
    ".d/a",
]


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    make_tree(root, FUZZ_TREE)
    return root


def stays_inside(pattern: str) -> bool:
    return not pattern.startswith("/") and ".." not in pattern.split("/")


@settings(max_examples=300, deadline=None)
@given(
    pattern=st.text(ALPHABET, min_size=1, max_size=8).filter(stays_inside),
    absolute=st.booleans(),
)
def test_random_patterns(fuzz_root: Path, pattern: str, absolute: bool):
    # The local filesystem cleans paths as TensorFlow does ("-/" names the file "-" there).
    with cwd(fuzz_root):
        assert_same_matches(f"{fuzz_root}/{pattern}" if absolute else pattern)
