"""Directory layouts for `get_checkpoint_state` and `latest_checkpoint`.

Each layout is a set of files and directories under a fresh root, and the
arguments of the call; `<root>` in a path or a file's content stands for that
root. The state-file corpus (`state_files.py`) adds one layout per file.
"""

from __future__ import annotations

from typing import NamedTuple

DIR = None  # as a file's content: make a directory instead


class Layout(NamedTuple):
    name: str
    # Relative path -> content (text, or bytes as they are) or DIR.
    files: dict[str, str | bytes | None]
    # The directory argument, relative to the root ("" is the root itself).
    directory: str = "run"
    latest_filename: str | None = None
    # Pass the directory as a pathlib.Path.
    pathlike: bool = False


def _state(path: str, *others: str) -> str:
    lines = [f'model_checkpoint_path: "{path}"']
    lines += [f'all_model_checkpoint_paths: "{p}"' for p in (*others, path)]
    return "\n".join(lines) + "\n"


def _v2(prefix: str) -> dict[str, str]:
    return {f"{prefix}.index": "i", f"{prefix}.data-00000-of-00001": "d"}


LAYOUTS: tuple[Layout, ...] = (
    Layout("v2_relative", {"run/checkpoint": _state("model.ckpt-5"), **_v2("run/model.ckpt-5")}),
    Layout(
        "v2_absolute",
        {"run/checkpoint": _state("<root>/run/model.ckpt-5"), **_v2("run/model.ckpt-5")},
    ),
    Layout("v2_index_only", {"run/checkpoint": _state("m-1"), "run/m-1.index": "i"}),
    Layout("v2_data_only", {"run/checkpoint": _state("m-1"), "run/m-1.data-00000-of-00001": ""}),
    Layout("v1_data_file", {"run/checkpoint": _state("model.ckpt-3"), "run/model.ckpt-3": "v1"}),
    Layout("v1_prefix_is_directory", {"run/checkpoint": _state("m-3"), "run/m-3": DIR}),
    Layout("index_is_directory", {"run/checkpoint": _state("m-3"), "run/m-3.index": DIR}),
    Layout("no_files", {"run/checkpoint": _state("model.ckpt-9")}),
    Layout("missing_directory", {}),
    Layout("empty_directory", {"run": DIR}),
    Layout("state_is_directory", {"run/checkpoint": DIR}),
    Layout("root_directory_argument", {"checkpoint": _state("m-1"), "m-1.index": ""}, ""),
    Layout(
        "dotdot_entries",
        {"run/checkpoint": _state("../other/m-2", "../other/m-1"), **_v2("other/m-2")},
    ),
    Layout(
        "dotdot_directory_argument",
        {"run/checkpoint": _state("m-2"), **_v2("run/m-2"), "x": DIR},
        "x/../run",
    ),
    Layout("nested_relative", {"run/checkpoint": _state("sub/m-2"), **_v2("run/sub/m-2")}),
    Layout("trailing_slash_directory", {"run/checkpoint": _state("m-2"), **_v2("run/m-2")}, "run/"),
    Layout(
        "custom_latest_filename",
        {"run/latest": _state("m-4"), **_v2("run/m-4"), "run/checkpoint": _state("m-1")},
        latest_filename="latest",
    ),
    Layout(
        "custom_latest_filename_missing", {"run/checkpoint": _state("m-1")}, latest_filename="x"
    ),
    Layout("pathlib_directory", {"run/checkpoint": _state("m-1"), **_v2("run/m-1")}, pathlike=True),
    Layout("glob_star_prefix", {"run/checkpoint": _state("m-*"), **_v2("run/m-7")}),
    Layout("glob_question_prefix", {"run/checkpoint": _state("m-?"), **_v2("run/m-7")}),
    Layout("glob_class_prefix", {"run/checkpoint": _state("m-[0-9]"), **_v2("run/m-7")}),
    Layout("glob_negated_class", {"run/checkpoint": _state("m-[!7]"), **_v2("run/m-7")}),
    Layout("glob_caret_class", {"run/checkpoint": _state("m-[^7]"), **_v2("run/m-8")}),
    Layout("glob_literal_brackets", {"run/checkpoint": _state("m[1]"), **_v2("run/m[1]")}),
    Layout("glob_escaped_star", {"run/checkpoint": _state("m\\\\*"), **_v2("run/m*")}),
    Layout("glob_star_no_match", {"run/checkpoint": _state("x-*"), **_v2("run/m-7")}),
    Layout("glob_in_directory_part", {"run/checkpoint": _state("s*/m-1"), **_v2("run/sub/m-1")}),
    Layout("glob_hidden_file", {"run/checkpoint": _state("*"), "run/.index": ""}),
    Layout("glob_braces_are_literal", {"run/checkpoint": _state("{a,b}"), **_v2("run/a")}),
    Layout("glob_unclosed_bracket", {"run/checkpoint": _state("m-[1"), **_v2("run/m-[1")}),
    Layout(
        "glob_in_directory_argument", {"r[1]/checkpoint": _state("m-1"), **_v2("r[1]/m-1")}, "r[1]"
    ),
    Layout("spaces_and_unicode", {"run/checkpoint": _state("m ü-1"), **_v2("run/m ü-1")}),
    Layout("empty_state_file", {"run/checkpoint": ""}),
    Layout("whitespace_state_file", {"run/checkpoint": " \n\t\n"}),
    Layout("only_other_fields", {"run/checkpoint": 'all_model_checkpoint_paths: "m-1"\n'}),
    Layout("parse_error", {"run/checkpoint": "model_checkpoint_path: m-1\n"}),
    Layout("gs_path_inside_file_is_relative", {"run/checkpoint": _state("gs://b/run/m-1")}),
)
