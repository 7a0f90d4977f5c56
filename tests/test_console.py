"""The command line's Console, in process: what it changes in the host's logging it puts back."""

from __future__ import annotations

import logging

import pytest

from tf_ckpt_compat._console import Console

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
