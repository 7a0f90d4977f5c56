"""The `pure` backend: TensorFlow's checkpoint_management.py, without TensorFlow.

Each function follows its namesake in
`tensorflow/python/checkpoint/checkpoint_management.py` (identical from TF 2.16
to 2.21) statement by statement, so that results, exceptions and log lines are
the same; TensorFlow's file_io calls go to `_storage`, its text_format calls
to `_textformat`, its GetMatchingPaths to `_match`.
"""

from __future__ import annotations

import os

from . import _errors, _match, _storage, _textformat
from ._log import LOG as _LOG
from ._state import CheckpointState
from ._storage.paths import state_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._bundle.reader import CheckpointReader

_V2 = 2  # SaverDef.V2


def matching_files(pattern: str) -> list[str]:
    # TensorFlow finds the pattern's filesystem first: a scheme nothing serves
    # raises UnimplementedError even for a glob, whose listing errors are ignored.
    _storage.check_scheme(pattern)
    return _match.get_matching_files(pattern, _storage.for_path(pattern))


def get_checkpoint_state(
    checkpoint_dir: str | os.PathLike[str], latest_filename: str | None = None
) -> CheckpointState | None:
    if isinstance(checkpoint_dir, os.PathLike):
        checkpoint_dir = os.fspath(checkpoint_dir)
    coord_checkpoint_filename = state_file(checkpoint_dir, latest_filename)
    fs = _storage.for_path(coord_checkpoint_filename)
    try:
        if not fs.exists(coord_checkpoint_filename):
            return None
        ckpt = read_state_file(fs, coord_checkpoint_filename)
    except (OSError, _textformat.ParseError) as e:
        # TensorFlow's OpError and ParseError alike: two warnings, and no state.
        if isinstance(e, OSError):
            name, message = _errors.describe(e, _failed_path(e, coord_checkpoint_filename))
        else:
            name, message = type(e).__name__, str(e)
        _LOG.warning("%s: %s", name, message)
        _LOG.warning("%s: Checkpoint ignored", coord_checkpoint_filename)
        return None
    if not ckpt.model_checkpoint_path:
        raise ValueError("Invalid checkpoint state loaded from " + checkpoint_dir)
    join_relative_paths(ckpt, checkpoint_dir)
    return ckpt


def read_state_file(fs: _storage.FileSystem, path: str) -> CheckpointState:
    """The state file at `path`, parsed, its paths as written.

    Raises:
      OSError: it cannot be read.
      ValueError: it is not a state file (`ParseError`), or not UTF-8.
    """
    return _textformat.parse(fs.read_bytes(path).decode("utf-8"))


def join_relative_paths(ckpt: CheckpointState, checkpoint_dir: str) -> None:
    """Makes the state's relative paths relative to `checkpoint_dir`, as TensorFlow does.

    Relative is what `os.path.isabs` says, so `gs://...` is relative too.
    """
    if not os.path.isabs(ckpt.model_checkpoint_path):
        ckpt.model_checkpoint_path = os.path.join(checkpoint_dir, ckpt.model_checkpoint_path)
    paths = ckpt.all_model_checkpoint_paths
    for i, p in enumerate(paths):
        if not os.path.isabs(p):
            paths[i] = os.path.join(checkpoint_dir, p)


def latest_checkpoint(
    checkpoint_dir: str | os.PathLike[str], latest_filename: str | None = None
) -> str | None:
    ckpt = get_checkpoint_state(checkpoint_dir, latest_filename)
    if ckpt and ckpt.model_checkpoint_path:
        prefix = ckpt.model_checkpoint_path
        # V2 (the .index file) first; V1 (the prefix is the data file) only if no V2.
        if matching_files(prefix + ".index") or matching_files(prefix):
            return prefix
        _LOG.error("Couldn't match files for checkpoint %s", prefix)
    return None


