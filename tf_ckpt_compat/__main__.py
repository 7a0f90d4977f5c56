"""The `tf-ckpt-compat` command line's entry point, also `python -m tf_ckpt_compat`.

Tiny on purpose: Ctrl-C and SIGTERM are handled from here on, before the
command line's imports, which take tens of milliseconds. An interrupt during
them, or at any moment the command line has not planned for, ends the process
as `_cli.main` does (130 or 143), with no traceback.
"""

import signal
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType


def _exit_quietly(signum: int, frame: "FrameType | None") -> None:
    # SystemExit: `finally` blocks still run, and Python prints nothing for it.
    raise SystemExit(128 + signum)


def main() -> int:
    """Runs the command line on `sys.argv[1:]`; returns its exit status."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        # An ignored signal (a background job's SIGINT) stays ignored, as Python leaves it.
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _exit_quietly)
    from ._cli import main as run

    return run()


if __name__ == "__main__":
    sys.exit(main())
