"""Cases where the pure backend knowingly differs from TensorFlow on an older protobuf.

TensorFlow reads and writes state files with whatever protobuf is installed
beside it, and protobuf's text format has changed over the years. The pure
backend cannot know which protobuf a given TensorFlow would use, so it follows
today's (6.x and later, which TensorFlow 2.21 ships). With an older protobuf,
exactly these cases differ, for the reasons given; everywhere else, and always
with the `tensorflow` backend, the results are equal.

Keyed by the major version of the Python `protobuf` package (4.x is protobuf
22-25, 5.x is 26-29).
"""

from __future__ import annotations

_FLOATS = {
    "state_files/timestamp_uppercase_f_suffix": (
        "protobuf < 6 accepts only a lowercase f suffix on a double"
    ),
    "state_files/timestamp_octal_looking": (
        "protobuf < 6 reads 0755 as 755.0; 6 and later reject octal-looking doubles"
    ),
}
_UNESCAPE_4 = "protobuf 4 unescapes strings with the older codec pipeline: "

KNOWN_DIFFERENCES: dict[int, dict[str, str]] = {
    5: _FLOATS,
    4: {
        **_FLOATS,
        **{
            f"state_files/{name}": _UNESCAPE_4 + why
            for name, why in {
                "windows_path_users": r"\U in C:\Users is not a unicode escape there",
                "octal_above_255": r"\777 is kept as text",
                "octal_above_255_twice": r"\777 is kept as text",
                "unicode_escape_u": r"\u00e9 decodes to invalid UTF-8",
                "unicode_escape_big_u": r"\U0001F600 is kept as text",
                "unicode_escape_truncated": "a truncated escape is kept as text",
                "unicode_escape_out_of_range": "an out-of-range escape is kept as text",
                "unicode_escape_surrogate": r"\ud800 is kept as text",
                "unicode_escape_surrogate_pair": "a surrogate pair is kept as text",
                "unicode_escape_backslash_joins": r"\u005c does not join the next escape",
                "unicode_escape_line_continuation": "a backslash-newline escape differs",
                "unicode_escape_illegal_after_join": "the error names another codec",
                "named_escape_above_latin1": r"\N{...} is kept as text",
                "backslash_before_non_ascii": "a backslash before non-ASCII is kept",
            }.items()
        },
        "writer/non_ascii_path": (
            "protobuf 4 writes non-ASCII as octal escapes, 5.26 and later as raw UTF-8 "
            "(both read back the same)"
        ),
    },
}


def known_difference(case_id: str, backend: str, protobuf_version: str) -> str | None:
    """Why `case_id` (`group/case`) may differ here, or None when it must be equal."""
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
