"""`tf-ckpt-compat migrate`: legacy TensorFlow code rewritten to call this package.

A dry run by default: the unified diff of what would change, on standard
output. `--check` lists the files that would change and exits 1 if there is
one (for CI and pre-commit); `--write` rewrites them in place, atomically.
Uses left alone that may need a hand are reported on standard error as
`FILE:LINE:COLUMN: message`; a file that cannot be read or parsed is reported
in one line, left as it is, and the other files are still processed.
"""

from __future__ import annotations

import argparse
import os

from .common import add_command
from .exits import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, CliError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    from .._console import Console
    from .common import Commands, Parser

# Directories never searched: version control and tool caches (any hidden name),
# and installed packages. A virtual environment is also found by its pyvenv.cfg
# (or a conda environment by its conda-meta), whatever its name.
_SKIPPED = frozenset({"__pycache__", "node_modules", "site-packages", "dist-packages", "venv"})
_ENVIRONMENT_MARKERS = ("pyvenv.cfg", "conda-meta")


def add_parser(commands: Commands, parents: list[Parser]) -> None:
    migrate = add_command(
        commands,
        "migrate",
        run,
        "Rewrite legacy TensorFlow code to call tf_ckpt_compat (a dry run by default).",
        "Each use of tf.train/tf.compat.v1.train/tf.compat.v2.train/tf.contrib.training\n"
        "checkpoints_iterator, latest_checkpoint, ... (any alias, `from` import or\n"
        "checkpoint_utils) becomes a use of the package module that mirrors it; nothing\n"
        "else changes. Without a mode, prints the unified diff. Uses that cannot be\n"
        "resolved statically (getattr(tf.train, name), star imports) are reported on\n"
        "standard error as FILE:LINE:COLUMN: message. Directories are searched for .py\n"
        "files, skipping hidden directories and virtual environments.",
        parents,
    )
    migrate.add_argument(
        "paths", metavar="PATH", nargs="+", help="a Python file, or a directory to search"
    )
    mode = migrate.add_mutually_exclusive_group()
    for flag, help_text in (
        ("--diff", "print the unified diff of the changes (the default)"),
        ("--check", "print the files that would change; exit 1 if there is one"),
        ("--write", "rewrite the files in place"),
    ):
        mode.add_argument(flag, dest="mode", action="store_const", const=flag[2:], help=help_text)
    migrate.set_defaults(mode="diff")
    migrate.add_argument(
        "--names",
        metavar="NAME,...",
        type=_names,
        help="rewrite only these names (default: all the package provides)",
    )


def _names(text: str) -> frozenset[str]:
    from .. import migrate

    names = frozenset(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise argparse.ArgumentTypeError("no name given")
    unknown = names - migrate.NAMES
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown: {', '.join(sorted(unknown))} (known: {', '.join(sorted(migrate.NAMES))})"
        )
    return names


def run(args: argparse.Namespace, console: Console) -> int:
    for path in args.paths:
        if not os.path.exists(path):
            raise CliError(f"no such file or directory: {path}", EXIT_USAGE)
        if not (os.path.isfile(path) or os.path.isdir(path)):  # a pipe would block the read
            raise CliError(f"not a regular file or directory: {path}", EXIT_USAGE)
    failed = changed = 0
    searched = 0
    for path in _python_files(args.paths, console):
        if path is None:  # a directory that could not be listed, reported
            failed += 1
            continue
        searched += 1
        outcome = _migrate_file(path, args, console)
        failed += outcome is None
        changed += bool(outcome)
    if not searched and not failed:
        console.stderr_line("warning: no Python files found")
    if failed:
        return EXIT_NOT_FOUND
    return EXIT_NOT_FOUND if args.mode == "check" and changed else EXIT_OK


