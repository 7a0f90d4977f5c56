"""Benchmark row: polls per second and requests per poll on remote storage (pure backend).

    from remote_row import measure
    rows = measure(quick=True)   # one dict per target

A poll is `tf_ckpt_compat.latest_checkpoint(dir)` on a directory holding one
published checkpoint, which is what `checkpoints_iterator` does once a second.
Targets: fsspec's `memory://` (the adapter's own cost), and, when `moto[server]`
and `s3fs` are installed, a moto S3 server on 127.0.0.1 (a free port) reached
by s3fs over HTTP (this process's own loopback round trips, not a cloud's).

Requests are counted where they are made: the fsspec calls on memory://, the
HTTP requests the server receives on S3. "Changed" polls follow the
publication of a new checkpoint; "unchanged" ones do not.

Self-contained: needs `tf_ckpt_compat` and fsspec; it neither imports the
benchmark harness nor the tests. Run it alone with `python bench/remote_row.py
[--quick]` for a Markdown table.
"""

from __future__ import annotations

import contextlib
import logging
import os
import statistics
import sys
import time
import uuid
from typing import Callable, Optional

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

BACKEND_VAR = "TF_CKPT_COMPAT_BACKEND"
BUCKET = "tfcc-bench"


@contextlib.contextmanager
def _environ(**values: Optional[str]) -> Iterator[None]:
    """Sets (str) or removes (None) environment variables, restoring them afterwards."""
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class _Target:
    """A directory on some storage, a way to publish into it, and a request counter.

    Subclasses set `fs` (the fsspec filesystem), `root` (a URL) and `log` (the
    requests seen, by kind) in their constructor.
    """

    name = ""
    fs: object
    root: str
    log: list[str]

    def directory(self) -> str:
        return self.root + "/run"

    def requests(self) -> list[str]:
        """The requests made since the last `reset()`, by kind."""
        return list(self.log)

    def reset(self) -> None:
        self.log.clear()

    def put(self, url: str, data: bytes) -> None:
        self.fs.pipe_file(url, data)  # type: ignore[attr-defined]
        self.log.pop()  # the trainer's upload is not the reader's request


class _Memory(_Target):
    name = "memory://"

    # fsspec methods a filesystem adapter could call: each one is a request on a store.
    METHODS = ("info", "exists", "isdir", "ls", "cat_file", "cat", "open", "pipe_file", "rm_file")

    def __init__(self) -> None:
        import fsspec

        self.fs = fsspec.filesystem("memory")  # the instance the pure backend gets too
        self.root = f"memory://tfcc-bench-{uuid.uuid4().hex[:8]}"
        self.log: list[str] = []
        depth = [0]

        def wrap(name: str, original: Callable) -> Callable:
            def counted(*args, **kwargs):
                if depth[0] == 0:  # calls fsspec makes to itself are not requests
                    self.log.append(name)
                depth[0] += 1
                try:
                    return original(*args, **kwargs)
                finally:
                    depth[0] -= 1

            return counted

        for name in self.METHODS:
            setattr(self.fs, name, wrap(name, getattr(self.fs, name)))

    def close(self) -> None:
        for name in self.METHODS:
            delattr(self.fs, name)
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(self.root, recursive=True)


class _MotoS3(_Target):
    name = "s3:// (moto server, 127.0.0.1)"

    def __init__(self) -> None:
        import fsspec
        from moto.server import ThreadedMotoServer

        self._stack = contextlib.ExitStack()
        self._stack.enter_context(
            _environ(
                AWS_ACCESS_KEY_ID="testing",
                AWS_SECRET_ACCESS_KEY="testing",
                AWS_SESSION_TOKEN=None,
                AWS_PROFILE=None,
                AWS_DEFAULT_REGION="us-east-1",
                AWS_EC2_METADATA_DISABLED="true",
                AWS_CONFIG_FILE=os.devnull,
                AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                HTTP_PROXY=None,
                HTTPS_PROXY=None,
                http_proxy=None,
                https_proxy=None,
                NO_PROXY="127.0.0.1",
            )
        )
        werkzeug = logging.getLogger("werkzeug")
        saved_level = werkzeug.level
        werkzeug.setLevel(logging.ERROR)
        self._stack.callback(werkzeug.setLevel, saved_level)

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        self._stack.callback(self.server.stop)
        self.log: list[str] = []
        app = self.server._server.app  # count what the server receives

        def counting(environ, start_response):
            method, query = environ["REQUEST_METHOD"], environ.get("QUERY_STRING", "")
            self.log.append("LIST" if method == "GET" and "list-type" in query else method)
            return app(environ, start_response)

        self.server._server.app = counting
        _, port = self.server.get_host_and_port()
        # Through fsspec's configuration, as a user configures s3fs.
        saved_conf = fsspec.config.conf.get("s3")
        fsspec.config.conf["s3"] = {
            "key": "testing",
            "secret": "testing",
            "client_kwargs": {"endpoint_url": f"http://127.0.0.1:{port}"},
        }
        cls = fsspec.get_filesystem_class("s3")
        self._stack.callback(cls.clear_instance_cache)  # instances hold its connections
        self._stack.callback(self._restore_conf, fsspec.config.conf, saved_conf)
        self.fs = fsspec.filesystem("s3")
        self.fs.call_s3("create_bucket", Bucket=BUCKET)
        self.root = f"s3://{BUCKET}/{uuid.uuid4().hex[:8]}"

    @staticmethod
    def _restore_conf(conf: dict, saved: Optional[dict]) -> None:
        if saved is None:
            conf.pop("s3", None)
        else:
            conf["s3"] = saved

    def close(self) -> None:
        self._stack.close()


