"""The command line's output: result lines, log lines, errors and the live status line."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import stat
import sys
import threading

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import FrameType
    from typing import TextIO

PROG = "tf-ckpt-compat"
_LOGGERS = ("tensorflow", "tf_ckpt_compat")  # the loggers whose records the command line shows
STATUS_PERIOD = 0.5  # seconds between repaints of the status line, and between two guard checks
# Erases from the cursor to the end of the screen: the whole status line, even
# where the terminal has wrapped it (a narrowed window) or echoed a `^C` past its end.
_ERASE_BELOW = "\x1b[J"


def one_line(text: object) -> str:
    """`text` with every run of white space, newlines included, made one space."""
    return " ".join(str(text).split())


class OutputError(Exception):
    """A result that could not be written on standard output (not a closed pipe)."""


class Abandoned(BaseException):
    """Raised in the main thread to end a wait that can no longer end well; `error` says why.

    A BaseException, as KeyboardInterrupt is: it may surface anywhere in the
    library's code, and an `except Exception` there (an object store's error
    handling) must not swallow it.
    """

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error


class Console:
    """Where the command line writes, one whole line at a time.

    Results go to standard output, flushed at once (a consumer at the other end
    of a pipe sees each checkpoint as it arrives). Log records and errors go to
    standard error. While the main thread waits for a checkpoint, a thread of
    the console watches over the wait: it repaints a live status line (see
    `_status_line_wanted` for when there is one), and ends the wait early when
    it cannot end well (`show_status`). Every other write clears the status
    line first, under one lock, so that lines never mix, and `close()` clears
    it on every way out.
    """

    def __init__(self, verbose: bool) -> None:
        self._lock = threading.Lock()
        self._live = _status_line_wanted()
        self._describe: Callable[[], str] | None = None
        self._guard: Callable[[], None] | None = None
        self._painted = False
        self._waiting = False  # the main thread is in a wait that `show_status` began
        self._ending: Exception | None = None  # why the current wait must end
        self._lasting: Exception | None = None  # why every wait must end (stdout's reader gone)
        self._stdout_fd = _pipe_descriptor(sys.stdout)
        self._thread: threading.Thread | None = None
        self._wake: tuple[int, int] | None = None  # a pipe that wakes the thread to end it
        self._main: int | None = None  # the waiting thread, when a signal can interrupt it
        self._previous_sigpipe: Callable[[int, FrameType | None], object] | int | None = None
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
            _write_stderr(line + "\n")

    def show_status(
        self, describe: Callable[[], str] | None, guard: Callable[[], None] | None = None
    ) -> None:
        """Begins a wait of the main thread, shown as `describe()`; None ends it.

        During the wait, the console's thread repaints `describe()` every
        `STATUS_PERIOD` seconds, and ends the wait, by raising `Abandoned` in
        the waiting thread (the main thread only: a signal interrupts its
        blocking calls), as soon as it cannot end well:

        * standard output is a pipe whose reader has gone (`| head -1` after
          its line): the error is a `BrokenPipeError`, as the next write's;
        * `guard()`, called now and then every `STATUS_PERIOD` seconds, raises:
          the error is what it raised.

        Args:
          describe: what the wait is for, or None at its end. An empty
            description shows nothing: a wait while commands write on the
            terminal (`watch --jobs`) is still watched over.
          guard: what must hold for the wait to go on; raises when it no
            longer does.

        Raises:
          Exception: at the beginning of a wait, what `guard()` raises, or the
            `BrokenPipeError` of a reader gone since the last wait.
        """
        if describe is None:
            with self._cleared():
                self._describe = self._guard = self._ending = None
                self._waiting = False
            return
        if guard is not None:
            guard()
        with self._cleared():
            if self._lasting is not None:
                raise self._lasting
            self._describe, self._guard = describe, guard
            self._waiting = True
            self._paint()
        if self._live or self._stdout_fd is not None or guard is not None:
            self._start()

    def forget_repeats(self) -> None:
        """Lets log lines already shown be shown again (called at each checkpoint)."""
        self._log_lines.seen.clear()

    def close(self) -> None:
        """Stops the thread, clears the status line, detaches the log handler, restores levels."""
        self.show_status(None)
        if self._thread is not None and self._wake is not None:
            os.write(self._wake[1], b"x")
            try:
                self._thread.join()
            except RuntimeError:
                # Its start() was interrupted (a signal's exception) before it ran:
                # it will find the byte at once, in a pipe left open for it.
                pass
            else:
                for fd in self._wake:
                    os.close(fd)
        if signal.getsignal(signal.SIGPIPE) == self._interrupt:
            previous = self._previous_sigpipe
            # None: a handler not set from Python; SIG_IGN is what Python sets.
            signal.signal(signal.SIGPIPE, signal.SIG_IGN if previous is None else previous)
        logging.getLogger().removeHandler(self._log_lines)
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)

    def _start(self) -> None:
        """Starts the console's thread, once; lets it interrupt the main thread if this is it."""
        if self._thread is not None:
            return
        if threading.current_thread() is threading.main_thread() and hasattr(
            signal, "pthread_kill"
        ):
            # SIGPIPE, which Python ignores: no signal a user sends is taken over,
            # and a write to a closed pipe still raises BrokenPipeError.
            self._previous_sigpipe = signal.signal(signal.SIGPIPE, self._interrupt)
            self._main = threading.get_ident()
        self._wake = os.pipe()
        self._thread = threading.Thread(target=self._watch_over, name="console", daemon=True)
        self._thread.start()  # `_thread` first: close() must know of it even if this is interrupted

    def _interrupt(self, signum: int, frame: FrameType | None) -> None:
        """SIGPIPE's handler in the main thread: ends the wait if it must end."""
        error = self._ending
        if error is not None and self._waiting:
            self._waiting = False
            raise Abandoned(error)

    def _watch_over(self) -> None:
        import select

        assert self._wake is not None
        poller = select.poll()
        poller.register(self._wake[0], select.POLLIN)
        if self._stdout_fd is not None:
            # No event asked for: POLLERR (a pipe) or POLLHUP (a socket) come
            # unasked when the reader has gone, without a write to find out.
            poller.register(self._stdout_fd, 0)
        while True:
            events = dict(poller.poll(STATUS_PERIOD * 1000))
            if self._wake[0] in events:
                return
            if self._stdout_fd in events:
                poller.unregister(self._stdout_fd)
                self._abandon(BrokenPipeError(32, "standard output's reader has gone"))
            guard = self._guard
            if guard is not None:
                try:
                    guard()
                except Exception as e:
                    self._abandon(e, lasting=False)
            with self._lock:
                self._paint()

    def _abandon(self, error: Exception, lasting: bool = True) -> None:
        """Ends the current wait with `error`; a `lasting` one also ends every later wait.

        A guard's finding is not lasting: the next wait calls the guard again.
        """
        with self._lock:
            if lasting and self._lasting is None:
                self._lasting = error
            if self._waiting and self._ending is None:
                self._ending = error
                if self._main is not None:
                    signal.pthread_kill(self._main, signal.SIGPIPE)

    @contextlib.contextmanager
    def _cleared(self) -> Iterator[None]:
        with self._lock:
            if self._painted:
                _write_stderr("\r" + _ERASE_BELOW)
                self._painted = False
            yield

    def _paint(self) -> None:  # with the lock held
        if not self._live or self._describe is None:
            return
        try:
            text = _fit(self._describe(), _terminal_width())
        except Exception:  # a status line is not worth a traceback, nor ending the watch
            self._live = False
            return
        if not text:
            return
        # The cursor is left at the start of the line: what the terminal echoes
        # (`^C`, a key pressed) then overwrites the status line instead of
        # wrapping past its end, and the next clear erases it all.
        # Painted before it is: a Ctrl-C's exception raised within the write
        # (the main thread paints too) must still leave it to be cleared.
        self._painted = True
        self._live = self._painted = _write_stderr(f"\r{text}{_ERASE_BELOW}\r")