def generate_checkpoint_state_proto(
    save_dir: str,
    model_checkpoint_path: str,
    all_model_checkpoint_paths: list[str] | None = None,
    all_model_checkpoint_timestamps: list[float] | None = None,
    last_preserved_timestamp: float | None = None,
) -> CheckpointState:
    if all_model_checkpoint_paths is None:
        all_model_checkpoint_paths = []
    # TensorFlow appends to the caller's list; so does this, for the same results.
    if not all_model_checkpoint_paths or all_model_checkpoint_paths[-1] != model_checkpoint_path:
        _LOG.info(
            "%s is not in all_model_checkpoint_paths. Manually adding it.",
            model_checkpoint_path,
        )
        all_model_checkpoint_paths.append(model_checkpoint_path)
    if all_model_checkpoint_timestamps and (
        len(all_model_checkpoint_timestamps) != len(all_model_checkpoint_paths)
    ):
        raise ValueError(
            "Checkpoint timestamps, if provided, must match checkpoint paths (got "
            "paths %s and timestamps %s)"
            % (all_model_checkpoint_paths, all_model_checkpoint_timestamps)
        )
    if not os.path.isabs(save_dir):
        if not os.path.isabs(model_checkpoint_path):
            model_checkpoint_path = os.path.relpath(model_checkpoint_path, save_dir)
        for i, p in enumerate(all_model_checkpoint_paths):
            if not os.path.isabs(p):
                all_model_checkpoint_paths[i] = os.path.relpath(p, save_dir)
    return CheckpointState(
        model_checkpoint_path=_string(model_checkpoint_path),
        all_model_checkpoint_paths=[_string(p) for p in all_model_checkpoint_paths],
        all_model_checkpoint_timestamps=[_double(t) for t in all_model_checkpoint_timestamps or ()],
        last_preserved_timestamp=(
            0.0 if last_preserved_timestamp is None else _double(last_preserved_timestamp)
        ),
    )


