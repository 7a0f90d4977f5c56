"""Cases where the pure backend knowingly differs from TensorFlow on an older protobuf.

TensorFlow reads and writes state files with whatever protobuf is installed
beside it, and protobuf's text format has changed over the years. The pure
backend cannot know which protobuf a given TensorFlow would use, so it follows
today's (6.x and later, which TensorFlow 2.21 ships). With an older protobuf,
exactly these cases differ, for the reasons given, and exactly as listed: the
events of TensorFlow's trace that the package's lacks, and the package's in
their place (`difference`). A listed case that differs in any other way fails,
as does one that no longer differs. Everywhere else, and always with the
`tensorflow` backend, the results are equal.

Keyed by the major version of the Python `protobuf` package: 3.x is 3.20, the
oldest TensorFlow 2.16 allows (measured with its pure-Python implementation, the
only one it has for Python 3.11 and later); 4.x is protobuf 22-25; 5.x is 26-29.
"""

from __future__ import annotations

import difflib
from typing import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

# One event of a trace (runner.py), such as ("result", "latest_checkpoint", None).
Event = tuple[object, ...]


class KnownDifference(NamedTuple):
    """Why a case differs with an older protobuf, and exactly how (`difference`)."""

    reason: str
    # The events of TensorFlow's trace that the package's lacks, in order...
    tensorflow: tuple[Event, ...]
    # ...and the package's events in their place.
    package: tuple[Event, ...]


def difference(
    expected: Sequence[Event], actual: Sequence[Event]
) -> tuple[tuple[Event, ...], tuple[Event, ...]]:
    """What sets TensorFlow's trace and the package's apart.

    Args:
      expected: TensorFlow's trace.
      actual: the package's trace of the same case.

    Returns:
      The events only `expected` has and those only `actual` has, each in
      order, from difflib's matching of the two traces event by event.
    """
    # Events hold lists, which difflib cannot hash: it matches their reprs.
    matcher = difflib.SequenceMatcher(
        None, [repr(e) for e in expected], [repr(e) for e in actual], autojunk=False
    )
    theirs: list[Event] = []
    ours: list[Event] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            theirs += expected[i1:i2]
            ours += actual[j1:j2]
    return tuple(theirs), tuple(ours)


# protobuf 3 and 4 unescape a string in one pass (`text_encoding.CUnescape`:
# `unicode_escape`, then `raw_unicode_escape`); 5 and later first resolve the \u
# and \U escapes, then the C escapes, into latin-1.
_OLDER_CODECS = "protobuf 3 and 4 unescape in one pass: "
# protobuf 3's pure-Python implementation clears a proto3 field set to a value
# that is false (`python_message.py`: `if clear_when_set_to_default and not
# new_value`), and -0.0 is: the field keeps its default, 0.0.
_CLEARS_ZERO = "protobuf 3 (pure Python) clears a double set to -0.0, "

