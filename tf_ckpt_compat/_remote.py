"""`scheme://` paths for the pure backend, through fsspec (the `remote` extra).

`FsspecFileSystem` gives `_fs` the same seven operations as the local disk, on
the fsspec filesystem of one scheme, with TensorFlow's semantics:

* `exists` is true for "directories" (prefixes) too, as TensorFlow's
  FileExists on GCS; errors other than "not found" are raised, not taken for
  False (fsspec's own `exists` swallows them, TensorFlow does not);
* `listdir` returns bare names, as `os.listdir` (the matcher joins them);
* `write_atomic` is one whole-object upload on object stores, where an upload
  is atomic and a rename is a copy and a delete (TensorFlow's GCS filesystem
  says it has no atomic move, so TensorFlow writes in place there too);
  elsewhere, TensorFlow's temporary file and rename;
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

from ._errors import TFStyleError
from ._fs import SchemeUnavailableError
from ._log import LOG as _LOG

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
        import fsspec
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
    from fsspec.registry import known_implementations

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
    """One scheme's fsspec filesystem, with the methods of `_fs.LocalFileSystem`."""

    def __init__(self, scheme: str) -> None:
        self.scheme = scheme
        # Whether each child of the last listing is a directory, for the matcher's
        # `isdir` calls that follow it: the listing just said, at no extra request.
        self._listed = threading.local()

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

    def _filesystem(self, path: str):  # -> fsspec.AbstractFileSystem
        self.check(path)
        import fsspec

        try:
            return fsspec.filesystem(self.scheme)
        except Exception as e:  # bad storage options in the configuration, for one
            raise _os_error(e, path) from e

    def _fresh(self, path: str):  # -> fsspec.AbstractFileSystem
        fs = self._filesystem(path)
        fs.invalidate_cache(path)
        return fs

    # --- the operations ---

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
            known = getattr(self._listed, "types", {}).pop(self._key(path), None)
            if known is not None:
                return known
            return self._fresh(path).info(path)["type"] == "directory"
        except Exception:  # as os.path.isdir, and TensorFlow's IsDirectory(...).ok()
            return False

    def listdir(self, path: str) -> list[str]:
        fs = self._fresh(path)
        try:
            entries = fs.ls(path, detail=True)
        except Exception as e:
            raise _os_error(e, path) from e
        listed = self._key(path)
        names: list[str] = []
        types: dict[str, bool] = {}
        for entry in entries:
            name = entry["name"].rstrip("/")
            if name == listed:
                # fsspec lists a file as itself; os.listdir refuses a file.
                if entry.get("type") != "directory" and len(entries) == 1:
                    raise _os_error(NotADirectoryError(), path)
                continue  # a "folder" marker object: not a child
            base = name.rsplit("/", 1)[-1]
            child = f"{listed}/{base}"
            if child not in types:
                names.append(base)
            types[child] = types.get(child, False) or entry.get("type") == "directory"
        self._listed.types = types
        return names

    def read_bytes(self, path: str) -> bytes:
        fs = self._filesystem(path)
        try:
            return fs.cat_file(path, **_one_stream(type(fs)))
        except Exception as e:
            raise _os_error(e, path) from e

    def mtime(self, path: str) -> float:
        fs = self._fresh(path)
        try:
            try:
                modified = fs.modified(path)
            except NotImplementedError:
                modified = _modified_from_info(fs.info(path))
        except Exception as e:
            raise _os_error(e, path) from e
        if isinstance(modified, datetime.datetime):
            if modified.tzinfo is None:  # fsspec's convention: naive means UTC
                modified = modified.replace(tzinfo=datetime.timezone.utc)
            return modified.timestamp()
        return float(modified)

    def remove(self, path: str) -> None:
        fs = self._filesystem(path)
        try:
            fs.rm_file(path)
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

    def _key(self, path: str) -> str:
        """`path` as this filesystem's listings name it (no protocol, no trailing '/')."""
        fs = self._filesystem(path)
        return fs._strip_protocol(path).rstrip("/")


@functools.cache
def _one_stream(cls: type) -> dict:
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


def _modified_from_info(info: dict) -> object:
    for key in ("mtime", "LastModified", "last_modified", "updated", "modified", "created"):
        if info.get(key) not in (None, ""):
            return info[key]
    raise OSError(errno.ENOTSUP, "the filesystem reports no modification time")


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
        builtin = next(c for c in type(error).__mro__ if c.__module__ == "builtins")
        return builtin(code, text, path)
    if isinstance(error, ValueError):
        name = "InvalidArgumentError"
    elif isinstance(error, NotImplementedError):
        name = "UnimplementedError"
    else:
        name = "UnknownError"
    return TFStyleError(name, f"{path}; {type(error).__name__}: {error}")
