"""TensorFlow's file globbing (`tf.io.gfile.glob`), without TensorFlow.

`tf.train.latest_checkpoint` asks `file_io.get_matching_files` whether
`<prefix>.index` (then `<prefix>`) exists, and `remove_checkpoint` deletes what
`<prefix>.data-?????-of-?????` matches. Python's `glob` and `fnmatch` would
answer differently: they skip dot files, take a backslash literally, read
`[^a]` as a set holding `^`, and drop the `./` TensorFlow puts before matches of
a relative pattern. So this module re-implements TensorFlow's own algorithm:

* `GetMatchingPaths` in `xla/tsl/platform/file_system_helper.cc` (the same code
  lives in `tensorflow/tsl/platform/` in older releases): a pattern without any
  of `*?[\\` is one existence check; otherwise the directory levels from the
  first one holding a glob character down are listed breadth first, and each
  child is kept when its whole path matches the pattern cut at that level;
* `FileSystem::Match` on POSIX (`xla/tsl/platform/file_system.cc`), which is
  glibc's `fnmatch(pattern, path, FNM_PATHNAME)`, translated rule for rule by
  `_fnmatch` (imported only for a pattern with glob characters).

Like TensorFlow, results come in directory-listing order, unsorted; a missing
or unreadable directory matches nothing. All I/O goes through the `fs` object
(`exists`, `listdir`), given each path as TensorFlow gives it to its file
system, which is the one to clean it (TensorFlow's `TranslateName`). Whether a
child is a directory comes with the listing (`os.scandir`'s answer, or the
object store's), where TensorFlow asks `IsDirectory` of each matching child.
"""

from __future__ import annotations

import os

from ._storage import LOCAL
from ._storage.paths import dirname, join

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from re import Pattern

    from ._storage import FileSystem

__all__ = ["GLOB_CHARS", "directory_prefixes", "expand_levels", "get_matching_files", "has_glob"]

GLOB_CHARS = "*?[\\"  # kGlobbingChars in file_system_helper.cc


def has_glob(pattern: str) -> bool:
    """Whether TensorFlow expands `pattern` rather than checking that it exists."""
    return "*" in pattern or "?" in pattern or "[" in pattern or "\\" in pattern


def get_matching_files(pattern: str, fs: FileSystem = LOCAL) -> list[str]:
    """The paths matching `pattern`, as `tf.io.gfile.glob(pattern)` returns them."""
    if not pattern:
        return []
    if not has_glob(pattern):
        # No listing: the pattern names one path, directory or not, returned as given.
        return [pattern] if fs.exists(pattern) else []

    dirs = directory_prefixes(pattern)
    first = next(i for i, d in enumerate(dirs) if has_glob(d))
    if first == 0:  # a URI with a glob in its host: TensorFlow would read dirs[-1]
        return []
    from ._fnmatch import compile_pattern  # only now: it needs `re`, slow to import cold

    posixly_correct = "POSIXLY_CORRECT" in os.environ
    regexes = [compile_pattern(d, posixly_correct) for d in dirs[first:]]
    return expand_levels(dirs[first - 1], regexes, fs)[0]


def expand_levels(
    root: str, regexes: Sequence[Pattern[str]], fs: FileSystem, directories_only: bool = False
) -> tuple[list[str], list[str]]:
    """The level walk of `GetMatchingPaths`, from `root` down, one regex per level.

    Each level's children are kept when their whole path matches that level's
    regex, and only directories go down to the next level. The last level keeps
    files too (even when the pattern ends with '/'), unless `directories_only`.

    Returns:
      The matches, in listing order, and every directory listed on the way (a
      directory that could not be listed included: TensorFlow ignores
      `GetChildren`'s error, whatever it is).
    """
    parents, listed = [root], []
    for level, regex in enumerate(regexes):
        keep_files = not directories_only and level == len(regexes) - 1
        listed.extend(parents)
        children = []
        for parent in parents:
            try:
                entries = fs.listdir(parent)
            except OSError:
                continue
            for name, is_dir in entries:
                path = join(parent, name)
                if (is_dir or keep_files) and regex.fullmatch(path):
                    children.append(path)
        parents = children
    return parents, listed


def directory_prefixes(pattern: str) -> list[str]:
    """AllDirectoryPrefixes: the pattern and its ancestors, outermost first."""
    first_glob = min((i for i in map(pattern.find, GLOB_CHARS) if i >= 0), default=len(pattern))
    fixed_prefix = pattern[:first_glob]
    # PatchPattern: without a directory before the first glob, expand "./<pattern>".
    patched = pattern if dirname(fixed_prefix) else join(".", pattern)
    d = dirname(patched) if pattern.endswith("/") else patched
    dirs = []
    while d:
        dirs.append(d)
        parent = dirname(d)
        if parent == d:
            break
        d = parent
    return dirs[::-1]
