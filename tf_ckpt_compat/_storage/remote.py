"""`scheme://` paths for the pure backend, through fsspec (the `remote` extra).

`FsspecFileSystem` gives the pure backend the operations of the local disk
(`local.LocalFileSystem`), on the fsspec filesystem of one scheme, with
TensorFlow's semantics:

* `exists` is true for "directories" (prefixes) too, as TensorFlow's
  FileExists on GCS; errors other than "not found" are raised, not taken for
  False (fsspec's own `exists` swallows them, TensorFlow does not);
* `listdir` returns `(name, is_dir)` pairs, as `os.scandir` does, from one
  listing request;
* `write_atomic` is one whole-object upload on object stores, where an upload
  is atomic and a rename is a copy and a delete (TensorFlow's GCS filesystem
  says it has no atomic move, so TensorFlow writes in place there too);
  elsewhere, TensorFlow's temporary file and rename;
* `read_range` is one ranged request;
* `link` is refused (`ENOTSUP`): object stores have no hard links;
* failures are `OSError`s that `_errors.describe` renders as TensorFlow's
  `"<ClassName>: <path>; <reason>"`.

The fsspec filesystem is `fsspec.filesystem(scheme)` at each operation: fsspec
applies its configuration (`fsspec.config.conf`, `FSSPEC_<PROTOCOL>...`
variables, config files) and returns its cached instance for those options, so
nothing is configured here and a configuration change takes effect. Listing
caches are dropped for the path before each lookup: a poll must see the store as
it is now, as TensorFlow's does (`invalidate_cache` costs no request, and keeps
the instance the user's own code shares).

A scheme nothing serves (fsspec missing, the scheme unknown to fsspec, or its
package missing) raises TensorFlow's `UnimplementedError` from every operation,
and logs once per process and scheme a WARNING saying what to install.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import functools
import inspect
import os
import threading
import uuid

from .._errors import SchemeUnavailableError, TFStyleError
from .._log import LOG as _LOG
from .info import Info

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Protocols of stores where a whole-object upload is atomic and there is no
# rename: written in one upload, as TensorFlow does on GCS. (memory:// swaps the
# object in one assignment, and stands in for them in tests.)
OBJECT_STORES = frozenset(
    {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "oci", "oss", "tos", "memory"}
)

# Only used to name the package when fsspec itself is missing (fsspec's own
# registry says it otherwise).
_PACKAGES = {
    "s3": "s3fs",
    "s3a": "s3fs",
    "gs": "gcsfs",
    "gcs": "gcsfs",
    "az": "adlfs",
    "abfs": "adlfs",
    "abfss": "adlfs",
}

_KNOWN_IMPLEMENTATIONS = (
    "https://filesystem-spec.readthedocs.io/en/latest/api.html#other-known-implementations"
)

_lock = threading.Lock()
_adapters: dict[str, FsspecFileSystem] = {}
# Schemes found unservable, with their hint: retrying the imports at every poll
# would cost a search of sys.path each time, and cannot succeed in this process.
_unavailable: dict[str, str] = {}
_warned: set[str] = set()


def for_scheme(scheme: str) -> FsspecFileSystem:
    """The (cached) adapter for `scheme`; resolving it is left to its first operation."""
    adapter = _adapters.get(scheme)
    if adapter is None:
        with _lock:
            adapter = _adapters.setdefault(scheme, FsspecFileSystem(scheme))
    return adapter


def reset() -> None:
    """Forgets unservable schemes and warnings given (for tests that install or hide packages)."""
    with _lock:
        _unavailable.clear()
        _warned.clear()


def _unavailable_hint(scheme: str) -> str | None:
    """None if fsspec can serve `scheme`, else what to install."""
    if scheme in _unavailable:
        return _unavailable[scheme]
    hint = None
    try:
        import fsspec  # pyright: ignore[reportMissingImports]
    except ImportError:
        package = _PACKAGES.get(scheme)
        wanted = f"fsspec {package}" if package else f"fsspec (and the package for {scheme}://)"
        hint = (
            f"Without TensorFlow, {scheme}:// paths are read through fsspec, which is not "
            f"installed: pip install {wanted}"
        )
    else:
        try:
            fsspec.get_filesystem_class(scheme)
        except ValueError:  # "Protocol not known"
            hint = (
                f"fsspec knows no filesystem for {scheme}:// paths: install the package "
                f"that implements it (see {_KNOWN_IMPLEMENTATIONS})"
            )
        except ImportError as e:  # known to fsspec, its package missing or broken
            hint = _missing_package_hint(scheme, e)
    if hint is not None:
        with _lock:
            _unavailable[scheme] = hint
    return hint


def _missing_package_hint(scheme: str, error: ImportError) -> str:
    # (`fsspec.registry` is the registry itself, shadowing its module.)
    from fsspec.registry import known_implementations  # pyright: ignore[reportMissingImports]

    known = known_implementations.get(scheme, {})
    reason = known.get("err") or str(error)
    package = known.get("class", "").split(".")[0]
    if package in ("", "fsspec"):  # built into fsspec; the missing module is its dependency
        cause = error.__cause__
        package = getattr(cause, "name", None) or ""
        package = package.split(".")[0]
    install = f": pip install {package}" if package else ""
    return f"fsspec cannot load its {scheme}:// filesystem ({reason}){install}"


class FsspecFileSystem:
    """One scheme's fsspec filesystem, with the methods of `local.LocalFileSystem`."""

    def __init__(self, scheme: str) -> None:
        self.scheme = scheme

    # --- finding the filesystem ---

    def check(self, path: str, warn: bool = True) -> None:
        """Raises `SchemeUnavailableError` naming `path` if nothing serves the scheme."""
        hint = _unavailable_hint(self.scheme)
        if hint is None:
            return
        if warn and self.scheme not in _warned:
            with _lock:
                first = self.scheme not in _warned
                _warned.add(self.scheme)
            if first:
                _LOG.warning("%s", hint)
        raise SchemeUnavailableError(self.scheme, path, hint)

    def _filesystem(self, path: str) -> Any:  # an fsspec.AbstractFileSystem
        self.check(path)
        import fsspec  # pyright: ignore[reportMissingImports]

        try:
            return fsspec.filesystem(self.scheme)
        except Exception as e:  # bad storage options in the configuration, for one
            raise _os_error(e, path) from e

    def _fresh(self, path: str) -> Any:
        fs = self._filesystem(path)
        fs.invalidate_cache(path)
        return fs

    def local_path(self, path: str) -> None:
        """None: no path on the local disk reaches the object."""
        return None

    # --- looking ---

    def exists(self, path: str) -> bool:
        fs = self._fresh(path)
        try:
            fs.info(path)
        except FileNotFoundError:
            return False
        except Exception as e:
            raise _os_error(e, path) from e
        return True

    def isdir(self, path: str) -> bool:
        try:
            return bool(self._fresh(path).info(path)["type"] == "directory")
        except Exception:  # as os.path.isdir, and TensorFlow's IsDirectory(...).ok()
            return False

    def listdir(self, path: str) -> list[tuple[str, bool]]:
        return [(info.name, info.is_dir) for info in self.scan(path)]

    def scan(self, path: str) -> list[Info]:
        fs = self._fresh(path)
        try:
            entries = fs.ls(path, detail=True)
        except Exception as e:
            raise _os_error(e, path) from e
        listed = fs._strip_protocol(path).rstrip("/")
        infos: dict[str, Info] = {}
        for entry in entries:
            name = entry["name"].rstrip("/")
            if name == listed:
                # fsspec lists a file as itself; os.listdir refuses a file.
                if entry.get("type") != "directory" and len(entries) == 1:
                    raise _os_error(NotADirectoryError(), path)
                continue  # a "folder" marker object: not a child
            info = _info(name.rsplit("/", 1)[-1], entry)
            known = infos.get(info.name)
            # A "folder" marker and the prefix it stands for: one directory.
            if known is None or info.is_dir and not known.is_dir:
                infos[info.name] = info
        return list(infos.values())

    def find(self, path: str) -> list[tuple[str, Info]]:
        """Every object under `path`, at any depth, with its full URL: one recursive listing.

        On S3 and GCS that is one request per page of 1,000 objects, whatever
        the depth (`ls` would take one per directory).
        """
        fs = self._fresh(path)
        try:
            entries = fs.find(path, detail=True)
        except FileNotFoundError:
            return []
        except Exception as e:
            raise _os_error(e, path) from e
        root = fs._strip_protocol(path).rstrip("/")
        found = []
        for name, entry in entries.items():
            relative = name[len(root) :].lstrip("/") if name.startswith(root) else None
            if relative:
                found.append(
                    (f"{path.rstrip('/')}/{relative}", _info(relative.rsplit("/", 1)[-1], entry))
                )
        return found

    def stat(self, path: str) -> Info:
        fs = self._fresh(path)
        try:
            entry = fs.info(path)
        except Exception as e:
            raise _os_error(e, path) from e
        return _info(path.rstrip("/").rsplit("/", 1)[-1], entry)

    def mtime(self, path: str) -> float:
        fs = self._fresh(path)
        try:
            try:
                modified = fs.modified(path)
            except NotImplementedError:
                modified = _modified_from_info(fs.info(path))
        except Exception as e:
            raise _os_error(e, path) from e
        return _seconds(modified)

    # --- reading ---

    def read_bytes(self, path: str) -> bytes:
        fs = self._filesystem(path)
        fs_class: type = type(fs)  # not type[Any], which mypy refuses as the cache's key
        try:
            return bytes(fs.cat_file(path, **_one_stream(fs_class)))
        except Exception as e:
            raise _os_error(e, path) from e

    def read_range(self, path: str, offset: int, length: int) -> bytearray:
        """Up to `length` bytes at `offset`, in one ranged request, in a writable buffer."""
        fs = self._filesystem(path)
        try:
            return bytearray(fs.cat_file(path, start=offset, end=offset + length))
        except Exception as e:
            raise _os_error(e, path) from e

    # --- changing ---

    def write(self, path: str, data: bytes) -> None:
        """Writes `data` to `path`, creating missing parent directories where the store has them.

        On object stores that is one whole-object upload, and no directory.
        """
        fs = self._filesystem(path)
        try:
            if not _protocols(fs) & OBJECT_STORES:
                fs.makedirs(fs._parent(path), exist_ok=True)
            fs.pipe_file(path, data)
        except Exception as e:
            raise _os_error(e, path) from e

    def write_atomic(self, path: str, data: bytes) -> None:
        """Writes `data` to `path` so that a reader sees the old or the new object whole."""
        try:
            fs = self._filesystem(path)
        except SchemeUnavailableError as e:
            # TensorFlow, unable to ask such a filesystem whether it has an atomic
            # move, assumes one and fails on the temporary file: say the same.
            raise SchemeUnavailableError(
                self.scheme, f"{path}.tmp{uuid.uuid4().hex}", e.hint
            ) from None
        if _protocols(fs) & OBJECT_STORES:
            try:
                fs.pipe_file(path, data)
            except Exception as e:
                raise _os_error(e, path) from e
            return
        temp_path = f"{path}.tmp{uuid.uuid4().hex}"
        try:
            fs.pipe_file(temp_path, data)
            fs.mv(temp_path, path)
        except Exception as e:
            # It may not exist; the first error is the one to report.
            with contextlib.suppress(Exception):
                fs.rm_file(temp_path)
            raise _os_error(e, temp_path) from e

    def makedirs(self, path: str) -> None:
        """Creates the directory as the store has them (a pseudo-directory, or nothing)."""
        fs = self._filesystem(path)
        try:
            fs.makedirs(path, exist_ok=True)
        except Exception as e:
            raise _os_error(e, path) from e

    def link(self, source: str, target: str) -> None:
        """Always fails (`ENOTSUP`): no store fsspec serves shares one object under two names."""
        raise _os_error(OSError(errno.ENOTSUP, os.strerror(errno.ENOTSUP)), target)

    def remove(self, path: str) -> None:
        fs = self._filesystem(path)
        try:
            fs.rm_file(path)
        except Exception as e:
            raise _os_error(e, path) from e


