"""`tf-ckpt-compat latest` and `state`: the state file, read once."""

from __future__ import annotations

import argparse
import bisect
import logging
import os

import tf_ckpt_compat

from .. import _storage
from .._match import has_glob
from .._storage.paths import is_local, state_file
from .common import (
    add_command,
    add_directory,
    add_format,
    check_environment,
    check_state_file,
    file_name,
    iso,
    to_json,
)
from .exits import EXIT_OK, CliError
from .follow import state_file_errors

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._console import Console
    from .._state import CheckpointState
    from .._storage import Info
    from .common import Commands, Parser

_LOG = logging.getLogger("tf_ckpt_compat.cli")


def add_parsers(commands: Commands, parents: list[Parser]) -> None:
    latest = add_command(
        commands,
        "latest",
        run_latest,
        "Print the latest checkpoint of DIR (tf.train.latest_checkpoint).",
        "Exits 1 when there is none. JSON is one object: path, run (DIR), step (null when\n"
        "the name does not end in -<number>) and backend, as the lines of `watch`.",
        parents,
    )
    state = add_command(
        commands,
        "state",
        run_state,
        "Print DIR's checkpoint state and the files of each checkpoint it lists.",
        "Exits 1 when the state file is missing, unreadable or invalid.",
        parents,
    )
    for sub in (latest, state):
        add_directory(sub)
        sub.add_argument(
            "--latest-filename",
            type=file_name,
            metavar="NAME",
            help="the state file's name (default: checkpoint)",
        )
        add_format(sub, "json")


def run_latest(args: argparse.Namespace, console: Console) -> int:
    backend = check_environment(directory=args.dir)
    path = state_file(args.dir, args.latest_filename)
    check_state_file(path)
    with state_file_errors(path):
        latest = tf_ckpt_compat.latest_checkpoint(args.dir, args.latest_filename)
    if latest is None:
        missing = is_local(args.dir) and not _storage.for_path(args.dir).exists(args.dir)
        raise CliError(f"no checkpoint in {args.dir}" + (" (no such directory)" if missing else ""))
    if args.format == "json":
        from .._watch.checkpoint import step_of  # only now: it loads the watcher

        report = {"path": latest, "run": args.dir, "step": step_of(latest), "backend": backend}
        console.result(to_json(report))
    else:
        console.result(latest)
    return EXIT_OK


def run_state(args: argparse.Namespace, console: Console) -> int:
    check_environment(directory=args.dir)
    path = state_file(args.dir, args.latest_filename)
    check_state_file(path)
    with state_file_errors(path):
        ckpt = tf_ckpt_compat.get_checkpoint_state(args.dir, args.latest_filename)
    if ckpt is None:
        try:
            present = _storage.for_path(path).exists(path)
        except OSError:
            present = True  # unreadable: the library has logged why
        if present:
            raise CliError(f"cannot read {path} as a checkpoint state")
        raise CliError(f"no checkpoint state: {path} does not exist")
    report = _state_report(ckpt, path)
    console.result(to_json(report, indent=2) if args.format == "json" else _state_text(report))
    return EXIT_OK


def _state_report(ckpt: CheckpointState, state_file: str) -> dict[str, object]:
    """The state's four fields, and the files of each checkpoint it lists.

    `ckpt` may also be TensorFlow's proto (the tensorflow backend): only the
    attributes both have are read. `model_checkpoint_path` is listed last
    when `all_model_checkpoint_paths` omits it. A checkpoint's `files` are
    None when its directory cannot be listed (a warning says why).
    """
    paths = list(ckpt.all_model_checkpoint_paths)
    if ckpt.model_checkpoint_path not in paths:
        paths.append(ckpt.model_checkpoint_path)
    listings: dict[str, _Listing] = {}
    checkpoints = []
    for path in paths:
        directory, base = os.path.split(path)
        listing = listings.get(directory)
        if listing is None:
            listing = listings[directory] = _Listing(directory or ".")
        checkpoints.append(
            {"path": path, "exists": listing.exists(path, base), "files": listing.files_of(base)}
        )
    return {
        "state_file": state_file,
        "model_checkpoint_path": ckpt.model_checkpoint_path,
        "all_model_checkpoint_paths": list(ckpt.all_model_checkpoint_paths),
        "all_model_checkpoint_timestamps": list(ckpt.all_model_checkpoint_timestamps),
        "last_preserved_timestamp": ckpt.last_preserved_timestamp,
        "checkpoints": checkpoints,
    }


