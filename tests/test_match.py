"""`tf_ckpt_compat._match`: TensorFlow's glob rules, without TensorFlow.

Expected values follow from the rules of TensorFlow's `GetMatchingPaths` and
glibc's `fnmatch(FNM_PATHNAME)`; `compat_tests/test_match_compat.py` checks the
same rules against TensorFlow itself.
"""

from __future__ import annotations

import ctypes
import os
import platform
from pathlib import Path
from typing import Optional, Union

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from storage_helpers import make_tree

from tf_ckpt_compat._fnmatch import compile_pattern
from tf_ckpt_compat._match import GLOB_CHARS, get_matching_files, has_glob


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    make_tree(
        tmp_path,
        [
            "ckpt-1.index",
            "ckpt-2.index",
            "ckpt-10.index",
            "ckpt-2.data-00000-of-00002",
            "ckpt-2.data-00001-of-00002",
            "ckpt-2.data-0000-of-00002",
            ".hidden",
            "a[1].index",
            "a1.index",
            "a*b",
            "axb",
            "b\\c",
            "bc",
            "[",
            "ckpt-[1",
            "ckpt-{1,2}.index",
            "run1/model.ckpt-1.index",
            "run2/model.ckpt-1.index",
            "run3/model.ckpt-1.index",
            "run2/sub/x.index",
            "empty/",
            "a[/]b",
        ],
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def glob(pattern: str) -> list[str]:
    return sorted(get_matching_files(pattern))


# --- Which patterns are globs ---


def test_glob_chars_are_tensorflows():
    assert GLOB_CHARS == "*?[\\"
    for c in "*?[\\":
        assert has_glob("ckpt" + c)
    for pattern in ["ckpt-1.index", "a]b", "{a,b}", "a!b", "a^b", "", "/x/y/"]:
        assert not has_glob(pattern)


# --- Patterns without glob characters: one existence check ---


def test_plain_pattern_is_returned_as_given_when_it_exists(tree: Path):
    assert get_matching_files("ckpt-1.index") == ["ckpt-1.index"]
    assert get_matching_files(str(tree / "ckpt-1.index")) == [str(tree / "ckpt-1.index")]
    assert get_matching_files("./run1//model.ckpt-1.index") == ["./run1//model.ckpt-1.index"]
    assert get_matching_files("ckpt-3.index") == []


def test_plain_pattern_naming_a_directory_is_returned(tree: Path):
    assert get_matching_files("run1") == ["run1"]
    assert get_matching_files("run1/") == ["run1/"]
    assert get_matching_files(".") == ["."]


def test_empty_pattern_matches_nothing(tree: Path):
    assert get_matching_files("") == []


def test_braces_are_not_special(tree: Path):
    assert get_matching_files("ckpt-{1,2}.index") == ["ckpt-{1,2}.index"]
    assert glob("ckpt-{1,2}.inde?") == ["./ckpt-{1,2}.index"]


# --- Wildcards ---


def test_relative_pattern_without_directory_yields_dot_slash_paths(tree: Path):
    assert glob("ckpt-?.index") == ["./ckpt-1.index", "./ckpt-2.index"]
    assert glob("./ckpt-?.index") == ["./ckpt-1.index", "./ckpt-2.index"]
    assert glob("run1/*") == ["run1/model.ckpt-1.index"]


def test_absolute_pattern(tree: Path):
    assert glob(str(tree / "ckpt-?.index")) == [
        str(tree / "ckpt-1.index"),
        str(tree / "ckpt-2.index"),
    ]


def test_star_matches_empty_and_any_run_but_not_slash(tree: Path):
    assert glob("ckpt-1*.index") == ["./ckpt-1.index", "./ckpt-10.index"]
    assert glob("ckpt-1.index*") == ["./ckpt-1.index"]
    assert glob("run*") == ["./run1", "./run2", "./run3"]
    assert glob("run*.index") == []  # the files are one level down


def test_question_mark_is_one_character(tree: Path):
    assert glob("ckpt-?.index") == ["./ckpt-1.index", "./ckpt-2.index"]
    assert glob("ckpt-??.index") == ["./ckpt-10.index"]
    assert glob("ckpt-2.data-?????-of-?????") == [
        "./ckpt-2.data-00000-of-00002",
        "./ckpt-2.data-00001-of-00002",
    ]


def test_wildcards_match_a_leading_dot(tree: Path):
    assert "./.hidden" in glob("*")
    assert glob("?hidden") == ["./.hidden"]
    assert glob("[.]hidden") == ["./.hidden"]


def test_double_star_is_a_star(tree: Path):
    assert glob("**/model.ckpt-1.index") == glob("*/model.ckpt-1.index")
    assert len(glob("**/model.ckpt-1.index")) == 3
    assert glob("**/x.index") == []  # no recursion


# --- Brackets ---


def test_bracket_sets_and_ranges(tree: Path):
    assert glob("ckpt-[12].index") == ["./ckpt-1.index", "./ckpt-2.index"]
    assert glob("ckpt-[0-9].index") == ["./ckpt-1.index", "./ckpt-2.index"]
    assert glob("ckpt-[2-1].index") == []  # an empty range
    assert glob("run[13]") == ["./run1", "./run3"]


def test_bracket_negation_with_bang_or_caret(tree: Path):
    assert glob("run[!1]") == ["./run2", "./run3"]
    assert glob("run[^1]") == ["./run2", "./run3"]


def test_bracket_edge_items(tree: Path):
    assert glob("a[]1].index") == ["./a1.index"]  # a leading ']' is an item
    assert glob("ckpt-[1-].index") == ["./ckpt-1.index"]  # a trailing '-' too
    assert glob("a[[]1].index") == ["./a[1].index"]
    assert glob("ckpt-[[:digit:]].index") == ["./ckpt-1.index", "./ckpt-2.index"]


def test_bracket_never_matches_slash(tree: Path):
    # "a[/]b" is cut at its '/' into "a[" and "a[/]b": the second never matches.
    assert glob("a\\[/]b") == ["./a[/]b"]
    assert glob("a?/?b") == ["./a[/]b"]
    assert glob("a[/]b") == []


def test_unterminated_bracket_is_a_literal(tree: Path):
    assert glob("[") == ["./["]
    assert glob("ckpt-[1") == ["./ckpt-[1"]
    assert glob("ckpt-[1*") == ["./ckpt-[1"]


# --- Backslash ---


def test_backslash_escapes_metacharacters(tree: Path):
    assert glob("a\\*b") == ["./a*b"]
    assert glob("a*b") == ["./a*b", "./axb"]
    assert glob("a\\[1\\].index") == ["./a[1].index"]
    assert glob("a[1].index") == ["./a1.index"]


def test_backslash_escapes_ordinary_characters_and_itself(tree: Path):
    assert glob("b\\c") == ["./bc"]
    assert glob("b\\\\c") == ["./b\\c"]


def test_trailing_backslash_matches_nothing(tree: Path):
    assert glob("bc\\") == []
    assert glob("*\\") == []


# --- Directories ---


def test_glob_only_in_directory_part(tree: Path):
    assert glob("run[12]/model.ckpt-1.index") == [
        "./run1/model.ckpt-1.index",
        "./run2/model.ckpt-1.index",
    ]
    assert glob("*/sub/x.index") == ["./run2/sub/x.index"]
    assert glob("run?/*/x.index") == ["./run2/sub/x.index"]


def test_missing_or_non_directory_parent_matches_nothing(tree: Path):
    assert glob("missing/*") == []
    assert glob("missing/run*/x") == []
    assert glob("ckpt-1.index/*") == []
    assert glob("empty/*") == []


def test_trailing_slash_keeps_files_and_drops_the_slash(tree: Path):
    # GetMatchingPaths strips the '/', then returns every match, directory or not.
    assert glob("run1/*/") == ["run1/model.ckpt-1.index"]
    assert glob("run*/") == ["./run1", "./run2", "./run3"]


def test_double_slash_in_a_glob_matches_nothing(tree: Path):
    # The children are joined with one '/', which fnmatch compares with "//".
    assert glob("run1//*") == []
    assert glob(".//ckpt-1.*") == []


def test_dot_dot_through_an_existing_directory(tree: Path):
    assert glob("run1/../ckpt-?.index") == ["run1/../ckpt-1.index", "run1/../ckpt-2.index"]


def test_results_keep_listing_order():
    fs = FakeFS({"d": {"b1": None, "a1": None, "c1": None, "a2": None}})
    assert get_matching_files("d/?1", fs) == ["d/b1", "d/a1", "d/c1"]


# --- I/O: only through the file system object, and only what is needed ---

Tree = dict[str, Union["Tree", None, Exception]]


class FakeFS:
    """An in-memory tree (dict: directory, None: file, exception: unreadable)."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.calls: list[tuple] = []

    def _node(self, path: str) -> Union[Tree, None, Exception, bool]:
        node: Union[Tree, None, Exception] = self.tree
        for part in path.split("/"):
            if part in ("", "."):
                continue
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return node

    def exists(self, path: str) -> bool:
        self.calls.append(("exists", path))
        return self._node(path) is not False

    def listdir(self, path: str) -> list[tuple[str, bool]]:
        # Whether each child is a directory comes with the listing: the matcher
        # has no isdir to call, so an extra call would fail the test.
        self.calls.append(("listdir", path))
        node = self._node(path)
        if isinstance(node, Exception):
            raise node
        if not isinstance(node, dict):
            raise FileNotFoundError(path)
        return [(name, isinstance(child, (dict, Exception))) for name, child in node.items()]


BIG = {f"ckpt-{i}.index": None for i in range(1000)}


def test_plain_pattern_is_one_exists_call_and_no_listing():
    fs = FakeFS({"a": {"b": dict(BIG)}})
    assert get_matching_files("a/b/ckpt-7.index", fs) == ["a/b/ckpt-7.index"]
    assert fs.calls == [("exists", "a/b/ckpt-7.index")]
    fs.calls.clear()
    assert get_matching_files("a/b/ckpt-x.index", fs) == []
    assert fs.calls == [("exists", "a/b/ckpt-x.index")]


def test_glob_in_last_component_lists_one_directory():
    fs = FakeFS({"a": {"b": dict(BIG)}})
    assert get_matching_files("a/b/ckpt-7?.index", fs) == [
        f"a/b/ckpt-7{i}.index" for i in range(10)
    ]
    assert fs.calls == [("listdir", "a/b")]


def test_glob_lists_only_matching_directories():
    fs = FakeFS(
        {
            "runs": {
                "run1": {"ckpt-1.index": None, "junk": {"x": None}},
                "run2": {"ckpt-1.index": None},
                "other": {"ckpt-1.index": None},
                "run3": None,  # a file
            }
        }
    )
    assert get_matching_files("runs/run*/ckpt-1.index", fs) == [
        "runs/run1/ckpt-1.index",
        "runs/run2/ckpt-1.index",
    ]
    assert fs.calls == [
        ("listdir", "runs"),
        ("listdir", "runs/run1"),
        ("listdir", "runs/run2"),
    ]


def test_glob_in_directory_part_of_relative_pattern_starts_at_dot():
    fs = FakeFS({"run1": {"m.index": None}, "run2": {}, "run3": {"m.index": None}})
    assert get_matching_files("run[12]/m.index", fs) == ["./run1/m.index"]
    assert fs.calls == [
        ("listdir", "."),
        ("listdir", "./run1"),
        ("listdir", "./run2"),
    ]


def test_unreadable_or_missing_directories_are_skipped():
    fs = FakeFS(
        {
            "r1": PermissionError(13, "Permission denied"),
            "r2": {"m": None},
            "r3": NotADirectoryError(20, "Not a directory"),
        }
    )
    assert get_matching_files("r?/m", fs) == ["./r2/m"]
    assert get_matching_files("r1/*", fs) == []
    assert get_matching_files("nowhere/*", fs) == []


# --- The translation, against a plain backtracking fnmatch ---


def reference_fnmatch(pat: str, s: str) -> bool:
    """glibc's fnmatch(pat, s, FNM_PATHNAME), one character at a time.

    Covers the characters of the property test below: no "[:class:]" or "[=x=]".
    """

    def ch(k: int) -> str:
        return pat[k] if k < len(pat) else ""

    def skip(p: int, p_init: int, fn: str, negated: bool) -> Optional[int]:
        # glibc skips the rest of a bracket once an item matched `fn`.
        while True:
            c, p = ch(p), p + 1
            if c == "]":
                return None if negated else p
            if c == "":  # no ']': the '[' was a literal
                return p_init if fn == "[" else None
            if c == "\\":
                if ch(p) == "":
                    return None
                p += 1
            elif c == "[" and ch(p) == ".":
                end = pat.find(".]", p + 1)
                if end < 0:
                    return None
                p = end + 2

    def collating(p: int) -> Optional[str]:  # "[.x.]", p at the '.'
        return pat[p + 1] if pat.find(".]", p + 1) == p + 2 else None

    def bracket(p_init: int, fn: str) -> Optional[int]:
        """Where matching resumes once the bracket at p_init - 1 took `fn`."""
        p = p_init
        negated = ch(p) in ("!", "^") and ch(p) != ""
        p += negated
        c, p = ch(p), p + 1
        while True:
            if c == "":
                return p_init if fn == "[" else None
            if c == "\\":
                if ch(p) == "":
                    return None
                low, p = ch(p), p + 1
                is_range = ch(p) == "-" and ch(p + 1) not in ("", "]")
            elif c == "[" and ch(p) == ".":
                low = collating(p)
                if low is None:
                    return None
                p += 4
                is_range = ch(p) == "-" and ch(p + 1) != ""
            else:
                low = c
                is_range = ch(p) == "-" and ch(p + 1) not in ("", "]")
            if not is_range and fn == low:
                return skip(p, p_init, fn, negated)
            c, p = ch(p), p + 1
            if c == "-" and ch(p) != "]":
                high, p = ch(p), p + 1
                if high == "[" and ch(p) == ".":
                    high = collating(p)
                    if high is None:
                        return None
                    p += 4
                elif high == "\\":
                    high, p = ch(p), p + 1
                if high == "":
                    return None
                if low <= fn <= high:
                    return skip(p, p_init, fn, negated)
                c, p = ch(p), p + 1
            if c == "]":
                return p if negated else None

    def match(p: int, n: int) -> bool:
        if p == len(pat):
            return n == len(s)
        c = pat[p]
        if c == "*":
            after = p
            while ch(after) in ("*", "?"):
                after += 1
            if pat.startswith("\\/", after):  # glibc looks for it before the next '/'
                return False
            segment_end = s.find("/", n)
            if segment_end < 0:
                segment_end = len(s)
            return any(match(p + 1, m) for m in range(n, segment_end + 1))
        if n == len(s):
            return False
        if c == "?":
            return s[n] != "/" and match(p + 1, n + 1)
        if c == "\\":
            return p + 1 < len(pat) and s[n] == pat[p + 1] and match(p + 2, n + 1)
        if c == "[":
            resume = None if s[n] == "/" else bracket(p + 1, s[n])
            return resume is not None and match(resume, n + 1)
        return s[n] == c and match(p + 1, n + 1)

    return match(0, 0)


ALPHABET = "/.*?[]!^-\\ab"


def ours(pattern: str, s: str) -> bool:
    return compile_pattern(pattern, False).fullmatch(s) is not None


@st.composite
def pattern_and_name(draw, alphabet: str = ALPHABET, max_size: int = 8):
    pattern = draw(st.text(alphabet, max_size=max_size))
    # Names drawn from the pattern itself (a subsequence) match far more often.
    keep = draw(st.lists(st.booleans(), min_size=len(pattern), max_size=len(pattern)))
    subsequence = "".join(c for c, k in zip(pattern, keep) if k)
    name = draw(st.one_of(st.just(subsequence), st.text(alphabet.replace("*", ""), max_size=6)))
    return pattern, name


@settings(max_examples=1000, deadline=None)
@given(pattern_and_name())
@example(("[[", "[["))  # glibc >= 2.3x: an unterminated bracket is a literal
@example(("[!a", "[!a"))
@example(("[a-", "a"))  # a range running into the end never matches
@example(("*\\/a", "b/a"))
@example(("[[.a.]-]", "a"))  # a symbol starting a range is not an item
@example(("[[.-.]-a]", "]"))
@example(("[]a]", "]"))
@example(("a\\", "a"))
def test_translation_agrees_with_reference(case):
    pattern, name = case
    assert ours(pattern, name) == reference_fnmatch(pattern, name), (pattern, name)


# --- The translation, against glibc itself when it is the C library here ---


def glibc_fnmatch():
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    libc = ctypes.CDLL("libc.so.6")
    libc.fnmatch.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
    fnm_pathname = 1

    def fnmatch(pattern: str, s: str) -> bool:
        return libc.fnmatch(pattern.encode(), s.encode(), fnm_pathname) == 0

    return fnmatch


GLIBC_FNMATCH = glibc_fnmatch()

TOKENS = list(ALPHABET + ":=1z") + [
    "[:alpha:]",
    "[:digit:]",
    "[:punct:]",
    "[:nope:]",
    "[=a=]",
    "[.a.]",
    "[.-.]",
    "[:",
    ":]",
    "[=",
    "=]",
    "[.",
    ".]",
]


@st.composite
def token_pattern_and_name(draw):
    pattern = "".join(draw(st.lists(st.sampled_from(TOKENS), max_size=7)))
    keep = draw(st.lists(st.booleans(), min_size=len(pattern), max_size=len(pattern)))
    subsequence = "".join(c for c, k in zip(pattern, keep) if k)
    name = draw(st.one_of(st.just(subsequence), st.text("/.[]!^-\\a:=1z", max_size=6)))
    return pattern, name


@pytest.mark.skipif(GLIBC_FNMATCH is None, reason="needs glibc's fnmatch")
@pytest.mark.skipif("POSIXLY_CORRECT" in os.environ, reason="'^' negates only without it")
@settings(max_examples=1000, deadline=None)
@given(st.one_of(pattern_and_name(), token_pattern_and_name()))
@example(("[xa-[:alpha:]]", "x"))  # where matching resumes depends on the character
@example(("[xa-[:alpha:]]", ":]"))
@example(("[x[=a]", "x"))
@example(("[[[=b]", "["))  # the first item holding the character decides
def test_translation_agrees_with_glibc(case):
    pattern, name = case
    assert ours(pattern, name) == GLIBC_FNMATCH(pattern, name), (pattern, name)
