"""The `tensorflow` logger, on which this package logs what TensorFlow logs.

`logging` is imported on the first record, not at `import tf_ckpt_compat`: in a
cold process it costs more than the rest of the package together, and a
`latest_checkpoint` that finds its checkpoint logs nothing.

As TensorFlow's records name TensorFlow's function (`checkpoint_utils.py:168]`
in its format and in absl's), each record here names the function of this
package that logs it (`_loop.py:117]`), never its caller's.
"""

from __future__ import annotations

import sys

# logging.INFO, WARNING and ERROR: fixed values of the logging API, spelled out
# so that no level costs the import of `logging`.
_INFO = 20
_WARNING = 30
_ERROR = 40


class _TensorFlowLogger:
    """Logs on the `tensorflow` logger, as `tf.compat.v1.logging` does."""

    __slots__ = ()

    def info(self, msg: str, *args: object) -> None:
        """Logs `msg % args` at INFO."""
        _log(_INFO, msg, args)

    def warning(self, msg: str, *args: object) -> None:
        """Logs `msg % args` at WARNING."""
        _log(_WARNING, msg, args)

    def error(self, msg: str, *args: object) -> None:
        """Logs `msg % args` at ERROR."""
        _log(_ERROR, msg, args)


def _log(level: int, msg: str, args: tuple[object, ...]) -> None:
    import logging

    logger = logging.getLogger("tensorflow")
    if not logger.isEnabledFor(level):
        return
    # The record is made here, naming the frame that called info/warning/error,
    # not by Logger.info & co., which ask the logger's findCaller: that depends
    # on who set the logger up. TensorFlow's first log line replaces it, on this
    # very logger, with one that ignores `stacklevel` and names the first frame
    # outside the logging call's file: for a record of _pure.py, _management.py;
    # for one of _loop.py, the caller's loop. absl's ABSLLogger and the stdlib's
    # have rules of their own.
    frame = sys._getframe(2)  # 0: _log, 1: info/warning/error, 2: the function that logs
    code = frame.f_code
    record = logger.makeRecord(
        logger.name, level, code.co_filename, frame.f_lineno, msg, args, None, code.co_name
    )
    logger.handle(record)


LOG = _TensorFlowLogger()
