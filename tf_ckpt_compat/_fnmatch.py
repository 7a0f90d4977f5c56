"""glibc's `fnmatch(pattern, path, FNM_PATHNAME)`, as a Python regular expression.

TensorFlow's POSIX `FileSystem::Match` is that call, so `_match` needs its exact
rules: `*`, `?` and brackets never match `/` but do match a leading dot, `[!a]`
and `[^a]` negate, a backslash escapes, there are no braces and no `**`.
Python's `fnmatch` differs on each. `compile_pattern` translates a pattern rule
for rule as glibc 2.36 reads it, malformed brackets included (older glibc
differs on a few unterminated ones), with POSIX classes such as `[[:digit:]]`
holding their ASCII members. Imported only for patterns that hold glob
characters.
"""

from __future__ import annotations

import functools
import re

_NEVER = "(?!)"  # a regular expression that matches nothing
_MAX_CHAR = 0x10FFFF

# A set of characters, as sorted, disjoint, inclusive code point intervals.
_Chars = list[tuple[int, int]]


@functools.lru_cache(maxsize=128)
def compile_pattern(pattern: str, posixly_correct: bool = False) -> re.Pattern[str]:
    """`pattern` as a regular expression whose `fullmatch` is glibc's fnmatch."""
    return re.compile(_fnmatch_regex(pattern, 0, posixly_correct), re.DOTALL)


def _fnmatch_regex(pat: str, i: int, posixly_correct: bool) -> str:
    """A regular expression for `pat[i:]`, to be used with `fullmatch`."""
    out: list[str] = []
    while i < len(pat):
        c = pat[i]
        if c in "*?":
            j = i
            while j < len(pat) and pat[j] in "*?":
                j += 1
            run = pat[i:j]
            if "*" in run and pat.startswith("\\/", j):
                # glibc looks for the escaped '/' only before the next '/'.
                return "".join(out) + _NEVER
            out.append("[^/]" * run.count("?") + ("[^/]*" if "*" in run else ""))
            i = j
        elif c == "\\":
            if i + 1 == len(pat):  # "Trailing \ loses."
                return "".join(out) + _NEVER
            out.append(re.escape(pat[i + 1]))
            i += 2
        elif c == "[":
            # The character a bracket matches decides where matching resumes:
            # usually after the closing ']', after the '[' when it is read as a
            # literal, and, for malformed brackets only, at more than one place.
            branches = _bracket(pat, i + 1, posixly_correct)
            if not branches:
                return "".join(out) + _NEVER
            if len(branches) > 1:
                alternatives = (
                    cls + _fnmatch_regex(pat, j, posixly_correct) for cls, j in branches
                )
                return "".join(out) + "(?:" + "|".join(alternatives) + ")"
            cls, i = branches[0]
            out.append(cls)
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


_LITERAL = -1  # the bracket is not one: its '[' matches itself
_FAIL = -2  # the pattern cannot match

_CLASS_NAME_MAX = 256  # CHAR_CLASS_MAX_LENGTH
_CLASSES: dict[str, _Chars] = {  # POSIX classes, members as in the C locale
    "alnum": [(48, 57), (65, 90), (97, 122)],
    "alpha": [(65, 90), (97, 122)],
    "blank": [(9, 9), (32, 32)],
    "cntrl": [(0, 31), (127, 127)],
    "digit": [(48, 57)],
    "graph": [(33, 126)],
    "lower": [(97, 122)],
    "print": [(32, 126)],
    "punct": [(33, 47), (58, 64), (91, 96), (123, 126)],
    "space": [(9, 13), (32, 32)],
    "upper": [(65, 90)],
    "xdigit": [(48, 57), (65, 70), (97, 102)],
}


def _bracket(pat: str, start: int, posixly_correct: bool) -> list[tuple[str, int]]:
    """The `[` at `start - 1`: (character class, where matching resumes) pairs.

    glibc reads the items one by one until one holds the character; it then
    skips to the closing ']' with a second, slightly different scanner
    (`_skip`). A character no item holds goes on to wherever the first scan
    stopped. Either way the outcome is a resume position, `_LITERAL` or `_FAIL`.
    """
    negated = start < len(pat) and (
        pat[start] == "!" or (pat[start] == "^" and not posixly_correct)
    )
    items, stop = _bracket_items(pat, start + negated)
    resume: dict[int, _Chars] = {}  # resume position -> characters that go there

    def route(chars: _Chars, outcome: int, closes: bool) -> None:
        if outcome == _LITERAL:
            chars, outcome = _minus(chars, [(0, 90), (92, _MAX_CHAR)]), start  # only '['
        elif outcome == _FAIL or not closes:
            return
        resume[outcome] = _union(resume.get(outcome, []), chars)

    seen: _Chars = []
    for chars, after in items:
        route(_minus(chars, seen), _skip(pat, after), closes=not negated)
        seen = _union(seen, chars)
    route(_minus([(0, _MAX_CHAR)], seen), stop, closes=negated)
    branches = []
    for position, chars in sorted(resume.items()):
        chars = _minus(chars, [(47, 47)])  # FNM_PATHNAME: a bracket never matches '/'
        if chars:
            branches.append((_char_class(chars), position))
    return branches