_FLOATS = {
    "state_files/timestamp_uppercase_f_suffix": KnownDifference(
        "protobuf < 6 accepts only a lowercase f suffix on a double",
        tensorflow=(
            (
                "log",
                "WARNING",
                "ParseError: 2:27 : 'last_preserved_timestamp: 1.5F': Couldn't parse float: 1.5F",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
            ("result", "get_checkpoint_state", None),
            (
                "log",
                "WARNING",
                "ParseError: 2:27 : 'last_preserved_timestamp: 1.5F': Couldn't parse float: 1.5F",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
            ("result", "latest_checkpoint", None),
        ),
        package=(
            ("result", "get_checkpoint_state", ("<root>/run/model.ckpt-1", [], [], "1.5")),
            ("result", "latest_checkpoint", "<root>/run/model.ckpt-1"),
        ),
    ),
    "state_files/timestamp_octal_looking": KnownDifference(
        "protobuf < 6 reads 0755 as 755.0; 6 and later reject octal-looking doubles",
        tensorflow=(
            ("result", "get_checkpoint_state", ("<root>/run/model.ckpt-1", [], [], "755.0")),
            ("result", "latest_checkpoint", "<root>/run/model.ckpt-1"),
        ),
        package=(
            (
                "log",
                "WARNING",
                "ParseError: 2:27 : 'last_preserved_timestamp: 0755': Invalid octal float: 0755",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
            ("result", "get_checkpoint_state", None),
            (
                "log",
                "WARNING",
                "ParseError: 2:27 : 'last_preserved_timestamp: 0755': Invalid octal float: 0755",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
            ("result", "latest_checkpoint", None),
        ),
    ),
}
_UNESCAPE = {
    "state_files/windows_path_users": KnownDifference(
        _OLDER_CODECS
        + (
            "both refuse the file, the message naming the 'unicodeescape' codec "
            "where protobuf 5 and later name 'rawunicodeescape'"
        ),
        tensorflow=(
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"C:\\Users\\me\\model.ckpt-1\"': "
                "'unicodeescape' codec can't decode bytes in position 2-3: truncated \\UXXXXXXXX "
                "escape",
            ),
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"C:\\Users\\me\\model.ckpt-1\"': "
                "'unicodeescape' codec can't decode bytes in position 2-3: truncated \\UXXXXXXXX "
                "escape",
            ),
        ),
        package=(
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"C:\\Users\\me\\model.ckpt-1\"': "
                "'rawunicodeescape' codec can't decode bytes in position 2-3: truncated "
                "\\UXXXXXXXX escape",
            ),
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"C:\\Users\\me\\model.ckpt-1\"': "
                "'rawunicodeescape' codec can't decode bytes in position 2-3: truncated "
                "\\UXXXXXXXX escape",
            ),
        ),
    ),
    "state_files/octal_above_255": KnownDifference(
        _OLDER_CODECS
        + (
            "\\777 (above \\377) becomes the text \\u01ff, where protobuf 5 and later "
            "refuse the file"
        ),
        tensorflow=(
            ("result", "get_checkpoint_state", ("<root>/run/m\\u01ff", [], [], "0.0")),
            ("log", "ERROR", "Couldn't match files for checkpoint <root>/run/m\\u01ff"),
        ),
        package=(
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"m\\777\"': 'latin-1' codec can't "
                "encode character '\\u01ff' in position 1: ordinal not in range(256)",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
            ("result", "get_checkpoint_state", None),
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"m\\777\"': 'latin-1' codec can't "
                "encode character '\\u01ff' in position 1: ordinal not in range(256)",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
        ),
    ),
    "state_files/octal_above_255_twice": KnownDifference(
        _OLDER_CODECS
        + (
            "\\777\\400 becomes the text \\u01ff\\u0100, where protobuf 5 and later refuse the file"
        ),
        tensorflow=(
            ("result", "get_checkpoint_state", ("<root>/run/m\\u01ff\\u0100", [], [], "0.0")),
            ("log", "ERROR", "Couldn't match files for checkpoint <root>/run/m\\u01ff\\u0100"),
        ),
        package=(
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"m\\777\\400\"': 'latin-1' codec "
                "can't encode characters in position 1-2: ordinal not in range(256)",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
            ("result", "get_checkpoint_state", None),
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"m\\777\\400\"': 'latin-1' codec "
                "can't encode characters in position 1-2: ordinal not in range(256)",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
        ),
    ),
    "state_files/unicode_escape_u": KnownDifference(
        _OLDER_CODECS
        + (
            "\\u00e9 is unescaped to invalid UTF-8 and the file refused, where "
            "protobuf 5 and later read é"
        ),
        tensorflow=(
            (
                "log",
                "WARNING",
                "ParseError: 2:1 : '': Couldn't parse string: 'utf-8' codec can't decode byte "
                "0xe9 in position 3: unexpected end of data",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
            ("result", "get_checkpoint_state", None),
            (
                "log",
                "WARNING",
                "ParseError: 2:1 : '': Couldn't parse string: 'utf-8' codec can't decode byte "
                "0xe9 in position 3: unexpected end of data",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
        ),
        package=(
            ("result", "get_checkpoint_state", ("<root>/run/café", [], [], "0.0")),
            ("log", "ERROR", "Couldn't match files for checkpoint <root>/run/café"),
        ),
    ),
    "state_files/unicode_escape_big_u": KnownDifference(
        _OLDER_CODECS
        + ("\\U0001F600 becomes the text \\U0001f600, where protobuf 5 and later read 😀"),
        tensorflow=(
            ("result", "get_checkpoint_state", ("<root>/run/\\U0001f600.ckpt", [], [], "0.0")),
            ("log", "ERROR", "Couldn't match files for checkpoint <root>/run/\\U0001f600.ckpt"),
        ),
        package=(
            ("result", "get_checkpoint_state", ("<root>/run/😀.ckpt", [], [], "0.0")),
            ("log", "ERROR", "Couldn't match files for checkpoint <root>/run/😀.ckpt"),
        ),
    ),
    "state_files/unicode_escape_truncated": KnownDifference(
        _OLDER_CODECS
        + (
            "both refuse the file, the message naming the 'unicodeescape' codec "
            "where protobuf 5 and later name 'rawunicodeescape'"
        ),
        tensorflow=(
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"m\\u12\"': 'unicodeescape' codec "
                "can't decode bytes in position 1-4: truncated \\uXXXX escape",
            ),
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"m\\u12\"': 'unicodeescape' codec "
                "can't decode bytes in position 1-4: truncated \\uXXXX escape",
            ),
        ),
        package=(
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"m\\u12\"': 'rawunicodeescape' "
                "codec can't decode bytes in position 1-4: truncated \\uXXXX escape",
            ),
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"m\\u12\"': 'rawunicodeescape' "
                "codec can't decode bytes in position 1-4: truncated \\uXXXX escape",
            ),
        ),
    ),
    "state_files/unicode_escape_out_of_range": KnownDifference(
        _OLDER_CODECS
        + (
            "both refuse the file, the message naming another codec and reason than"
            " in protobuf 5 and later"
        ),
        tensorflow=(
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"m\\U00110000\"': 'unicodeescape' "
                "codec can't decode bytes in position 1-10: illegal Unicode character",
            ),
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"m\\U00110000\"': 'unicodeescape' "
                "codec can't decode bytes in position 1-10: illegal Unicode character",
            ),
        ),
        package=(
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"m\\U00110000\"': "
                "'rawunicodeescape' codec can't decode bytes in position 1-10: \\Uxxxxxxxx out of "
                "range",
            ),
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"m\\U00110000\"': "
                "'rawunicodeescape' codec can't decode bytes in position 1-10: \\Uxxxxxxxx out of "
                "range",
            ),
        ),
    ),
    "state_files/unicode_escape_surrogate": KnownDifference(
        _OLDER_CODECS
        + ("\\ud800 becomes the text \\ud800, where protobuf 5 and later refuse a lone surrogate"),
        tensorflow=(
            ("result", "get_checkpoint_state", ("<root>/run/m\\ud800", [], [], "0.0")),
            ("log", "ERROR", "Couldn't match files for checkpoint <root>/run/m\\ud800"),
        ),
        package=(
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"m\\ud800\"': 'utf-8' codec can't "
                "encode character '\\ud800' in position 1: surrogates not allowed",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
            ("result", "get_checkpoint_state", None),
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"m\\ud800\"': 'utf-8' codec can't "
                "encode character '\\ud800' in position 1: surrogates not allowed",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
        ),
    ),
    "state_files/unicode_escape_surrogate_pair": KnownDifference(
        _OLDER_CODECS
        + ("\\ud83d\\ude00 becomes that text, where protobuf 5 and later refuse surrogates"),
        tensorflow=(
            ("result", "get_checkpoint_state", ("<root>/run/\\ud83d\\ude00", [], [], "0.0")),
            ("log", "ERROR", "Couldn't match files for checkpoint <root>/run/\\ud83d\\ude00"),
        ),
        package=(
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"\\ud83d\\ude00\"': 'utf-8' codec "
                "can't encode characters in position 0-1: surrogates not allowed",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
            ("result", "get_checkpoint_state", None),
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"\\ud83d\\ude00\"': 'utf-8' codec "
                "can't encode characters in position 0-1: surrogates not allowed",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
        ),
    ),
    "state_files/unicode_escape_backslash_joins": KnownDifference(
        _OLDER_CODECS
        + (
            "\\u005cn becomes the text \\n, where protobuf 5 and later join the "
            "backslash and the n into a newline"
        ),
        tensorflow=(
            ("result", "get_checkpoint_state", ("<root>/run/m\\n", [], [], "0.0")),
            ("log", "ERROR", "Couldn't match files for checkpoint <root>/run/m\\n"),
        ),
        package=(
            ("result", "get_checkpoint_state", ("<root>/run/m\n", [], [], "0.0")),
            ("log", "ERROR", "Couldn't match files for checkpoint <root>/run/m\n"),
        ),
    ),
    "state_files/unicode_escape_line_continuation": KnownDifference(
        _OLDER_CODECS + "a backslash-newline is kept, where protobuf 5 and later drop it",
        tensorflow=(
            ("result", "get_checkpoint_state", ("<root>/run/m\\\nn", [], [], "0.0")),
            ("log", "ERROR", "Couldn't match files for checkpoint <root>/run/m\\\nn"),
        ),
        package=(
            ("result", "get_checkpoint_state", ("<root>/run/mn", [], [], "0.0")),
            ("log", "ERROR", "Couldn't match files for checkpoint <root>/run/mn"),
        ),
    ),
    "state_files/unicode_escape_illegal_after_join": KnownDifference(
        _OLDER_CODECS
        + (
            "\\u005cU00110000 becomes the text \\U00110000, where protobuf 5 and "
            "later join it into an out-of-range escape and refuse the file"
        ),
        tensorflow=(
            ("result", "get_checkpoint_state", ("<root>/run/\\U00110000", [], [], "0.0")),
            ("log", "ERROR", "Couldn't match files for checkpoint <root>/run/\\U00110000"),
        ),
        package=(
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"\\u005cU00110000\"': "
                "'unicodeescape' codec can't decode bytes in position 0-9: illegal Unicode "
                "character",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
            ("result", "get_checkpoint_state", None),
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"\\u005cU00110000\"': "
                "'unicodeescape' codec can't decode bytes in position 0-9: illegal Unicode "
                "character",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
        ),
    ),
    "state_files/named_escape_above_latin1": KnownDifference(
        _OLDER_CODECS
        + (
            "\\N{CJK UNIFIED IDEOGRAPH-4E00} becomes the text \\u4e00, where protobuf"
            " 5 and later refuse the file"
        ),
        tensorflow=(
            ("result", "get_checkpoint_state", ("<root>/run/\\u4e00", [], [], "0.0")),
            ("log", "ERROR", "Couldn't match files for checkpoint <root>/run/\\u4e00"),
        ),
        package=(
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"\\N{CJK UNIFIED IDEOGRAPH-4E00}\"': "
                "'latin-1' codec can't encode character '\\u4e00' in position 0: ordinal not in "
                "range(256)",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
            ("result", "get_checkpoint_state", None),
            (
                "log",
                "WARNING",
                "ParseError: 1:24 : 'model_checkpoint_path: \"\\N{CJK UNIFIED IDEOGRAPH-4E00}\"': "
                "'latin-1' codec can't encode character '\\u4e00' in position 0: ordinal not in "
                "range(256)",
            ),
            ("log", "WARNING", "<root>/run/checkpoint: Checkpoint ignored"),
        ),
    ),
    "state_files/backslash_before_non_ascii": KnownDifference(
        _OLDER_CODECS
        + (
            "a backslash before € is kept, where protobuf 5 and later turn the two "
            "into the text \\u20ac"
        ),
        tensorflow=(
            ("result", "get_checkpoint_state", ("<root>/run/m\\€", [], [], "0.0")),
            ("log", "ERROR", "Couldn't match files for checkpoint <root>/run/m\\€"),
        ),
        package=(
            ("result", "get_checkpoint_state", ("<root>/run/m\\u20ac", [], [], "0.0")),
            ("log", "ERROR", "Couldn't match files for checkpoint <root>/run/m\\u20ac"),
        ),
    ),
    "writer/non_ascii_path": KnownDifference(
        (
            "protobuf 3 and 4 write non-ASCII as octal escapes, 5 and later as raw "
            "UTF-8 (both read back the same)"
        ),
        tensorflow=(
            (
                "file",
                "<root>/run/checkpoint",
                b'model_checkpoint_path: "<root>/run/mod\\303\\250le-\\303\\274-\\346\\227\\245\\3'
                b'46\\234\\254-\\360\\237\\230\\200"\nall_model_checkpoint_paths: "<root>/run/mod'
                b'\\303\\250le-\\303\\274-\\346\\227\\245\\346\\234\\254-\\360\\237\\230\\200"\n',
            ),
        ),
        package=(
            (
                "file",
                "<root>/run/checkpoint",
                b'model_checkpoint_path: "<root>/run/mod\xc3\xa8le-\xc3\xbc-\xe6\x97'
                b'\xa5\xe6\x9c\xac-\xf0\x9f\x98\x80"\nall_model_checkpoint_paths: "<root>/run/m'
                b'od\xc3\xa8le-\xc3\xbc-\xe6\x97\xa5\xe6\x9c\xac-\xf0\x9f\x98\x80"\n',
            ),
        ),
    ),
}
_NEGATIVE_ZERO = {
    "state_files/timestamp_negative_zero": KnownDifference(
        _CLEARS_ZERO + "so -0.0 reads back as 0.0",
        tensorflow=(
            ("result", "get_checkpoint_state", ("<root>/run/model.ckpt-1", [], [], "0.0")),
        ),
        package=(("result", "get_checkpoint_state", ("<root>/run/model.ckpt-1", [], [], "-0.0")),),
    ),
    "writer/last_preserved_negative_zero": KnownDifference(
        _CLEARS_ZERO + "so a -0.0 timestamp is not written",
        tensorflow=(
            (
                "result",
                "generate_checkpoint_state_proto",
                ("<root>/run/m-1", ["<root>/run/m-1"], [], "0.0"),
            ),
            (
                "file",
                "<root>/run/checkpoint",
                b'model_checkpoint_path: "<root>/run/m-1"\nall_model_checkpoint_paths: "<root>/'
                b'run/m-1"\n',
            ),
        ),
        package=(
            (
                "result",
                "generate_checkpoint_state_proto",
                ("<root>/run/m-1", ["<root>/run/m-1"], [], "-0.0"),
            ),
            (
                "file",
                "<root>/run/checkpoint",
                b'model_checkpoint_path: "<root>/run/m-1"\nall_model_checkpoint_paths: "<root>/'
                b'run/m-1"\nlast_preserved_timestamp: -0.0\n',
            ),
        ),
    ),
}


KNOWN_DIFFERENCES: dict[int, dict[str, KnownDifference]] = {
    5: _FLOATS,
    4: {**_FLOATS, **_UNESCAPE},
    3: {**_FLOATS, **_UNESCAPE, **_NEGATIVE_ZERO},
}


def known_difference(case_id: str, backend: str, protobuf_version: str) -> KnownDifference | None:
    """How `case_id` (`group/case`) differs here, or None when it must be equal."""
    if backend != "pure":
        return None
    major = int(protobuf_version.split(".")[0])
    return KNOWN_DIFFERENCES.get(major, {}).get(case_id)


# Differences with every TensorFlow and protobuf, on inputs no conformance case
# holds; the compat suite checks each, exactly as described.
BEHAVIOUR_DIFFERENCES: dict[str, str] = {
    "nul_in_glob_pattern": (
        "a checkpoint path with glob characters and a NUL (`m-?\\0x`, from an escaped "
        "`\\000` in the state file): TensorFlow's fnmatch reads the pattern as a C string "
        "and matches what comes before the NUL; the pure matcher matches the whole "
        "pattern, NUL included, and finds nothing. Elsewhere a NUL ends a local path in "
        "the pure backend as in TensorFlow."
    ),
}
