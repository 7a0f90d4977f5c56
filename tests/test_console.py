"""The command line's Console, in process: its waits, its status text, the logging it puts back."""

from __future__ import annotations

import io
import logging
import os
import pty
import re
import signal
import sys
import threading
import time

import pytest

from tf_ckpt_compat._console import Abandoned, Console, _fit

WAIT = 20  # seconds: a wait that the console must end much sooner

NAMES = ("tensorflow", "tf_ckpt_compat")


@pytest.fixture
def loggers() -> list[logging.Logger]:
    """The two loggers Console configures, their levels restored after the test."""
    loggers = [logging.getLogger(name) for name in NAMES]
    levels = [logger.level for logger in loggers]
    yield loggers
    for logger, level in zip(loggers, levels):
        logger.setLevel(level)


@pytest.mark.parametrize("verbose", [False, True])
@pytest.mark.parametrize(
    "before", [(logging.NOTSET, logging.ERROR), (logging.DEBUG, logging.NOTSET)]
)
def test_close_restores_the_levels_it_changed(
    loggers: list[logging.Logger], verbose: bool, before: tuple[int, int]
) -> None:
    for logger, level in zip(loggers, before):
        logger.setLevel(level)
    console = Console(verbose)
    during = logging.INFO if verbose else logging.WARNING
    assert [logger.level for logger in loggers] == [during, during]
    console.close()
    assert [logger.level for logger in loggers] == list(before)
    # NOTSET again means the root logger's level decides, as before.
    unset = next(logger for logger, level in zip(loggers, before) if level == logging.NOTSET)
    assert unset.getEffectiveLevel() == logging.getLogger().getEffectiveLevel()
    assert console._log_lines not in logging.getLogger().handlers


def test_a_failing_guard_ends_the_main_threads_wait() -> None:
    # The wait is a blocking call in the library (the iterator's sleep, a FIFO's
    # open): only a signal gets the main thread out of it.
    failing = threading.Event()

    def guard() -> None:
        if failing.is_set():
            raise RuntimeError("the state file is now a FIFO")

    console = Console(False)
    try:
        console.show_status(lambda: "waiting", guard)
        failing.set()
        with pytest.raises(Abandoned) as ended:
            time.sleep(WAIT)
        assert str(ended.value.error) == "the state file is now a FIFO"
        console.show_status(None)
        with pytest.raises(RuntimeError):  # the next wait checks first
            console.show_status(lambda: "waiting", guard)
    finally:
        console.close()
    assert signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN  # as Python sets it


def test_a_guards_finding_after_its_wait_has_ended_is_forgotten() -> None:
    # The console's thread may find the guard failing just as the wait ends:
    # the next wait checks again, rather than end on a finding that may be stale.
    console = Console(False)
    try:
        console.show_status(lambda: "waiting", lambda: None)
        console.show_status(None)
        console._abandon(RuntimeError("gone for a moment"), lasting=False)
        console.show_status(lambda: "waiting", lambda: None)
        assert console._ending is None
        console.show_status(None)
        console._abandon(BrokenPipeError(), lasting=True)  # a reader gone does not come back
        with pytest.raises(BrokenPipeError):
            console.show_status(lambda: "waiting")
    finally:
        console.close()


@pytest.mark.parametrize(
    "text, columns, encoding, shown",
    [
        ("abcdef", 4, "utf-8", "abc"),  # one column short of the width
        ("\u65e5\u672c/x", 6, "utf-8", "\u65e5\u672c/"),  # two columns each
        ("\u65e5\u672c/x", 5, "utf-8", "\u65e5\u672c"),
        ("e\u0301x", 3, "utf-8", "e\u0301x"),  # a combining accent takes none
        ("a\x1b[2Jb\nc", 80, "utf-8", "a\\x1b[2Jb\\nc"),  # no control reaches the terminal
        ("\u65e5", 80, "latin-1", "\\u65e5"),  # as backslashreplace writes it
        ("a\udcffb", 80, "utf-8", "a\\udcffb"),  # an undecodable byte of a path
    ],
)
def test_the_status_text_fits_the_terminal(
    monkeypatch: pytest.MonkeyPatch, text: str, columns: int, encoding: str, shown: str
) -> None:
    monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(io.BytesIO(), encoding=encoding))
    assert _fit(text, columns) == shown


def test_an_empty_description_shows_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # `watch --jobs` waits while its commands write on the terminal: no status line.
    controller, terminal = pty.openpty()
    monkeypatch.setenv("TERM", "xterm")
    with open(terminal, "w") as stderr:
        monkeypatch.setattr(sys, "stderr", stderr)
        console = Console(False)
        try:
            console.show_status(lambda: "")
            console.show_status(None)
            console.show_status(lambda: "waiting")
            console.show_status(None)
        finally:
            console.close()
    shown = os.read(controller, 4096)
    os.close(controller)
    assert re.fullmatch(rb"(\rwaiting\x1b\[J\r)+\r\x1b\[J", shown)  # repainted, if slow