def _write_stderr(text: str) -> bool:
    """Writes `text` on standard error; False if it is closed or fails."""
    if sys.stderr is None:  # closed (`2>&-`)
        return False
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        return False
    return True


def _status_line_wanted() -> bool:
    """Whether standard error gets a live status line.

    Only on a terminal that can move back and erase: not `TERM=dumb` (nor no
    TERM at all). And not when standard output is a pipe: its reader (`| jq`,
    `| cat`) may write on the same terminal, at moments the console cannot
    know, in the middle of the status line, which would then be left on the
    screen among the results.
    """
    stderr = sys.stderr
    if stderr is None or not stderr.isatty():
        return False
    if os.environ.get("TERM", "dumb") in ("", "dumb"):
        return False
    return _pipe_descriptor(sys.stdout) is None


def _pipe_descriptor(stream: TextIO | None) -> int | None:
    """The descriptor of `stream` if it is a pipe or a socket, else None."""
    if stream is None:  # closed (`>&-`)
        return None
    try:
        fd = stream.fileno()
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError):  # a stream a host program put in place, without a descriptor
        return None
    return fd if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) else None


def _terminal_width() -> int:
    try:
        columns = os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError):
        columns = 0
    return columns or 80  # 0: a terminal that does not say (a new pseudo-terminal)


def _fit(text: str, columns: int) -> str:
    """`text` as it shows on the terminal in fewer than `columns` columns, cut at the end.

    One column short of the width: a line that wraps cannot be repainted in
    place. Control and format characters (an escape or a newline in a path)
    are shown escaped, as `ascii()` writes them, and so are characters standard
    error's encoding lacks (as its `backslashreplace` would); a wide character
    takes two columns, a combining one none.
    """
    import unicodedata

    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    shown: list[str] = []
    width = 0
    for char in text:
        piece = char
        if not char.isprintable() or not _encodable(char, encoding):
            piece = ascii(char)[1:-1]
        for part in piece:
            if unicodedata.combining(part):
                columns_taken = 0
            elif unicodedata.east_asian_width(part) in ("W", "F"):
                columns_taken = 2
            else:
                columns_taken = 1
            if width + columns_taken > columns - 1:
                return "".join(shown)
            shown.append(part)
            width += columns_taken
    return "".join(shown)


def _encodable(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


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
