"""The command line's exit statuses: each written once, with the table `--help` prints."""

from __future__ import annotations

EXIT_OK = 0
EXIT_NOT_FOUND = 1  # no checkpoint, or a state file that cannot be used
EXIT_USAGE = 2  # bad arguments or environment
EXIT_NOT_EXECUTABLE = 126  # the shell's codes, as env(1), xargs(1) and timeout(1) use them
EXIT_COMMAND_NOT_FOUND = 127
EXIT_OUTPUT = 74  # sysexits.h's EX_IOERR: the results could not be written
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a Unix tool killed by `| head` reports
EXIT_TERMINATED = 143  # 128 + SIGTERM

# (statuses, meaning): the `--help` epilog, and what the README's table is checked against.
TABLE = (
    (
        "0",
        "success; for watch and demo, the iterator ended (--timeout passed, or --count "
        "reached); for migrate --check, no file would change",
    ),
    (
        "1",
        "no checkpoint (latest), no valid state (state), a state file that is not a regular "
        "file or cannot be read; for watch without --every, a state file TensorFlow's iterator "
        "raises on (empty, no model_checkpoint_path, not UTF-8; one that does not parse is "
        "only warned about, and the watch goes on, as TensorFlow's), a checkpoint that "
        "cannot be read (inspect, export) or holds tensors OUT's format cannot (export), a "
        "conformance case that differs from TensorFlow, or for migrate a file that cannot be "
        "read, parsed or written, or with --check one that would change",
    ),
    (
        "2",
        "bad arguments or environment (e.g. DIR is a file, TF_CKPT_COMPAT_BACKEND, no "
        "installed package serves DIR's scheme, such as s3:// without s3fs, or export's OUT "
        "exists without --force or needs a package not installed)",
    ),
    (
        "74",
        "standard output (or export's OUT) could not be written: closed, full, an I/O error, "
        "or a path its encoding cannot represent",
    ),
    ("126", "the --exec command is not executable"),
    ("127", "the --exec command was not found"),
    ("130", "interrupted (Ctrl-C)"),
    ("141", "output pipe closed"),
    ("143", "terminated (SIGTERM)"),
    ("N", "with --stop-on-error, the failed command's status (128+signal if killed)"),
)


def help_epilog() -> str:
    """The exit-status table, as the epilog of every `--help`."""
    import textwrap

    rows = (
        textwrap.fill(meaning, width=79, initial_indent=f"  {status:<5}", subsequent_indent=" " * 7)
        for status, meaning in TABLE
    )
    return "\n".join(["exit status:", *rows]) + "\n"


class CliError(Exception):
    """A failure reported as one line on standard error, ending with `status`."""

    def __init__(self, message: str, status: int = EXIT_NOT_FOUND) -> None:
        super().__init__(message)
        self.status = status