@functools.cache
def _one_stream(cls: type[Any]) -> dict[str, int]:
    """Keyword arguments for `cat_file` to make one GET request.

    An implementation that can split a download (s3fs, adlfs: a
    `max_concurrency` parameter) first asks for the object's size, one request
    more, to decide; a state file is far too small to gain from it.
    """
    method = getattr(cls, "_cat_file", None) or cls.cat_file
    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return {}
    return {"max_concurrency": 1} if "max_concurrency" in parameters else {}


def _protocols(fs: object) -> set[str]:
    protocol = getattr(fs, "protocol", ())
    return {protocol} if isinstance(protocol, str) else set(protocol)


_MTIME_KEYS = ("mtime", "LastModified", "last_modified", "updated", "modified", "created")
# What each store calls a version of an object: s3fs and adlfs (ETag), gcsfs
# (generation), others (etag, version_id).
_VERSION_KEYS = ("generation", "ETag", "etag", "version_id", "VersionId")


def _modified_from_info(info: dict[str, Any]) -> object:
    for key in _MTIME_KEYS:
        if info.get(key) not in (None, ""):
            return info[key]
    raise OSError(errno.ENOTSUP, "the filesystem reports no modification time")


def _seconds(modified: object) -> float:
    """A modification time as fsspec gives it (a datetime, or a number), in seconds."""
    if isinstance(modified, datetime.datetime):
        if modified.tzinfo is None:  # fsspec's convention: naive means UTC
            modified = modified.replace(tzinfo=datetime.timezone.utc)
        return modified.timestamp()
    if isinstance(modified, str):
        return datetime.datetime.fromisoformat(modified.replace("Z", "+00:00")).timestamp()
    return float(modified)  # type: ignore[arg-type]


