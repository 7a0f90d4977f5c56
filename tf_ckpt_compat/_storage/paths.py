"""TensorFlow's path grammar, re-implemented rule by rule.

TensorFlow treats a path in two layers, and so does this module:

* its C++ filesystems (`tsl/platform/path.cc`, `tsl/platform/file_system.cc`)
  parse `scheme://host/path` URIs, clean local paths, and split and join paths
  while globbing;
* its Python checkpoint code (`checkpoint_management.py`) builds the state
  file's path and joins relative checkpoint paths with `os.path.join`.

Each function names the rule it reproduces. Nothing here does I/O.
"""

from __future__ import annotations

import os
import posixpath

# ParseURI in tsl/platform/path.cc: a scheme is [a-zA-Z][0-9a-zA-Z.]* before "://".
_SCHEME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_SCHEME_REST = _SCHEME_START | frozenset("0123456789.")

# checkpoint_management.py: `if latest_filename is None: latest_filename = "checkpoint"`.
STATE_FILE_NAME = "checkpoint"


def scheme_of(path: str) -> str | None:
    """The path's URI scheme (`"s3"` for `s3://b/x`), or None for a plain path.

    `io::ParseURI`: anything before `://` that is not a valid scheme (`1a://x`,
    `://x`) makes the whole string a plain path. Schemes are case-sensitive.
    """
    end = path.find("://")
    scheme = path[:end]
    if end > 0 and scheme[0] in _SCHEME_START and all(c in _SCHEME_REST for c in scheme):
        return scheme
    return None


def is_local(path: str) -> bool:
    """Whether the local disk serves `path`: a plain path, or a `file://` URL.

    `GetFileSystemForFile` picks the POSIX filesystem for the empty scheme and
    for `file`; every other scheme needs a filesystem of its own.
    """
    return scheme_of(path) in (None, "file")


def clean_path(path: str) -> str:
    """The path TensorFlow's POSIX filesystem hands to the OS for a scheme-less `path`.

    `FileSystem::TranslateName` cleans it lexically (`io::CleanPath`) before any
    system call, without looking at the disk: `missing/../x` is `x` even though
    `missing` does not exist, and `file/` is `file`. That is `posixpath.normpath`,
    except that a leading `//` becomes `/`.
    """
    if not path:
        return path
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def file_url_path(url: str) -> str:
    """The local path of a `file://[host]/path` URL, as TensorFlow's POSIX filesystem takes it.

    `LocalPosixFileSystem::TranslateName` drops the scheme and the host and uses
    the rest as it is: no cleaning, so `file:///a/../b` needs `/a`, and
    `file://host` is the empty path.
    """
    host_and_path = url[len("file://") :]
    slash = host_and_path.find("/")
    return host_and_path[slash:] if slash >= 0 else ""


def dirname(path: str) -> str:
    """`io::Dirname`: everything before the last `/` of the path part, the URI's root kept.

    After `scheme://host` (`io::ParseURI`), `SplitPath` cuts at the last `/`:
    none leaves `scheme://host`; one at the start of the path part keeps it
    (`/x` -> `/`, `s3://b/x` -> `s3://b/`).
    """
    start = 0  # where the path part begins, after any "scheme://host"
    scheme = scheme_of(path)
    if scheme is not None:
        slash = path.find("/", len(scheme) + 3)
        start = len(path) if slash < 0 else slash
    pos = path.rfind("/", start)
    if pos < 0:
        return path[:start]
    return path[: pos + 1] if pos == start else path[:pos]


def join(parent: str, child: str) -> str:
    """`io::JoinPath` (`internal::JoinPathImpl`) of two parts.

    Empty parts are skipped; otherwise exactly one `/` separates them, taking
    one leading `/` off `child` when `parent` ends with one.
    """
    if not parent:
        return child
    if not child:
        return parent
    if parent.endswith("/"):
        return parent + (child[1:] if child.startswith("/") else child)
    return parent + (child if child.startswith("/") else "/" + child)


def state_file(checkpoint_dir: str, latest_filename: str | None = None) -> str:
    """The state file's path, as `checkpoint_management._GetCheckpointFilename`.

    `os.path.join(save_dir, latest_filename)` with `"checkpoint"` for None only:
    an empty name gives `<dir>/`, as in TensorFlow.
    """
    name = STATE_FILE_NAME if latest_filename is None else latest_filename
    return os.path.join(checkpoint_dir, name)