def _publish(target: _Target, step: int) -> str:
    """Publishes checkpoint `step` as TensorFlow 2 does: its files, then the state file."""
    import tf_ckpt_compat

    directory = target.directory()
    prefix = f"{directory}/model.ckpt-{step}"
    target.put(prefix + ".data-00000-of-00001", b"\0" * 16)
    target.put(prefix + ".index", b"\0" * 8)
    tf_ckpt_compat.update_checkpoint_state(directory, prefix)
    return prefix


def _measure_target(target: _Target, quick: bool) -> dict[str, object]:
    import tf_ckpt_compat

    directory = target.directory()
    prefix = _publish(target, 1)
    if tf_ckpt_compat.latest_checkpoint(directory) != prefix:
        raise RuntimeError(f"{target.name}: the published checkpoint was not found")

    def requests_of_one_poll() -> list[str]:
        target.reset()
        tf_ckpt_compat.latest_checkpoint(directory)
        return target.requests()

    unchanged = [requests_of_one_poll() for _ in range(5)]
    changed = []
    for step in range(2, 5):
        _publish(target, step)
        changed.append(requests_of_one_poll())

    # Polls per second of an unchanged directory: the median of a few timed runs.
    runs, seconds = (3, 0.2) if quick else (7, 1.0)
    rates = []
    for _ in range(runs):
        polls, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            tf_ckpt_compat.latest_checkpoint(directory)
            polls += 1
        rates.append(polls / (time.perf_counter() - start))
    return {
        "target": target.name,
        "polls_per_second": statistics.median(rates),
        "polls_per_second_runs": rates,
        "requests_per_poll_unchanged": statistics.mean(len(r) for r in unchanged),
        "requests_per_poll_changed": statistics.mean(len(r) for r in changed),
        "requests_unchanged": ", ".join(unchanged[-1]),
        "requests_changed": ", ".join(changed[-1]),
        "lists_per_poll": sum(r.count("LIST") + r.count("ls") for r in unchanged + changed)
        / len(unchanged + changed),
    }


def _targets() -> Iterator[tuple[str, Callable[[], _Target]]]:
    yield "memory://", _Memory
    try:
        import moto.server  # noqa: F401
        import s3fs  # noqa: F401
    except ImportError:
        return
    yield "s3 (moto)", _MotoS3


def measure(quick: bool) -> list[dict[str, object]]:
    """One dict per target: polls per second and requests per poll, unchanged and changed.

    Keys: target, polls_per_second (median), polls_per_second_runs,
    requests_per_poll_unchanged, requests_per_poll_changed (means),
    requests_unchanged / requests_changed (one poll's requests, in order),
    lists_per_poll. The S3 target is left out when moto or s3fs is missing.
    """
    rows = []
    with _environ(**{BACKEND_VAR: "pure"}):
        for _, make in _targets():
            target = make()
            try:
                rows.append(_measure_target(target, quick))
            finally:
                target.close()
    return rows


def markdown(rows: list[dict[str, object]]) -> str:
    lines = [
        "| Storage | Polls per second | Requests per poll (unchanged) "
        "| Requests per poll (changed) | Listings per poll |",
        "|---|---:|---|---|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['target']} | {row['polls_per_second']:,.0f} "
            f"| {row['requests_per_poll_unchanged']:g} ({row['requests_unchanged']}) "
            f"| {row['requests_per_poll_changed']:g} ({row['requests_changed']}) "
            f"| {row['lists_per_poll']:g} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(measure(quick="--quick" in sys.argv[1:])))