def _info(name: str, entry: dict[str, Any]) -> Info:
    """An fsspec `info`/`ls` entry as an `Info`; what the store does not say is None."""
    is_dir = entry.get("type") == "directory"
    try:
        mtime: float | None = _seconds(_modified_from_info(entry))
    except (OSError, ValueError, TypeError):
        mtime = None
    version = next((str(entry[k]) for k in _VERSION_KEYS if entry.get(k) not in (None, "")), None)
    if version is None and mtime is not None and not is_dir:
        version = f"{mtime!r}-{entry.get('size')}"
    return Info(name, is_dir, 0 if is_dir else int(entry.get("size") or 0), mtime, version)


# A filesystem error, with the errno TensorFlow's class name is chosen by
# (`_errors.describe`); fsspec implementations raise these classes, often
# without an errno.
_ERRNOS = (
    (FileNotFoundError, errno.ENOENT),
    (IsADirectoryError, errno.EISDIR),
    (NotADirectoryError, errno.ENOTDIR),
    (FileExistsError, errno.EEXIST),
    (PermissionError, errno.EACCES),
    (TimeoutError, errno.ETIMEDOUT),
    (ConnectionRefusedError, errno.ECONNREFUSED),
    (ConnectionError, errno.ECONNRESET),
)
# These say no more than their errno: the local disk's wording reads better than
# fsspec's (which is often the bare path).
_PLAIN = (FileNotFoundError, IsADirectoryError, NotADirectoryError, FileExistsError)


def _os_error(error: BaseException, path: str) -> OSError:
    """`error` from an fsspec call on `path`, as an OSError that names `path`."""
    if isinstance(error, TFStyleError):
        return error
    if isinstance(error, OSError):
        text = str(error.strerror or error)
        code = error.errno
        if code is None:
            code = next((c for cls, c in _ERRNOS if isinstance(error, cls)), None)
        if code is None:
            return TFStyleError("UnknownError", f"{path}; {text or type(error).__name__}")
        if isinstance(error, _PLAIN) or not text:
            text = os.strerror(code)
        # The builtin class (FileNotFoundError...), whatever the library's subclass takes.
        builtin = next(
            c for c in type(error).__mro__ if issubclass(c, OSError) and c.__module__ == "builtins"
        )
        return builtin(code, text, path)
    if isinstance(error, ValueError):
        name = "InvalidArgumentError"
    elif isinstance(error, NotImplementedError):
        name = "UnimplementedError"
    else:
        name = "UnknownError"
    return TFStyleError(name, f"{path}; {type(error).__name__}: {error}")