def _bracket_items(pat: str, p: int) -> tuple[list[tuple[_Chars, int]], int]:
    """glibc's first scan from `p`: [(characters, position after the item)], outcome."""

    def ch(k: int) -> str:
        return pat[k] if k < len(pat) else ""

    def collating_symbol(p: int) -> tuple[str, int]:
        # "[.x.]" with p at the '.'; without collation rules, x is one character.
        end = pat.find(".]", p + 1)
        return (pat[p + 1], end + 2) if end == p + 2 else ("", p)

    items: list[tuple[_Chars, int]] = []
    c, p = ch(p), p + 1
    while True:
        if c == "":
            return items, _LITERAL  # "[ unterminated, treat as normal character."
        name = _class_name(pat, p) if c == "[" and ch(p) == ":" else None
        if name is not None and len(name) >= _CLASS_NAME_MAX:
            return items, _FAIL
        if name is not None and pat.startswith(":]", p + 1 + len(name)):  # "[:name:]"
            if name not in _CLASSES:
                return items, _FAIL
            p += len(name) + 3
            items.append((_CLASSES[name], p))
            c, p = ch(p), p + 1
        elif c == "[" and ch(p) == "=" and ch(p + 1) and pat.startswith("=]", p + 2):
            code = ord(pat[p + 1])
            items.append(([(code, code)], p + 4))  # "[=x=]": x itself
            c, p = ch(p + 4), p + 5
        else:  # one character, maybe the start of a range
            if c == "\\":
                if not ch(p):
                    return items, _FAIL
                low, p = ch(p), p + 1
                is_range = ch(p) == "-" and ch(p + 1) not in ("", "]")
            elif c == "[" and ch(p) == ".":
                low, p = collating_symbol(p)
                if not low:
                    return items, _FAIL
                is_range = ch(p) == "-" and ch(p + 1) != ""
            else:  # also a '[' that starts no valid "[:", "[=" or "[."
                low = c
                is_range = ch(p) == "-" and ch(p + 1) not in ("", "]")
            if not is_range:
                items.append(([(ord(low), ord(low))], p))
            c, p = ch(p), p + 1
            if c == "-" and ch(p) != "]":
                high, p = ch(p), p + 1
                if high == "[" and ch(p) == ".":
                    high, p = collating_symbol(p)
                elif high == "\\":
                    high, p = ch(p), p + 1
                if not high:
                    return items, _FAIL
                items.append(([(ord(low), ord(high))] if low <= high else [], p))
                c, p = ch(p), p + 1
        if c == "]":
            return items, p


def _class_name(pat: str, p: int) -> str:
    """What glibc reads as a class name after the ':' at `p`: letters a to y (it stops at 'z')."""
    end = p + 1
    while end < len(pat) and "a" <= pat[end] <= "y":
        end += 1
    return pat[p + 1 : end]


def _skip(pat: str, p: int) -> int:
    """glibc's second scan, from `p` (after a matching item) past the closing ']'."""

    def ch(k: int) -> str:
        return pat[k] if k < len(pat) else ""

    while True:
        c, p = ch(p), p + 1
        if c == "]":
            return p
        if c == "":
            return _LITERAL
        if c == "\\":
            if not ch(p):
                return _FAIL
            p += 1
        elif c == "[" and ch(p) == ":":
            name = _class_name(pat, p)
            if len(name) >= _CLASS_NAME_MAX - 1:
                return _FAIL
            if pat.startswith(":]", p + 1 + len(name)):
                p += len(name) + 3
        elif c == "[" and ch(p) == "=":
            if not ch(p + 1) or not pat.startswith("=]", p + 2):
                return _FAIL
            p += 4
        elif c == "[" and ch(p) == ".":
            end = pat.find(".]", p + 1)
            if end < 0:
                return _FAIL
            p = end + 2


# --- Sets of characters ---


def _union(a: _Chars, b: _Chars) -> _Chars:
    merged: _Chars = []
    for lo, hi in sorted(a + b):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _minus(a: _Chars, b: _Chars) -> _Chars:
    result = a
    for blo, bhi in b:
        pieces: _Chars = []
        for lo, hi in result:
            if bhi < lo or blo > hi:
                pieces.append((lo, hi))
                continue
            if lo < blo:
                pieces.append((lo, blo - 1))
            if bhi < hi:
                pieces.append((bhi + 1, hi))
        result = pieces
    return result


def _char_class(chars: _Chars) -> str:
    def esc(code: int) -> str:
        c = chr(code)
        return "\\" + c if c in "\\]^-[" else c

    return "[" + "".join(esc(lo) + ("-" + esc(hi) if hi > lo else "") for lo, hi in chars) + "]"
