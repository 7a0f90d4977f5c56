"""Where log records say they come from, beside TensorFlow's: the function that logs them.

TensorFlow's records name TensorFlow's function and line (`checkpoint_utils.py:168]`),
through the caller-finding that `tf.get_logger()` installs on the `tensorflow`
logger. The package's records go through that same logger and must name the
package's function (`_loop.py`, `_pure.py`), or TensorFlow's where the
tensorflow backend calls TensorFlow (`checkpoint_management.py`).
"""

from __future__ import annotations

import linecache
import logging

import absl.logging
import pytest

import tf_ckpt_compat

MISSING_STATE = 'model_checkpoint_path: "model.ckpt-1"\n'  # a state file naming missing files


@pytest.fixture
def absl_handler(tf) -> logging.Handler:
    """absl's handler on the root logger, as `absl.app.run` installs it; the root put back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    absl.logging.use_absl_handler()
    yield absl.logging.get_absl_handler()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.fixture
def records(tf, caplog, absl_handler) -> pytest.LogCaptureFixture:
    """The `tensorflow` logger's records at INFO, the logger set up as TensorFlow sets it up."""
    tf.get_logger()  # what TensorFlow's first log line does: its findCaller on the logger
    caplog.set_level(logging.INFO, logger="tensorflow")
    return caplog


def collect(iterator, caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.clear()
    assert list(iterator) == []
    return list(caplog.records)


def origins(records: list[logging.LogRecord]) -> list[tuple[str, str]]:
    return [(record.filename, record.funcName) for record in records]


def test_records_name_the_function_that_logs_as_tensorflows_do(
    tf, backend, records, absl_handler, tmp_path
):
    (tmp_path / "checkpoint").write_text(MISSING_STATE)
    directory = str(tmp_path)
    theirs = collect(tf.train.checkpoints_iterator(directory, timeout=0), records)
    ours = collect(tf_ckpt_compat.checkpoints_iterator(directory, timeout=0), records)

    assert [(r.levelname, r.getMessage()) for r in ours] == [
        (r.levelname, r.getMessage()) for r in theirs
    ]
    assert origins(theirs) == [
        ("checkpoint_utils.py", "wait_for_new_checkpoint"),
        ("checkpoint_management.py", "latest_checkpoint"),
        ("checkpoint_utils.py", "checkpoints_iterator"),
    ]
    reader = "checkpoint_management.py" if backend == "tensorflow" else "_pure.py"
    loop = "_loop_since_2_20" if tf_ckpt_compat.loop_variant() == "C" else "_loop_until_2_19"
    assert origins(ours) == [
        ("_loop.py", "wait_for_new_checkpoint"),
        (reader, "latest_checkpoint"),
        ("_loop.py", loop),
    ]
    for record in theirs + ours:
        assert record.pathname != __file__
        # The line named is the log call itself...
        call = linecache.getline(record.pathname, record.lineno)
        assert record.msg.split("%")[0].strip() in call, (record.pathname, record.lineno)
        # ...and absl's handler prints it, as TensorFlow's formatter does.
        assert f" {record.filename}:{record.lineno}] " in absl_handler.format(record)