class _Listing:
    """One directory, listed once and sorted, for the files of each checkpoint in it.

    A state file may list hundreds of thousands of checkpoints (tens of MB):
    one listing, and a lookup in it for each, keeps `state` linear.
    """

    def __init__(self, directory: str) -> None:
        fs = _storage.for_path(directory)
        self._local = fs.local_path(directory) is not None
        try:
            infos: list[Info] | None = fs.scan(directory)
        except (FileNotFoundError, NotADirectoryError):
            infos = []  # no files: the checkpoints it held are all missing
        except OSError as e:
            infos = None
            reason = e.strerror or type(e).__name__
            _LOG.warning(
                "cannot list %s: %s (its checkpoints' files are not shown)", directory, reason
            )
        self._infos: list[Info] | None = (
            None if infos is None else sorted(infos, key=lambda info: info.name)
        )
        self._names = [] if self._infos is None else [info.name for info in self._infos]
        self._present = set(self._names)

    def exists(self, path: str, base: str) -> bool:
        """`tf_ckpt_compat.checkpoint_exists(path)`, from the listing where it can say.

        The library asks whether `<path>.index`, then `<path>`, exists, each a
        glob pattern. On the local disk, for a plain base name without glob
        characters, the listing (which stats each entry, as an existence check
        does) answers the same; otherwise the library is asked.
        """
        plain = base not in ("", ".", "..") and "\0" not in path and not has_glob(path)
        if self._infos is None or not self._local or not plain:
            return tf_ckpt_compat.checkpoint_exists(path)
        return base + ".index" in self._present or base in self._present

    def files_of(self, base: str) -> list[dict[str, object]] | None:
        """Checkpoint `base`'s files: itself (V1), and `<base>.*` (V2), by name; None unlisted."""
        if self._infos is None:
            return None
        first = bisect.bisect_left(self._names, base)
        exact = first < len(self._names) and self._names[first] == base
        # Every name starting with "<base>." sorts between these two bounds.
        start = bisect.bisect_left(self._names, base + ".")
        end = bisect.bisect_left(self._names, base + "/")  # "/" follows "." in ASCII
        chosen = ([self._infos[first]] if exact else []) + self._infos[start:end]
        return [
            {
                "name": info.name,
                "size": info.size,
                "mtime": None if info.mtime is None else iso(info.mtime),
            }
            for info in chosen
        ]


def _state_text(report: dict[str, Any]) -> str:
    checkpoints = report["checkpoints"]
    listed = report["all_model_checkpoint_paths"]
    stamps = report["all_model_checkpoint_timestamps"]
    saved = dict(zip(listed, stamps)) if len(stamps) == len(listed) else {}
    preserved = report["last_preserved_timestamp"]
    on_disk = sum(c["exists"] for c in checkpoints)
    lines = [
        f"state file      {report['state_file']}",
        f"latest          {report['model_checkpoint_path']}",
        f"last preserved  {iso(preserved) if preserved else 'none'}",
        f"checkpoints     {len(checkpoints)} listed, {on_disk} on disk (* = latest)",
        "",
    ]
    size_width = max(
        (len(str(f["size"])) for c in checkpoints for f in c["files"] or ()), default=1
    )
    for checkpoint in checkpoints:
        path = checkpoint["path"]
        mark = "*" if path == report["model_checkpoint_path"] else " "
        when = f"  saved {iso(saved[path])}" if path in saved else ""
        lines.append(f"{mark} {path}{when}  {'on disk' if checkpoint['exists'] else 'MISSING'}")
        lines.extend(
            f"      {f['size']:>{size_width}}  {f['mtime']}  {f['name']}"
            for f in checkpoint["files"] or ()
        )
    return "\n".join(lines)
