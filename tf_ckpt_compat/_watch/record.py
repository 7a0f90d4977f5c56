"""The record of checkpoints already handled, which makes a restarted watch go on where it was.

One JSON line per checkpoint, `{"path": <listed path>}`, appended with one
`write` on a descriptor opened with O_APPEND and fsynced before the watch goes
on: a process killed at any moment leaves whole lines, and at worst (a crash of
the machine) a torn last line, which is ignored when the record is read back.
Checkpoints that a watch skipped on purpose at its start (`start="new"` or
`"latest"`) are recorded as well (`"skipped": true`), so that a restart does
not take them for missed ones.
"""

from __future__ import annotations

import json
import os
import threading


class Record:
    """An append-only record file on the local disk (created with its directory)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self.handled: set[str] = set()
        # The watch's thread records the skipped ones, consumers the done ones.
        self._lock = threading.Lock()
        self.existed = True
        try:
            with open(self.path, "rb") as f:
                for line in f:
                    self._load(line)
        except FileNotFoundError:
            self.existed = False
            parent = os.path.dirname(self.path)
            if parent:
                os.makedirs(parent, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)

    def _load(self, line: bytes) -> None:
        if not line.endswith(b"\n"):
            return  # torn by a crash before its fsync: the checkpoint was not handled
        try:
            entry = json.loads(line)
        except ValueError:
            return
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            self.handled.add(entry["path"])

    def add(self, paths: list[str], skipped: bool = False) -> None:
        """Appends `paths`, durably, in one write."""
        with self._lock:
            paths = [p for p in paths if p not in self.handled]
            if not paths:
                return
            extra = {"skipped": True} if skipped else {}
            lines = "".join(json.dumps({"path": p, **extra}) + "\n" for p in paths)
            data = memoryview(lines.encode("ascii"))  # json.dumps escapes every other character
            while data:  # a regular file writes it whole, short of a full disk
                data = data[os.write(self._fd, data) :]
            os.fsync(self._fd)
            self.handled.update(paths)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
