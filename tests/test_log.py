"""Where the package's log records say they come from: its own function, never its caller.

TensorFlow's records name TensorFlow's function and line (`checkpoint_utils.py:168]`
in its format and in absl's); the package's name the package's (`_loop.py:117]`),
however the `tensorflow` logger finds callers: the stdlib's way, absl's, or the
one TensorFlow installs on it (compat_tests/test_log_compat.py runs the real one).
"""

from __future__ import annotations

import inspect
import logging
import os
import re
import subprocess
import sys
import types

import absl.logging
import pytest

import tf_ckpt_compat
from tf_ckpt_compat import _loop, _pure

MISSING_STATE = 'model_checkpoint_path: "model.ckpt-1"\n'  # a state file naming missing files


def log_call_line(function: types.FunctionType, msg: str) -> int:
    """The line of `function`'s source file with its log call of format string `msg`."""
    lines, first = inspect.getsourcelines(function)
    [index] = [i for i, line in enumerate(lines) if f'"{msg}"' in line]
    return first + index


# (function that logs, format string) for the records of one
# checkpoints_iterator(timeout=0) over a state file naming missing files (loop C).
EXPECTED = [
    (_loop.wait_for_new_checkpoint, "Waiting for new checkpoint at %s"),
    (_pure.latest_checkpoint, "Couldn't match files for checkpoint %s"),
    (_loop._loop_since_2_20, "Timed-out waiting for a checkpoint (without timeout_fn)."),
]


def expected_origins() -> list[tuple[str, str, str, int]]:
    """(pathname, filename, funcName, lineno) of each record of EXPECTED."""
    origins = []
    for function, msg in EXPECTED:
        path = function.__code__.co_filename
        origins.append(
            (path, os.path.basename(path), function.__name__, log_call_line(function, msg))
        )
    return origins


def find_caller_as_tensorflow(
    stack_info: bool = False, stacklevel: int = 1
) -> tuple[str, int, str, None]:
    """Finds callers as TensorFlow's `get_logger()` makes the `tensorflow` logger do.

    TensorFlow sets this on the logger object, in place of `Logger.findCaller`:
    it ignores `stacklevel`, takes the frame that called the logger's method,
    then the first frame of another file (skipping TensorFlow's logging helpers).
    """
    frame = sys._getframe(3)  # 0: here, 1: Logger._log, 2: Logger.<level>, 3: its caller
    helpers = frame.f_code.co_filename
    while frame.f_code.co_filename == helpers:
        frame = frame.f_back
    return frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name, None


@pytest.fixture(params=["logging", "absl", "tensorflow"])
def tensorflow_logger(request, monkeypatch, caplog) -> logging.Logger:
    """The `tensorflow` logger at INFO, finding callers as the stdlib, absl or TensorFlow does."""
    logger = logging.getLogger("tensorflow")
    if request.param == "absl":
        # What `logging.setLoggerClass(absl.logging.ABSLLogger)` before the
        # logger's creation gives it.
        find_caller = types.MethodType(absl.logging.ABSLLogger.findCaller, logger)
        monkeypatch.setitem(vars(logger), "findCaller", find_caller)
    elif request.param == "tensorflow":
        monkeypatch.setitem(vars(logger), "findCaller", find_caller_as_tensorflow)
    caplog.set_level(logging.INFO, logger="tensorflow")
    return logger


def test_records_name_the_function_that_logs(tensorflow_logger, caplog, tmp_path):
    (tmp_path / "checkpoint").write_text(MISSING_STATE)
    assert list(tf_ckpt_compat.checkpoints_iterator(tmp_path, timeout=0)) == []
    origins = [(r.pathname, r.filename, r.funcName, r.lineno) for r in caplog.records]
    assert origins == expected_origins()
    assert [r.module for r in caplog.records] == ["_loop", "_pure", "_loop"]
    assert all(r.pathname != __file__ for r in caplog.records)


def test_latest_checkpoint_names_itself(tensorflow_logger, caplog, tmp_path):
    (tmp_path / "checkpoint").write_text(MISSING_STATE)
    assert tf_ckpt_compat.latest_checkpoint(tmp_path) is None
    [record] = caplog.records
    assert (record.filename, record.funcName, record.levelname) == (
        "_pure.py",
        "latest_checkpoint",
        "ERROR",
    )
    assert record.lineno == log_call_line(_pure.latest_checkpoint, record.msg)
    assert record.getMessage() == f"Couldn't match files for checkpoint {tmp_path}/model.ckpt-1"


def test_levels_and_disabling_are_the_loggers(caplog, tmp_path):
    # Below the logger's level, or with logging.disable, no record is made at all.
    (tmp_path / "checkpoint").write_text(MISSING_STATE)
    caplog.set_level(logging.WARNING, logger="tensorflow")
    list(tf_ckpt_compat.checkpoints_iterator(tmp_path, timeout=0))
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    caplog.clear()
    logging.disable(logging.ERROR)
    try:
        list(tf_ckpt_compat.checkpoints_iterator(tmp_path, timeout=0))
    finally:
        logging.disable(logging.NOTSET)
    assert caplog.records == []


CALLER = """\
import logging, sys
import absl.logging
if sys.argv[2] == "absl-logger":
    logging.setLoggerClass(absl.logging.ABSLLogger)  # the `tensorflow` logger is one
absl.logging.use_absl_handler()
logging.getLogger("tensorflow").setLevel(logging.INFO)
import tf_ckpt_compat
list(tf_ckpt_compat.checkpoints_iterator(sys.argv[1], timeout=0))
print(type(logging.getLogger("tensorflow")).__name__)
"""


@pytest.mark.parametrize("logger_class", ["logging", "absl-logger"])
def test_absl_handler_prints_the_functions_file_and_line(tmp_path, logger_class):
    # A program of its own: absl's handler replaces the root logger's stderr handlers.
    caller = tmp_path / "caller.py"
    caller.write_text(CALLER)
    (tmp_path / "checkpoint").write_text(MISSING_STATE)
    env = {**os.environ, "TF_CKPT_COMPAT_BACKEND": "pure"}
    env.pop("TF_CKPT_COMPAT_TF_VERSION", None)
    run = subprocess.run(
        [sys.executable, str(caller), str(tmp_path), logger_class],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert run.stdout.strip() == ("ABSLLogger" if logger_class == "absl-logger" else "Logger")
    # absl's prefix: <level><mmdd> <time> <thread> <file>:<line>] <message>
    printed = re.findall(r"^[IWE]\d{4} \S+ +\d+ (\S+):(\d+)\] ", run.stderr, re.MULTILINE)
    expected = [(filename, str(line)) for _, filename, _, line in expected_origins()]
    assert printed == expected, run.stderr


def test_import_does_not_import_logging():
    # Logging is imported on the first record: a cold `import tf_ckpt_compat` skips it.
    code = "import sys, tf_ckpt_compat; assert 'logging' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
