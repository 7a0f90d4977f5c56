"""The `fake_clock` pytest fixture, registered through the `pytest11` entry point."""

from __future__ import annotations

import pytest

from .testing import FakeClock

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def fake_clock() -> Iterator[FakeClock]:
    """A `tf_ckpt_compat.testing.FakeClock` over `time.time`/`time.sleep` for one test.

    It starts at 0 and has no limit; schedule events with `fake_clock.at(t, fn)`.
    """
    with FakeClock() as clock:
        yield clock