def _migrate_file(path: str, args: argparse.Namespace, console: Console) -> bool | None:
    """Migrates one file; returns whether it changes (or would), None if it failed."""
    from .. import migrate
    from ..migrate import _source

    try:
        with open(path, "rb") as file:
            before = os.fstat(file.fileno())
            data = file.read()
    except OSError as e:
        console.error(f"cannot read {path}: {e.strerror or e}")
        return None
    try:
        result = migrate.migrate_source(data, names=args.names)
    except SyntaxError as e:
        where = f"{path}:{e.lineno or 1}:{e.offset or 1}"
        console.error(f"{where}: cannot parse ({e.msg}); left as it is")
        return None
    for note in result.notes:
        console.stderr_line(f"{path}:{note.line}:{note.column}: {note.message}")
    if not result.changed:
        return False
    if args.mode == "diff":
        for line in _diff(path, _source.decode(data)[0], _source.decode(result.source)[0]):
            console.result(line)
    elif args.mode == "check":
        console.result(f"would rewrite {path}")
    else:
        try:
            _write(path, result.source, before)
        except OSError as e:
            console.error(f"cannot write {path}: {e.strerror or e}; left as it is")
            return None
        console.result(f"rewrote {path}")
    return True


def _diff(path: str, old: str, new: str) -> Iterator[str]:
    """The unified diff as lines to print, each line's own ending kept (a CRLF file's `\\r`)."""
    import difflib
    import re

    def lines(text: str) -> list[str]:
        return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)

    diff = difflib.unified_diff(lines(old), lines(new), path, path, lineterm="")
    for index, line in enumerate(diff):
        if index < 2 or line.startswith("@@"):
            yield line
        elif line.endswith("\n"):
            yield line[:-1]
        else:
            yield line.rstrip("\r")
            yield "\\ No newline at end of file"


def _python_files(paths: list[str], console: Console) -> Iterator[str | None]:
    """Each file named, and each `.py` file under each directory named, once, in order; None
    for a directory that could not be listed (after reporting it)."""
    seen: set[str] = set()
    for path in paths:
        if not os.path.isdir(path):
            candidates: Iterator[str | None] = iter([path])
        else:
            candidates = _walk(path, console)
        for candidate in candidates:
            if candidate is None:
                yield None
                continue
            real = os.path.realpath(candidate)
            if real not in seen:
                seen.add(real)
                yield candidate


def _walk(top: str, console: Console) -> Iterator[str | None]:
    errors: list[OSError] = []
    for root, directories, files in os.walk(top, onerror=errors.append):
        for error in errors:
            console.error(f"cannot list {error.filename}: {error.strerror or error}")
            yield None
        errors.clear()
        directories[:] = sorted(d for d in directories if not _skipped(root, d))
        for name in sorted(files):
            path = os.path.join(root, name)
            if name.endswith(".py") and os.path.isfile(path):  # not a pipe, not a dangling link
                yield path
    for error in errors:
        console.error(f"cannot list {error.filename}: {error.strerror or error}")
        yield None


def _skipped(root: str, name: str) -> bool:
    if name.startswith(".") or name in _SKIPPED:
        return True
    return any(os.path.exists(os.path.join(root, name, marker)) for marker in _ENVIRONMENT_MARKERS)


def _write(path: str, data: bytes, before: os.stat_result) -> None:
    """Replaces the file (a link's target) with `data` atomically, keeping its mode and owner.

    The new bytes go to a temporary file beside it, which is then renamed over
    it: a reader sees the old file or the new one, never a mix. A file changed
    since it was read is left as it is.

    Raises:
      OSError: if the file cannot be written, or changed since it was read.
    """
    import contextlib
    import stat
    import tempfile

    target = os.path.realpath(path)
    directory, name = os.path.split(target)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        # Run as root on another user's file, the new file is still theirs (first: a change
        # of owner clears the set-user-id bit that chmod then restores).
        with contextlib.suppress(PermissionError):
            os.chown(temporary, before.st_uid, before.st_gid)
        os.chmod(temporary, stat.S_IMODE(before.st_mode))
        now = os.stat(target)
        if (now.st_mtime_ns, now.st_size, now.st_ino) != (
            before.st_mtime_ns,
            before.st_size,
            before.st_ino,
        ):
            raise OSError(f"{path} changed while it was being migrated")
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
