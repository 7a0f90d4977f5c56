"""Helpers for exercising the storage layer, shared by tests/, compat_tests/ and bench/.

- `make_tree`: a local directory tree of empty files, directories and links;
- `counting`: the calls made on an fsspec filesystem instance, as requests;
- `moto_s3`: moto's S3 server on the loopback, configured for s3fs as a user
  would configure it, with the requests it receives.

Only the standard library is imported at the top: fsspec and moto where they
are used, so that a caller without them can still use the rest, and nothing
here imports `tf_ckpt_compat` (the benchmark chooses which copy it measures
after importing this module).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import socket
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional
from unittest import mock

# --- a local tree ----------------------------------------------------------------------------


def make_tree(root: Path, names: Iterable[str], links: Optional[Mapping[str, str]] = None) -> None:
    """Creates empty files, directories (names ending with '/') and symbolic links (to targets)."""
    for name in names:
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")
    for name, target in (links or {}).items():
        (root / name).symlink_to(target)


# --- requests made through fsspec ------------------------------------------------------------

# fsspec's public methods a filesystem adapter could call, each a request (or more) on a store.
FSSPEC_METHODS = (
    "info",
    "exists",
    "isdir",
    "isfile",
    "ls",
    "find",
    "glob",
    "cat_file",
    "cat",
    "open",
    "pipe_file",
    "rm_file",
    "rm",
    "mv",
    "modified",
)


@contextlib.contextmanager
def counting(fs: object) -> Iterator[list[tuple[str, str]]]:
    """Records the outermost calls of `FSSPEC_METHODS` on the fsspec instance `fs` as (name, path).

    The pure backend gets this very instance from `fsspec.filesystem(scheme)`
    (fsspec caches it); calls one method makes to another are not requests of
    their own, so they are not counted.
    """
    calls: list[tuple[str, str]] = []
    depth = 0

    def wrap(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            nonlocal depth
            if depth == 0:
                calls.append((name, args[0] if args else kwargs.get("path")))
            depth += 1
            try:
                return original(*args, **kwargs)
            finally:
                depth -= 1

        return wrapper

    for name in FSSPEC_METHODS:
        setattr(fs, name, wrap(name, getattr(fs, name)))
    try:
        yield calls
    finally:
        for name in FSSPEC_METHODS:
            delattr(fs, name)  # the class's method shows through again


# --- an S3 server on the loopback ------------------------------------------------------------


class Requests:
    """WSGI middleware: the requests a server receives, as (method, path, query), in order.

    `log` holds every request, the trainer's writes (through the same storage
    layer) included; `ranges`, each request's Range header (None without one).
    """

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.log: list[tuple[str, str, str]] = []
        self.ranges: list[Optional[str]] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self.log.append(
            (environ["REQUEST_METHOD"], environ["PATH_INFO"], environ.get("QUERY_STRING", ""))
        )
        self.ranges.append(environ.get("HTTP_RANGE"))
        return self.app(environ, start_response)

    def clear(self) -> None:
        """Forgets the requests so far: counting starts again from here."""
        self.log.clear()
        self.ranges.clear()

    def kinds(self) -> list[str]:
        """HEAD, GET, LIST, PUT, DELETE... one per request, in order."""
        return [
            "LIST" if method == "GET" and "list-type" in query else method
            for method, _, query in self.log
        ]


class S3Server(NamedTuple):
    requests: Requests
    options: dict[str, Any]  # fsspec's storage options for s3, as set in its configuration
    violations: list[Any]  # addresses the loopback guard refused a connection to


@contextlib.contextmanager
def _loopback_only(violations: list[Any]) -> Iterator[None]:
    """Refuses, and records in `violations`, every socket connection to a non-loopback address."""

    def allowed(sock: socket.socket, address: Any) -> bool:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return True  # AF_UNIX: a local file
        try:
            return ipaddress.ip_address(address[0]).is_loopback
        except ValueError:  # a host name: connect would resolve it itself
            return False

    def guarded(original: Callable[..., Any]) -> Callable[..., Any]:
        def connect(sock: socket.socket, address: Any) -> Any:
            if not allowed(sock, address):
                violations.append(address)
                raise OSError(f"loopback guard: refused a connection to {address!r}")
            return original(sock, address)

        return connect

    with mock.patch.multiple(
        socket.socket,
        connect=guarded(socket.socket.connect),
        connect_ex=guarded(socket.socket.connect_ex),
    ):
        yield


@contextlib.contextmanager
def _dummy_aws_environment() -> Iterator[None]:
    """Dummy credentials, and no lookup anywhere else for others.

    No instance metadata, no profile or SSO configuration, no proxy: whatever
    the machine's environment says, nothing is asked of a real AWS.
    """
    with mock.patch.dict(os.environ):  # restored whole on exit
        for key in list(os.environ):
            if key.startswith("AWS_") or key.lower() in ("http_proxy", "https_proxy", "all_proxy"):
                del os.environ[key]
        os.environ.update(
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_EC2_METADATA_DISABLED="true",
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            NO_PROXY="127.0.0.1",
        )
        yield


@contextlib.contextmanager
def moto_s3(bucket: str) -> Iterator[S3Server]:
    """moto's S3 server in this process, on 127.0.0.1 (a free port), holding an empty `bucket`.

    s3fs reaches it through fsspec's configuration only (`fsspec.config.conf["s3"]`,
    or, for a subprocess, the `FSSPEC_S3` variable holding `options` as JSON), as
    a user would configure it. While it runs, the AWS variables are dummy ones and
    every socket connection this process opens is checked: one to any address but
    the loopback is refused and recorded, and fails the exit unless cleared.
    """
    import fsspec
    from moto.server import ThreadedMotoServer

    violations: list[Any] = []
    werkzeug = logging.getLogger("werkzeug")
    with contextlib.ExitStack() as stack:
        stack.enter_context(_loopback_only(violations))
        stack.enter_context(_dummy_aws_environment())
        stack.callback(werkzeug.setLevel, werkzeug.level)
        werkzeug.setLevel(logging.ERROR)  # its one line per request
        # Run on exit after the server has stopped: instances hold connections to it.
        stack.callback(fsspec.get_filesystem_class("s3").clear_instance_cache)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        stack.callback(server.stop)
        requests = Requests(server._server.app)
        server._server.app = requests
        host, port = server.get_host_and_port()
        assert host == "127.0.0.1"
        options = {
            "key": "testing",
            "secret": "testing",
            "client_kwargs": {"endpoint_url": f"http://127.0.0.1:{port}"},
        }
        stack.enter_context(mock.patch.dict(fsspec.config.conf, {"s3": options}))
        fsspec.filesystem("s3").call_s3("create_bucket", Bucket=bucket)
        yield S3Server(requests, options, violations)
    assert violations == [], f"connections to non-loopback addresses: {violations}"
