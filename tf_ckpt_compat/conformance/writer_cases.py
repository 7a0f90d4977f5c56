"""Argument sets for `update_checkpoint_state` and `generate_checkpoint_state_proto`.

Each case is called with the working directory set to a fresh root in which
`run/` exists; `{root}` in a string stands for that root's absolute path. The
written state file's bytes, the caller's list afterwards (TensorFlow appends to
it), the log records and any exception are compared.
"""

from __future__ import annotations

from typing import NamedTuple


class WriterCase(NamedTuple):
    name: str
    # update_checkpoint_state's arguments, save_dir and model_checkpoint_path first.
    args: tuple[object, ...]
    kwargs: dict[str, object] = {}
    # Use TensorFlow's internal variant with save_relative_paths=True.
    save_relative_paths: bool = False


def _c(name: str, *args: object, relative: bool = False, **kwargs: object) -> WriterCase:
    return WriterCase(name, args, kwargs, relative)


ABS = "{root}/run"

WRITER_CASES: tuple[WriterCase, ...] = (
    _c("relative_dir_relative_path", "run", "run/model.ckpt-1"),
    _c("relative_dir_path_outside", "run", "other/model.ckpt-1"),
    _c("relative_dir_absolute_path", "run", ABS + "/model.ckpt-1"),
    _c("absolute_dir_absolute_path", ABS, ABS + "/model.ckpt-1"),
    _c("absolute_dir_relative_path", ABS, "model.ckpt-1"),
    _c("dot_dir", ".", "model.ckpt-1"),
    _c("dotdot_in_dir", "run/../run", "run/m-1"),
    _c("trailing_slash_dir", "run/", "run/m-1"),
    _c("model_last_in_list", ABS, ABS + "/m-2", [ABS + "/m-1", ABS + "/m-2"]),
    _c("model_not_in_list", ABS, ABS + "/m-3", [ABS + "/m-1", ABS + "/m-2"]),
    _c("model_first_not_last", ABS, ABS + "/m-1", [ABS + "/m-1", ABS + "/m-2"]),
    _c("empty_list", ABS, ABS + "/m-1", []),
    _c("relative_list", "run", "run/m-3", ["run/m-1", "run/m-2", "run/m-3"]),
    _c("mixed_list", "run", "run/m-3", ["run/m-1", ABS + "/m-2", "run/m-3"]),
    _c("timestamps_match", ABS, ABS + "/m-2", [ABS + "/m-1", ABS + "/m-2"], None, [1.5, 2.5]),
    _c("timestamps_too_short", ABS, ABS + "/m-2", [ABS + "/m-1", ABS + "/m-2"], None, [1.5]),
    _c(
        "timestamps_too_long_after_append", ABS, ABS + "/m-3", [ABS + "/m-1"], None, [1.0, 2.0, 3.0]
    ),
    _c("timestamps_match_after_append", ABS, ABS + "/m-2", [ABS + "/m-1"], None, [1.0, 2.0]),
    _c("timestamps_empty_list", ABS, ABS + "/m-1", None, None, []),
    _c("timestamps_realistic", ABS, ABS + "/m-1", None, None, [1700000000.1234567]),
    _c(
        "timestamp_doubles",
        ABS,
        ABS + "/m-6",
        [ABS + f"/m-{i}" for i in range(1, 7)],
        None,
        [0.1, 1e20, 1e-300, 5e-324, 1e16, 123456789.0],
    ),
    _c("timestamp_negative_zero", ABS, ABS + "/m-1", None, None, [-0.0]),
    _c("timestamp_integral", ABS, ABS + "/m-1", None, None, [3.0]),
    _c("timestamp_int_values", ABS, ABS + "/m-2", [ABS + "/m-1", ABS + "/m-2"], None, [1, 2]),
    _c("timestamp_infinities", ABS, ABS + "/m-2", [ABS + "/m-1"], None, [float("inf"), -1e400]),
    _c("timestamp_nan", ABS, ABS + "/m-1", None, None, [float("nan")]),
    _c("timestamp_large_exponent", ABS, ABS + "/m-1", None, None, [1.7976931348623157e308]),
    _c("last_preserved", ABS, ABS + "/m-1", None, None, None, 1700000000.5),
    _c("last_preserved_zero", ABS, ABS + "/m-1", None, None, None, 0.0),
    _c("last_preserved_negative_zero", ABS, ABS + "/m-1", None, None, None, -0.0),
    _c("last_preserved_nan", ABS, ABS + "/m-1", None, None, None, float("nan")),
    _c("last_preserved_int", ABS, ABS + "/m-1", None, None, None, 42),
    _c("latest_filename", ABS, ABS + "/m-1", None, "latest"),
    _c("latest_filename_nested", ABS, ABS + "/m-1", None, "../run/state"),
    _c("path_equals_state_file", ABS, ABS + "/checkpoint"),
    _c("path_equals_custom_state_file", ABS, ABS + "/latest", None, "latest"),
    _c("relative_path_equals_state_file", "run", "run/checkpoint"),
    _c("quotes_in_path", ABS, ABS + "/m\"'-1"),
    _c("backslashes_in_path", ABS, ABS + "/C:\\ckpt\\m-1"),
    _c("newline_tab_cr_in_path", ABS, ABS + "/m\n\t\r-1"),
    _c("control_bytes_in_path", ABS, ABS + "/m\x00\x01\x1f\x7f-1"),
    _c("non_ascii_path", ABS, ABS + "/modèle-ü-日本-😀"),
    _c("spaces_in_path", ABS, ABS + "/my model  -1"),
    _c("question_and_hash_in_path", ABS, ABS + "/m?#:;{}-1"),
    _c("empty_model_path", ABS, ""),
    _c("gs_path", ABS, "gs://bucket/run/m-1"),
    _c("relative_paths_from_absolute", ABS, ABS + "/m-2", [ABS + "/m-1"], relative=True),
    _c("relative_paths_from_relative", ABS, "m-2", ["m-1", "m-2"], relative=True),
    _c("relative_paths_relative_dir", "run", "{root}/run/m-2", ["{root}/run/m-1"], relative=True),
    _c("relative_paths_outside_dir", ABS, "{root}/other/m-2", [], relative=True),
    _c("missing_directory", "{root}/nope", "{root}/nope/m-1"),
    _c("many_checkpoints", ABS, ABS + "/m-99", [ABS + f"/m-{i}" for i in range(100)]),
)
