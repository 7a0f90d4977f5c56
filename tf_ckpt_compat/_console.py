"""The command line's output: result lines, log lines, errors and the live status line."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

PROG = "tf-ckpt-compat"
_LOGGERS = ("tensorflow", "tf_ckpt_compat")  # the loggers whose records the command line shows
STATUS_PERIOD = 0.5  # seconds between repaints of the status line


def one_line(text: object) -> str:
    """`text` with every run of white space, newlines included, made one space."""
    return " ".join(str(text).split())


class OutputError(Exception):
    """A result that could not be written on standard output (not a closed pipe)."""


class Console:
    """Where the command line writes, one whole line at a time.

    Results go to standard output, flushed at once (a consumer at the other end
    of a pipe sees each checkpoint as it arrives). Log records and errors go to
    standard error. When standard error is a terminal, it also carries a live
    status line, repainted by a thread while the main thread blocks in the
    iterator; every other write clears it first, under one lock, so that lines
    never mix.
    """

    def __init__(self, verbose: bool) -> None:
        self._lock = threading.Lock()
        # Standard error may be closed (`2>&-`): Python then makes it None.
        self._live = sys.stderr is not None and sys.stderr.isatty()
        self._describe: Callable[[], str] | None = None
        self._painted = False
        self._closing = threading.Event()
        self._painter: threading.Thread | None = None
        self._log_lines = _LogLines(self)
        root = logging.getLogger()
        # A handler on the root logger: TensorFlow then adds none of its own to
        # the `tensorflow` logger (no line is printed twice).
        root.addHandler(self._log_lines)
        level = logging.INFO if verbose else logging.WARNING
        # Each logger's own level, NOTSET included, for close() to put back: a
        # process that runs the command line (a test, a host program) keeps its own.
        self._levels: dict[str, int] = {name: logging.getLogger(name).level for name in _LOGGERS}
        for name in _LOGGERS:
            logging.getLogger(name).setLevel(level)

    def result(self, line: str) -> None:
        """Writes a result line on standard output.

        Raises:
          BrokenPipeError: when the reader has gone (`| head -1`).
          OutputError: when the line cannot be written for any other reason.
        """
        stdout = sys.stdout
        if stdout is None:  # closed (`>&-`)
            raise OutputError("cannot write the results: standard output is closed")
        with self._cleared():
            try:
                stdout.write(line + "\n")
                stdout.flush()
            except BrokenPipeError:
                raise
            except UnicodeEncodeError as e:
                raise OutputError(
                    f"cannot write {e.object[e.start : e.end]!r} on standard output, whose "
                    f"encoding is {stdout.encoding} (set PYTHONIOENCODING=utf-8)"
                ) from None
            except (OSError, ValueError) as e:  # ValueError: a stream closed by a host program
                reason = e.strerror if isinstance(e, OSError) and e.strerror else e
                raise OutputError(
                    f"cannot write the results on standard output: {reason}"
                ) from None

    def error(self, message: str) -> None:
        """Writes `tf-ckpt-compat: error: <message>` on standard error."""
        self.stderr_line(f"{PROG}: error: {one_line(message)}")

    def stderr_line(self, line: str) -> None:
        """Writes one line on standard error, clearing the status line first.

        A standard error that is closed or fails is left out: there is nowhere
        to say so, and the results on standard output still count.
        """
        with self._cleared():
            if sys.stderr is None:
                return
            try:
                sys.stderr.write(line + "\n")
                sys.stderr.flush()
            except (OSError, ValueError):
                pass

    def show_status(self, describe: Callable[[], str] | None) -> None:
        """Shows `describe()` as the status line, repainted until replaced; None hides it."""
        if not self._live:
            return
        with self._cleared():
            self._describe = describe
            self._paint()
        if describe is not None and self._painter is None:
            self._painter = threading.Thread(target=self._paint_loop, name="status", daemon=True)
            self._painter.start()

    def forget_repeats(self) -> None:
        """Lets log lines already shown be shown again (called at each checkpoint)."""
        self._log_lines.seen.clear()

    def close(self) -> None:
        """Stops the status line, clears it, detaches the log handler and restores the levels."""
        self.show_status(None)
        self._closing.set()
        if self._painter is not None:
            self._painter.join()
        logging.getLogger().removeHandler(self._log_lines)
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)

    @contextlib.contextmanager
    def _cleared(self) -> Iterator[None]:
        with self._lock:
            if self._painted:
                sys.stderr.write("\r\x1b[K")
                sys.stderr.flush()
                self._painted = False
            yield

    def _paint_loop(self) -> None:
        while not self._closing.wait(STATUS_PERIOD):
            with self._lock:
                self._paint()

    def _paint(self) -> None:  # with the lock held
        if self._describe is not None:
            # One character short of the width: a line that wraps cannot be
            # repainted in place with \r.
            text = self._describe()[: _terminal_width() - 1]
            sys.stderr.write(f"\r{text}\x1b[K")
            sys.stderr.flush()
            self._painted = True


def _terminal_width() -> int:
    try:
        columns = os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError):
        columns = 0
    return columns or 80  # 0: a terminal that does not say (a new pseudo-terminal)


class _LogLines(logging.Handler):
    """Shows log records as `<level>: <message>`, one line each.

    A line already shown is not shown again until `Console.forget_repeats()`:
    the iterator polls every second, and a state file naming missing files, or
    a corrupt one, would otherwise log the same lines every second.
    """

    def __init__(self, console: Console) -> None:
        super().__init__()
        self._console = console
        self.seen: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = f"{record.levelname.lower()}: {one_line(record.getMessage())}"
            if line not in self.seen:
                self.seen.add(line)
                self._console.stderr_line(line)
        except Exception:
            self.handleError(record)