# What TensorFlow's proto constructor accepts for its fields, with its errors.
def _string(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if not isinstance(value, str):
        raise TypeError("bad argument type for built-in operation")
    return value


def _failed_path(error: OSError, path: str) -> str:
    """The path TensorFlow's message names: the one the storage failed on, else `path`."""
    return error.filename if isinstance(error.filename, str) else path


def _tf_error(error: OSError, path: str) -> OSError:
    # What TensorFlow raises (errors.NotFoundError...), which is also the
    # OSError raised (FileNotFoundError...).
    return _errors.tf_error(error, _failed_path(error, path))


def _double(value: object) -> float:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__float__"):
        raise TypeError(f"must be real number, not {type(value).__name__}")
    # mypy narrows `value` by the hasattr() above; pyright does not.
    return float(value)  # pyright: ignore[reportArgumentType]


def update_checkpoint_state_internal(
    save_dir: str,
    model_checkpoint_path: str,
    all_model_checkpoint_paths: list[str] | None = None,
    latest_filename: str | None = None,
    save_relative_paths: bool = False,
    all_model_checkpoint_timestamps: list[float] | None = None,
    last_preserved_timestamp: float | None = None,
) -> None:
    coord_checkpoint_filename = state_file(save_dir, latest_filename)
    if save_relative_paths:
        if os.path.isabs(model_checkpoint_path):
            model_checkpoint_path = os.path.relpath(model_checkpoint_path, save_dir)
        if all_model_checkpoint_paths is None:
            # What TensorFlow's iteration over the list raises.
            raise TypeError("'NoneType' object is not iterable")
        all_model_checkpoint_paths = [
            os.path.relpath(p, save_dir) if os.path.isabs(p) else p
            for p in all_model_checkpoint_paths
        ]
    ckpt = generate_checkpoint_state_proto(
        save_dir,
        model_checkpoint_path,
        all_model_checkpoint_paths=all_model_checkpoint_paths,
        all_model_checkpoint_timestamps=all_model_checkpoint_timestamps,
        last_preserved_timestamp=last_preserved_timestamp,
    )
    if coord_checkpoint_filename == ckpt.model_checkpoint_path:
        raise RuntimeError(
            "Save path '%s' conflicts with path used for "
            "checkpoint state.  Please use a different save path." % model_checkpoint_path
        )
    content = _textformat.serialize(ckpt).encode("utf-8")
    try:
        fs = _storage.for_path(coord_checkpoint_filename)
        fs.write_atomic(coord_checkpoint_filename, content)
    except OSError as e:
        raise _tf_error(e, coord_checkpoint_filename) from None


def checkpoint_exists(checkpoint_prefix: str) -> bool:
    try:
        return bool(
            matching_files(checkpoint_prefix + ".index") or matching_files(checkpoint_prefix)
        )
    except OSError as e:
        raise _tf_error(e, checkpoint_prefix) from None


def get_checkpoint_mtimes(checkpoint_prefixes: list[str]) -> list[float]:
    mtimes: list[float] = []

    def match_maybe_append(pathname: str) -> bool:
        fnames = matching_files(pathname)
        if fnames:
            mtimes.append(_storage.for_path(fnames[0]).mtime(fnames[0]))
            return True
        return False

    for checkpoint_prefix in checkpoint_prefixes:
        try:
            if not match_maybe_append(checkpoint_prefix + ".index"):
                match_maybe_append(checkpoint_prefix)
        except OSError as e:
            raise _tf_error(e, checkpoint_prefix) from None
    return mtimes


def remove_checkpoint(
    checkpoint_prefix: str, checkpoint_format_version: int = _V2, meta_graph_suffix: str = "meta"
) -> None:
    _delete_file_if_exists(meta_graph_filename(checkpoint_prefix, meta_graph_suffix))
    if checkpoint_format_version == _V2:
        _delete_file_if_exists(checkpoint_prefix + ".index")
        _delete_file_if_exists(checkpoint_prefix + ".data-?????-of-?????")
    else:
        _delete_file_if_exists(checkpoint_prefix)


def _delete_file_if_exists(filespec: str) -> None:
    try:
        pathnames = matching_files(filespec)
    except OSError as e:
        raise _tf_error(e, filespec) from None
    for pathname in pathnames:
        try:
            _storage.for_path(pathname).remove(pathname)
        except FileNotFoundError:
            _LOG.warning(
                "Hit NotFoundError when deleting '%s', possibly because another "
                "process/thread is also deleting/moving the same file",
                pathname,
            )
        except OSError as e:
            raise _tf_error(e, pathname) from None


def meta_graph_filename(checkpoint_filename: str, meta_graph_suffix: str = "meta") -> str:
    import re  # here, not at the top: only removal needs it, and `re` slows a cold start

    basename = re.sub(r"-[\d\?]+-of-\d+$", "", checkpoint_filename)
    return ".".join([basename, meta_graph_suffix])


# --- checkpoint_utils.py and py_checkpoint_reader.py: the tensor readers ---


def _get_checkpoint_filename(ckpt_dir_or_file: str | os.PathLike[str]) -> str | None:
    if isinstance(ckpt_dir_or_file, os.PathLike):
        ckpt_dir_or_file = os.fspath(ckpt_dir_or_file)
    if _storage.for_path(ckpt_dir_or_file).isdir(ckpt_dir_or_file):
        return latest_checkpoint(ckpt_dir_or_file)
    return ckpt_dir_or_file


def load_checkpoint(ckpt_dir_or_file: str | os.PathLike[str]) -> CheckpointReader:
    filename = _get_checkpoint_filename(ckpt_dir_or_file)
    if filename is None:
        raise ValueError(
            "Couldn't find 'checkpoint' file or checkpoints in given directory %s"
            % ckpt_dir_or_file
        )
    return NewCheckpointReader(filename)


def load_variable(ckpt_dir_or_file: str | os.PathLike[str], name: str) -> Any:
    if name.endswith(":0"):
        name = name[:-2]
    reader = load_checkpoint(ckpt_dir_or_file)
    return reader.get_tensor(name)


def list_variables(ckpt_dir_or_file: str | os.PathLike[str]) -> list[tuple[str, list[int]]]:
    reader = load_checkpoint(ckpt_dir_or_file)
    variable_map = reader.get_variable_to_shape_map()
    names = sorted(variable_map.keys())
    result = []
    for name in names:
        result.append((name, variable_map[name]))
    return result


def NewCheckpointReader(filepattern: str | bytes) -> CheckpointReader:
    # Imported here: reading tensors is rare beside the iterator's polls.
    from ._bundle.reader import CheckpointReader

    if isinstance(filepattern, bytes):
        filepattern = filepattern.decode("utf-8", "surrogateescape")
    return CheckpointReader(filepattern)
