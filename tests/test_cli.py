"""The `tf-ckpt-compat` command line, run for real: a subprocess per test, real directories.

Every run goes through `python -m tf_ckpt_compat` (one test also checks the
console script's entry point), with the pure backend and directories written by
the package's pure writer (`tf_ckpt_compat.testing.CheckpointDirectory`).
"""

from __future__ import annotations

import datetime
import errno
import fcntl
import json
import os
import pty
import queue
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

import tf_ckpt_compat
from tf_ckpt_compat import _cli
from tf_ckpt_compat._cli.exits import TABLE
from tf_ckpt_compat._storage.local import LocalFileSystem
from tf_ckpt_compat._watch.pins import PIN_DIRECTORY
from tf_ckpt_compat.testing import CheckpointDirectory

ROOT = Path(__file__).resolve().parents[1]
ENV = {
    # Without PYTHONUNBUFFERED: output reaches a pipe as it would for a user.
    **{
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TF_CKPT_") and k != "PYTHONUNBUFFERED"
    },
    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    "TF_CKPT_COMPAT_BACKEND": "pure",
}
COMMAND = [sys.executable, "-m", "tf_ckpt_compat"]
DEADLINE = 20  # seconds any single run may take before the test fails


def cli(
    *args: str, env: dict | None = None, redirection: str = "", command: list[str] = COMMAND
) -> subprocess.CompletedProcess:
    argv = [*command, *args]
    if redirection:  # by a shell, which can close or redirect the streams (`2>&-`)
        argv = ["sh", "-c", f'exec "$@" {redirection}', "sh", *argv]
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env={**ENV, **(env or {})},
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        timeout=DEADLINE,
    )


_started: list[subprocess.Popen] = []


def _default_signal_dispositions() -> None:
    # A suite started with SIGINT ignored (a script's background job, nohup)
    # passes that on, and Python then installs no KeyboardInterrupt handler:
    # the child gets the dispositions a terminal would give it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def start(*args: str, **kwargs) -> subprocess.Popen:
    """The command line in a child process, reaped at the end of the test whatever happens."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    proc = subprocess.Popen(
        [*COMMAND, *args],
        text=True,
        env={**ENV, **kwargs.pop("env", {})},
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        preexec_fn=_default_signal_dispositions,
        **kwargs,
    )
    _started.append(proc)
    return proc


@pytest.fixture(autouse=True)
def _reap_children():
    yield
    while _started:
        proc = _started.pop()
        if proc.poll() is None:
            proc.kill()
        proc.wait()


class Lines:
    """The lines of a subprocess's pipe, read by a thread, with a timeout on each."""

    def __init__(self, stream) -> None:
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def next(self, timeout: float = 10) -> str | None:
        return self._queue.get(timeout=timeout)

    def rest(self) -> str:
        lines = []
        while (line := self.next()) is not None:
            lines.append(line)
        return "".join(lines)


def assert_one_line_error(result: subprocess.CompletedProcess, status: int) -> None:
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("tf-ckpt-compat: error: ")
    assert len(result.stderr.splitlines()) == 1, result.stderr


@pytest.fixture
def run(tmp_path) -> CheckpointDirectory:
    """A run directory with checkpoints 1 and 2 published."""
    directory = CheckpointDirectory(tmp_path / "run")
    directory.publish(1)
    directory.publish(2)
    return directory


# --- help, version, entry points ---------------------------------------------------


def test_version():
    result = cli("--version")
    assert (result.returncode, result.stdout) == (
        0,
        f"tf-ckpt-compat {tf_ckpt_compat.__version__}\n",
    )


@pytest.mark.parametrize("command", [[], ["watch"], ["latest"], ["state"], ["demo"]])
def test_help_on_every_command_lists_the_exit_codes(command):
    result = cli(*command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: {' '.join(['tf-ckpt-compat', *command])}")
    assert "exit status:" in result.stdout
    assert "130" in result.stdout
    assert result.stderr == ""


# Each command, with its positional arguments.
COMMANDS = {
    "watch": ["DIR"],
    "latest": ["DIR"],
    "state": ["DIR"],
    "inspect": ["PATH"],
    "export": ["PATH", "OUT.npz"],
    "demo": [],
    "conformance": [],
    "migrate": ["PATH"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_commands_errors_point_at_its_own_help(command):
    # Unknown arguments too, which argparse leaves to the top-level parser.
    result = cli(command, *COMMANDS[command], "--no-such-option")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "tf-ckpt-compat: error: unrecognized arguments: --no-such-option "
        f"(see tf-ckpt-compat {command} --help)\n"
    )


def test_an_unknown_option_before_the_command_points_at_the_top_level_help(run):
    result = cli("--no-such-option", "latest", run.directory)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.endswith("(see tf-ckpt-compat --help)\n")


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_before_or_after_the_command(run, where):
    args = ["watch", run.directory, "--timeout", "0"]
    result = cli(*(["-v", *args] if where == "before" else [*args, "-v"]))
    assert (result.returncode, result.stdout) == (0, run.prefix(2) + "\n")
    assert f"info: Found new checkpoint at {run.prefix(2)}\n" in result.stderr


def test_console_script_entry_point_runs_the_same_command_line(run):
    pyproject = (ROOT / "pyproject.toml").read_text()
    module, function = re.search(
        r'^tf-ckpt-compat = "([\w.]+):(\w+)"$', pyproject, re.MULTILINE
    ).groups()
    script = f"import sys; from {module} import {function}; sys.exit({function}())"
    result = subprocess.run(
        [sys.executable, "-c", script, "latest", run.directory],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=DEADLINE,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, run.prefix(2) + "\n", "")


# --- latest ------------------------------------------------------------------------


def test_latest_prints_the_latest_checkpoint(run):
    result = cli("latest", run.directory)
    assert (result.returncode, result.stdout, result.stderr) == (0, run.prefix(2) + "\n", "")


def test_latest_with_another_state_file_name(tmp_path):
    prefix = CheckpointDirectory(tmp_path).write_files(7)
    tf_ckpt_compat.update_checkpoint_state(str(tmp_path), prefix, latest_filename="eval_state")
    assert cli("latest", str(tmp_path), "--latest-filename", "eval_state").stdout == prefix + "\n"
    assert_one_line_error(cli("latest", str(tmp_path)), 1)


def test_latest_without_checkpoint_exits_1(tmp_path):
    result = cli("latest", str(tmp_path))
    assert_one_line_error(result, 1)
    assert str(tmp_path) in result.stderr
    assert result.stdout == ""


def test_latest_in_a_missing_directory_exits_1(tmp_path):
    result = cli("latest", str(tmp_path / "not-yet"))
    assert_one_line_error(result, 1)
    assert "no such directory" in result.stderr


@pytest.mark.parametrize("step, expected", [(7, 7), ("final", None)])
def test_latest_json(tmp_path, step, expected):
    run = CheckpointDirectory(tmp_path)
    run.publish(step)
    result = cli("latest", run.directory, "--format", "json")
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout) == {
        "path": run.prefix(step),
        "run": run.directory,
        "step": expected,
        "backend": "pure",
    }


# A state file the library would block on (a FIFO) or read as empty (a device).
NOT_REGULAR = {
    "fifo": (lambda path: os.mkfifo(path), "a FIFO (named pipe)"),
    "directory": (lambda path: os.mkdir(path), "a directory"),
    "device": (lambda path: os.symlink(os.devnull, path), "a character device"),
}


@pytest.mark.parametrize("command", ["latest", "state"])
@pytest.mark.parametrize("kind", list(NOT_REGULAR))
def test_a_state_file_that_is_not_a_regular_file_is_refused(tmp_path, command, kind):
    make, described = NOT_REGULAR[kind]
    make(tmp_path / "checkpoint")
    result = cli(command, str(tmp_path))  # a FIFO: without the refusal, it never ends
    assert_one_line_error(result, 1)
    assert result.stderr == (
        f"tf-ckpt-compat: error: the state file {tmp_path}/checkpoint is not a regular file "
        f"but {described}\n"
    )


# Root reads any directory (CAP_DAC_READ_SEARCH, CAP_DAC_OVERRIDE), and CI runs as
# root: the command runs without those two capabilities, as any other user would.
WITHOUT_DAC_CAPABILITIES = [
    "setpriv",
    "--inh-caps=-dac_read_search,-dac_override",
    "--bounding-set=-dac_read_search,-dac_override",
]


@pytest.mark.parametrize(
    "mode, command, status, stderr",
    [
        (0o000, "latest", 1, "tf-ckpt-compat: error: cannot read the state file {state}: {denied}"),
        (0o000, "state", 1, "tf-ckpt-compat: error: cannot read the state file {state}: {denied}"),
        (0o300, "latest", 0, ""),  # the state file is reached by its name
        (0o300, "state", 0, "warning: cannot list {dir}: {denied} "
                            "(its checkpoints' files are not shown)"),
    ],
    ids=["unsearchable-latest", "unsearchable-state", "unlistable-latest", "unlistable-state"],
)  # fmt: skip
def test_a_directory_out_of_reach_is_said_so(tmp_path, mode, command, status, stderr):
    run = CheckpointDirectory(tmp_path / "run")
    run.publish(1)
    os.chmod(run.directory, mode)
    try:
        result = cli(command, run.directory, command=[*WITHOUT_DAC_CAPABILITIES, *COMMAND])
    finally:
        os.chmod(run.directory, 0o755)
    assert result.returncode == status, result.stderr
    state = os.path.join(run.directory, "checkpoint")
    denied = os.strerror(errno.EACCES)
    assert result.stderr.splitlines() == (
        [stderr.format(state=state, dir=run.directory, denied=denied)] if stderr else []
    )
    if command == "state" and status == 0:  # the library still says it exists
        assert "checkpoints     1 listed, 1 on disk (* = latest)" in result.stdout


# --- state -------------------------------------------------------------------------


def test_state_json_has_the_fields_and_the_files(run):
    run.publish(3)
    run.delete_files(1)
    result = cli("state", run.directory, "--format", "json")
    assert (result.returncode, result.stderr) == (0, "")
    report = json.loads(result.stdout)
    expected = tf_ckpt_compat.get_checkpoint_state(run.directory)
    assert report["model_checkpoint_path"] == expected.model_checkpoint_path == run.prefix(3)
    assert report["all_model_checkpoint_paths"] == expected.all_model_checkpoint_paths
    assert report["all_model_checkpoint_timestamps"] == expected.all_model_checkpoint_timestamps
    assert report["last_preserved_timestamp"] == expected.last_preserved_timestamp
    checkpoints = report["checkpoints"]
    assert [(c["path"], c["exists"]) for c in checkpoints] == [
        (run.prefix(1), False),
        (run.prefix(2), True),
        (run.prefix(3), True),
    ]
    assert checkpoints[0]["files"] == []
    files = checkpoints[2]["files"]
    names = ["model.ckpt-3.data-00000-of-00001", "model.ckpt-3.index"]
    assert [(f["name"], f["size"]) for f in files] == [
        (name, os.path.getsize(os.path.join(run.directory, name))) for name in names
    ]
    mtime = datetime.datetime.fromisoformat(files[1]["mtime"])
    assert mtime.tzinfo is not None
    assert abs(mtime.timestamp() - os.stat(run.prefix(3) + ".index").st_mtime) < 1


def test_state_text_lists_each_checkpoint_and_its_files(run):
    run.delete_files(1)
    result = cli("state", run.directory)
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert f"latest          {run.prefix(2)}" in lines
    assert "checkpoints     2 listed, 1 on disk (* = latest)" in lines
    first = next(line for line in lines if line.startswith(f"  {run.prefix(1)}  saved "))
    assert first.endswith("MISSING")
    second = next(line for line in lines if line.startswith(f"* {run.prefix(2)}  saved "))
    assert second.endswith("on disk")
    for name in ("model.ckpt-2.data-00000-of-00001", "model.ckpt-2.index"):
        size = os.path.getsize(os.path.join(run.directory, name))
        assert re.search(rf"^ +{size}  \S+  {re.escape(name)}$", result.stdout, re.M)


def _strict_json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_state_json_is_strict_json_with_non_finite_timestamps(tmp_path, capsys):
    run = CheckpointDirectory(tmp_path)
    run.write_files(1)
    run.write_state(
        f'model_checkpoint_path: "{run.prefix(1)}"\n'
        "all_model_checkpoint_timestamps: nan\n"
        "all_model_checkpoint_timestamps: inf\n"
        "all_model_checkpoint_timestamps: 1.5\n"
        "last_preserved_timestamp: -inf\n"
    )
    assert _cli.main(["state", str(tmp_path), "--format", "json"]) == 0
    report = _strict_json(capsys.readouterr().out)
    assert report["all_model_checkpoint_timestamps"] == ["NaN", "Infinity", 1.5]
    assert report["last_preserved_timestamp"] == "-Infinity"


def test_the_readme_lists_the_exit_statuses_of_the_help():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([0-9N, ]+) \| ", readme, re.M)
    assert {status for row in rows for status in row.split(", ")} == {s for s, _ in TABLE}


def test_state_lists_each_directory_once(tmp_path, monkeypatch, capsys):
    # One listing for all the checkpoints of a directory, not one per checkpoint:
    # 1,000 listed in a directory of 10,000 files took tens of seconds that way.
    run = CheckpointDirectory(tmp_path / "run")
    for step in range(1, 41):
        run.publish(step)
    (tmp_path / "run" / "model.ckpt-1-extra.index").write_bytes(b"")  # not checkpoint 1's
    scanned: list[str] = []
    checked: list[str] = []
    original_scan, original_exists = LocalFileSystem.scan, LocalFileSystem.exists

    def scan(self: LocalFileSystem, path: str) -> list:
        scanned.append(path)
        return original_scan(self, path)

    def exists(self: LocalFileSystem, path: str) -> bool:
        checked.append(path)
        return original_exists(self, path)

    monkeypatch.setattr(LocalFileSystem, "scan", scan)
    monkeypatch.setattr(LocalFileSystem, "exists", exists)
    assert _cli.main(["state", run.directory, "--format", "json"]) == 0
    assert scanned == [run.directory]
    # Nor an existence check per checkpoint: a state file of tens of MB (600,000
    # checkpoints listed) took over 15 s that way. The listing answers.
    assert checked == [os.path.join(run.directory, "checkpoint")]
    checkpoints = json.loads(capsys.readouterr().out)["checkpoints"]
    assert len(checkpoints) == 40
    assert all(c["exists"] for c in checkpoints)
    assert [[f["name"] for f in c["files"]] for c in checkpoints[:2]] == [
        ["model.ckpt-1.data-00000-of-00001", "model.ckpt-1.index"],
        ["model.ckpt-2.data-00000-of-00001", "model.ckpt-2.index"],
    ]


def test_state_says_a_checkpoint_exists_as_the_library_does(tmp_path, capsys):
    run = CheckpointDirectory(tmp_path)
    run.write_files(1)
    names = {
        "model.ckpt-1": True,
        "gone": False,
        "v1-file": True,  # a V1 checkpoint: the prefix is the file
        "subdir": True,  # TensorFlow's FileExists is true for a directory
        "dangling": False,  # a symbolic link to nothing
        "ckpt-[1]": True,  # a glob: TensorFlow's pattern matches ckpt-1.index
        "model.ckpt-?": True,
    }
    (tmp_path / "v1-file").write_bytes(b"")
    (tmp_path / "subdir").mkdir()
    (tmp_path / "dangling.index").symlink_to(tmp_path / "nothing")
    (tmp_path / "ckpt-1.index").write_bytes(b"")
    state = "".join(f'all_model_checkpoint_paths: "{name}"\n' for name in names)
    run.write_state(f'model_checkpoint_path: "model.ckpt-1"\n{state}')
    assert _cli.main(["state", str(tmp_path), "--format", "json"]) == 0
    checkpoints = json.loads(capsys.readouterr().out)["checkpoints"]
    found = {os.path.basename(c["path"]): c["exists"] for c in checkpoints}
    assert found == {name: tf_ckpt_compat.checkpoint_exists(str(tmp_path / name)) for name in names}
    assert found == names


@pytest.mark.parametrize(
    "content, reason, warnings",
    [
        (None, "does not exist", 0),
        ("model_checkpoint_path: 'unclosed", "cannot read", 2),
        (b"", "has no model_checkpoint_path", 0),
        (b'model_checkpoint_path: "\xff"', "is not UTF-8", 0),
    ],
    ids=["missing", "unparseable", "empty", "not-utf8"],
)
def test_state_of_a_bad_state_file_exits_1_with_a_reason(tmp_path, content, reason, warnings):
    run = CheckpointDirectory(tmp_path)
    if content is not None:
        run.write_state(content)
    result = cli("state", str(tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    *warning_lines, error = result.stderr.splitlines()
    assert len(warning_lines) == warnings
    assert all(line.startswith("warning: ") for line in warning_lines)
    assert error.startswith("tf-ckpt-compat: error: ")
    assert reason in error
    assert result.stdout == ""


# --- watch -------------------------------------------------------------------------


def test_watch_text_prints_the_path_and_nothing_else(run):
    result = cli("watch", run.directory, "--timeout", "0")
    assert (result.returncode, result.stdout, result.stderr) == (0, run.prefix(2) + "\n", "")


@pytest.mark.parametrize("step, expected", [(42, 42), ("final", None)])
def test_watch_json(tmp_path, step, expected):
    run = CheckpointDirectory(tmp_path)
    run.publish(step)
    before = time.time()
    result = cli("watch", str(tmp_path), "--timeout", "0", "--format", "json")
    assert (result.returncode, result.stderr) == (0, "")
    [line] = result.stdout.splitlines()
    record = json.loads(line)
    assert record["path"] == run.prefix(step)
    assert record["step"] == expected
    assert record["backend"] == "pure"
    found = datetime.datetime.fromisoformat(record["time"])
    assert found.tzinfo is not None
    assert before - 1 <= found.timestamp() <= time.time()


def test_watch_waits_for_the_directory_and_follows_new_checkpoints(tmp_path):
    run = CheckpointDirectory(tmp_path / "not-yet")
    proc = start("watch", run.directory, "--timeout", "2.5", "-v")
    out, err = Lines(proc.stdout), Lines(proc.stderr)
    assert err.next() == f"info: Waiting for new checkpoint at {run.directory}\n"
    assert not os.path.exists(run.directory)
    run.publish(1)
    assert out.next() == run.prefix(1) + "\n"
    run.publish(2)
    assert out.next() == run.prefix(2) + "\n"
    assert proc.wait(DEADLINE) == 0
    assert out.rest() == ""
    assert "Traceback" not in err.rest()


def test_watch_ends_after_the_timeout_with_a_silent_stderr(tmp_path):
    # Long enough for a status line to be painted, were one painted off a terminal.
    started = time.monotonic()
    result = cli("watch", str(tmp_path / "not-yet"), "--timeout", "1.5")
    assert time.monotonic() - started >= 1
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_watch_shows_a_repeated_log_line_once(tmp_path):
    # The state names a checkpoint without files: each poll logs TensorFlow's ERROR.
    CheckpointDirectory(tmp_path).publish(1, files=False)
    result = cli("watch", str(tmp_path), "--timeout", "2.5")
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == f"error: Couldn't match files for checkpoint {tmp_path}/model.ckpt-1\n"


@pytest.mark.parametrize(
    "content, every, status, last_line",
    [
        ("model_checkpoint_path: 'unclosed", False, 0, "warning: {state}: Checkpoint ignored"),
        (b"", False, 1, "tf-ckpt-compat: error: Invalid checkpoint state loaded from {dir} "),
        (b'model_checkpoint_path: "\xff"', False, 1, "tf-ckpt-compat: error: {state} is not UTF-8"),
        (b"", True, 0, "warning: {state} is not ready (ValueError: no model_checkpoint_path)"),
    ],
    ids=["unparseable", "empty", "not-utf8", "empty-every"],
)  # fmt: skip
def test_watch_of_a_bad_state_file_goes_on_where_tensorflows_iterator_does(
    tmp_path, content, every, status, last_line
):
    # TensorFlow's iterator logs two warnings for a state file that does not
    # parse, and goes on; it raises for one that is empty or not UTF-8.
    CheckpointDirectory(tmp_path).write_state(content)
    result = cli("watch", str(tmp_path), "--timeout", "0", *(["--every"] if every else []))
    assert (result.returncode, result.stdout) == (status, "")
    assert "Traceback" not in result.stderr
    expected = last_line.format(state=tmp_path / "checkpoint", dir=tmp_path)
    assert result.stderr.splitlines()[-1].startswith(expected)


def test_watch_exec_substitutes_the_path_and_sets_the_environment(run):
    script = "import os, sys; print('ran', sys.argv[1], sys.argv[2], os.environ['TF_CKPT_PATH'])"
    result = cli(
        "watch", run.directory, "--timeout", "0", "--exec", sys.executable, "-c", script, "{}",
        "--ckpt={}",
    )  # fmt: skip
    path = run.prefix(2)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [path, f"ran {path} --ckpt={path} {path}"]


def test_watch_json_keeps_the_command_output_off_the_json_stream(run):
    script = "import sys; print('evaluated', sys.argv[1])"
    result = cli(
        "watch", run.directory, "--timeout", "0", "--format", "json",
        "--exec", sys.executable, "-c", script, "{}",
    )  # fmt: skip
    assert result.returncode == 0
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["path"] == run.prefix(2)
    assert result.stderr == f"evaluated {run.prefix(2)}\n"


@pytest.mark.parametrize(
    ("when", "every"),
    [("at-the-start", []), ("during-the-watch", []), ("at-the-start", ["--every", "--all"])],
)
def test_watch_refuses_a_state_file_that_becomes_a_fifo(tmp_path, when, every):
    # TensorFlow's iterator, and the library's, would block on it forever.
    run = CheckpointDirectory(tmp_path)
    run.publish(1)
    state = tmp_path / "checkpoint"
    if when == "at-the-start":
        state.unlink()
        os.mkfifo(state)
    proc = start("watch", str(tmp_path), *every)
    if when == "during-the-watch":
        assert proc.stdout.readline() == run.prefix(1) + "\n"
        state.unlink()
        os.mkfifo(state)
    assert proc.wait(DEADLINE) == 1
    assert proc.stderr.read() == (
        f"tf-ckpt-compat: error: the state file {state} is not a regular file but a FIFO "
        "(named pipe)\n"
    )


def test_watch_per_run_lets_several_commands_of_one_run_overlap(tmp_path):
    run = CheckpointDirectory(tmp_path / "run")
    for step in (1, 2, 3):
        run.publish(step)
    log = tmp_path / "log"
    result = cli(
        "watch", run.directory, "--every", "--all", "--timeout", "0.5", "--jobs", "3",
        "--per-run", "2", "--exec", "sh", "-c", 'echo start >> "$1"; sleep 0.5; echo end >> "$1"',
        "sh", str(log),
    )  # fmt: skip
    assert result.returncode == 0
    running, most = 0, 0
    for line in log.read_text().split():
        running += 1 if line == "start" else -1
        most = max(most, running)
    assert most == 2  # two of the run's three at once, never three
    assert [line.rsplit("-", 1)[1] for line in result.stdout.split()] == ["1", "2", "3"]


def test_watch_jobs_end_when_the_reader_of_their_output_goes(tmp_path):
    for name in ("a", "b"):
        CheckpointDirectory(tmp_path / "sweep" / name).publish(1)
    proc = start(
        "watch", str(tmp_path / "sweep" / "*"), "--many", "--all", "--jobs", "2",
        "--exec", "sleep", "60",
    )  # fmt: skip
    proc.stdout.readline()
    proc.stdout.close()  # `| head -1`: the commands outlive DEADLINE, the watch must not
    assert proc.wait(DEADLINE) == 141


def test_watch_reports_a_failed_command_and_goes_on(run):
    result = cli(
        "watch", run.directory, "--timeout", "0", "--exec", sys.executable, "-c", "exit(3)"
    )
    assert (result.returncode, result.stdout) == (0, run.prefix(2) + "\n")
    [line] = result.stderr.splitlines()
    assert line.startswith("warning: ")
    assert "status 3" in line
    assert run.prefix(2) in line


@pytest.mark.parametrize(
    "code, status",
    [("exit(3)", 3), ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", 137)],
    ids=["exit-3", "killed"],
)
def test_watch_stop_on_error_ends_with_the_command_status(run, code, status):
    # No --timeout: a watch that did not stop on the error would never end (cli's DEADLINE).
    result = cli("watch", run.directory, "--stop-on-error", "--exec", sys.executable, "-c", code)
    assert (result.returncode, result.stdout) == (status, run.prefix(2) + "\n")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_watch_ctrl_c_exits_130_without_traceback(tmp_path):
    proc = start("watch", str(tmp_path / "not-yet"), "-v")
    err = Lines(proc.stderr)
    assert err.next().startswith("info: Waiting for new checkpoint at ")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(DEADLINE) == 130
    assert "Traceback" not in err.rest()
    assert proc.stdout.read() == ""


# A command that says when it runs, then lives for as long as the process that started it.
_UNTIL_ORPHANED = """
import os, sys, time
parent = os.getppid()
print("command started", file=sys.stderr, flush=True)
while os.getppid() == parent:
    time.sleep(0.05)
"""


def test_ctrl_c_during_an_exec_command_exits_130(run):
    proc = start("watch", run.directory, "--exec", sys.executable, "-c", _UNTIL_ORPHANED)
    out, err = Lines(proc.stdout), Lines(proc.stderr)
    assert out.next() == run.prefix(2) + "\n"
    assert err.next() == "command started\n"  # Ctrl-C while the command runs
    proc.send_signal(signal.SIGINT)
    # The command outlives the watch unless it is ended: a watch that waited for it
    # would never end.
    assert proc.wait(DEADLINE) == 130
    assert "Traceback" not in err.rest()


# --- watch --every: tf_ckpt_compat.watch() ---------------------------------------------


def test_watch_every_all_prints_each_listed_checkpoint_pinned(run):
    result = cli("watch", run.directory, "--every", "--all", "--timeout", "0.5", "--format", "json")
    assert (result.returncode, result.stderr) == (0, "")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["listed_path"], r["step"]) for r in records] == [
        (run.prefix(1), 1),
        (run.prefix(2), 2),
    ]
    for r in records:
        assert os.path.dirname(os.path.dirname(os.path.dirname(r["path"]))) == os.path.join(
            run.directory, PIN_DIRECTORY
        )
        assert isinstance(r["timestamp"], float)
    assert not os.path.exists(os.path.join(run.directory, PIN_DIRECTORY))


def test_watch_json_lines_have_the_same_keys_with_and_without_every(run):
    plain = cli("watch", run.directory, "--timeout", "0", "--format", "json")
    [record] = [json.loads(line) for line in plain.stdout.splitlines()]
    assert record["listed_path"] == record["path"] == run.prefix(2)
    assert record["timestamp"] is None
    every = cli("watch", run.directory, "--every", "--all", "--count", "1", "--format", "json")
    assert sorted(json.loads(every.stdout)) == sorted(record)


def test_watch_every_exec_gets_a_path_that_stays_loadable(run):
    script = (
        "import os, sys; print(os.path.exists(sys.argv[1] + '.index'), "
        "os.environ['TF_CKPT_PATH'] == sys.argv[1])"
    )
    result = cli(
        "watch", run.directory, "--every", "--all", "--timeout", "0.5",
        "--exec", sys.executable, "-c", script, "{}",
    )  # fmt: skip
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[1::2] == ["True True", "True True"]


@pytest.mark.parametrize("every", [[], ["--every", "--all"]])
def test_watch_count_ends_after_n_checkpoints(tmp_path, every):
    run = CheckpointDirectory(tmp_path)
    proc = start("watch", run.directory, *every, "--count", "2")
    out = Lines(proc.stdout)
    for step in (1, 2):
        run.publish(step)
        assert out.next().endswith(f"/model.ckpt-{step}\n")  # pinned with --every
    assert proc.wait(DEADLINE) == 0  # not waiting for a third: `| head -2` ends too


def test_watch_every_record_makes_a_rerun_go_on_where_it_was(run, tmp_path):
    record = str(tmp_path / "done.jsonl")
    first = cli("watch", run.directory, "--every", "--all", "--count", "1", "--record", record)
    assert first.stdout.splitlines()[0].endswith("/model.ckpt-1")
    again = cli(
        "watch", run.directory, "--every", "--timeout", "0.5", "--record", record,
        "--format", "json",
    )  # fmt: skip
    assert [json.loads(line)["step"] for line in again.stdout.splitlines()] == [2]


def test_watch_many_follows_every_run_a_glob_matches(tmp_path):
    runs = [CheckpointDirectory(tmp_path / "sweep" / name) for name in ("a", "b")]
    for run in runs:
        run.publish(1)
    CheckpointDirectory(tmp_path / "other").publish(1)
    result = cli(
        "watch", str(tmp_path / "sweep" / "*"), "--many", "--all", "--timeout", "0.5",
        "--format", "json",
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (0, "")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted((r["run"], r["listed_path"]) for r in records) == [
        (run.directory, run.prefix(1)) for run in runs
    ]


def test_watch_jobs_stopped_by_sigterm_end_their_commands_and_remove_the_pins(tmp_path):
    runs = [CheckpointDirectory(tmp_path / "sweep" / name) for name in ("a", "b", "c")]
    for run in runs:
        run.publish(1)
    pids = tmp_path / "pids"
    proc = start(
        "watch", str(tmp_path / "sweep" / "*"), "--many", "--all", "--jobs", "2",
        "--exec", "sh", "-c", 'echo $$ >> "$1"; exec sleep 60', "sh", str(pids),
    )  # fmt: skip
    out = Lines(proc.stdout)
    out.next(), out.next()  # two commands started: the third checkpoint waits for a job

    def started() -> list[int]:
        return [int(pid) for pid in pids.read_text().split()] if pids.exists() else []

    deadline = time.monotonic() + DEADLINE
    while len(started()) < 2:  # both shells have written their pid
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(DEADLINE) == 143
    for pid in started():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # ended, and reaped by the watch
    assert not any((tmp_path / "sweep" / name / PIN_DIRECTORY).exists() for name in "abc")


def test_a_command_due_once_the_jobs_are_stopped_is_not_started(tmp_path):
    # SIGTERM may come while a job's thread is about to start its command: that
    # command must not start after the others were ended, or it outlives the watch.
    from tf_ckpt_compat._cli.watch import _run_command, _Running

    running = _Running()
    running.stop()
    marker = tmp_path / "ran"
    assert _run_command(["touch", str(marker)], "ckpt-1", running) == 128 + signal.SIGTERM
    assert not marker.exists()
    assert _run_command(["touch", str(marker)], "ckpt-1", _Running()) == 0
    assert marker.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--all"], "--all needs --every"),
        (["--no-pin"], "--no-pin needs --every"),
        (["--record", "r"], "--record needs --every"),
        (["--every", "--min-interval", "2"], "--min-interval is the iterator's: not with --every"),
        (["--count", "0"], "argument --count: expected a positive whole number, not '0'"),
        (["--every", "--per-run", "2"], "--per-run needs --jobs"),
    ],
)
def test_watch_every_options_misused_are_usage_errors(tmp_path, args, message):
    result = cli("watch", str(tmp_path), *args)
    assert result.returncode == 2
    assert result.stderr == (
        f"tf-ckpt-compat: error: {message} (see tf-ckpt-compat watch --help)\n"
    )


def test_a_closed_output_pipe_ends_quietly(run):
    proc = start("watch", run.directory, "--timeout", "0")
    proc.stdout.close()  # before the process can print: like `| head -0`
    assert proc.wait(DEADLINE) == 141
    assert proc.stderr.read() == ""


@pytest.mark.parametrize(
    "args", [["watch"], ["watch", "--every", "--all"], ["demo", "--interval", "3600", "--dir"]]
)
def test_a_reader_gone_ends_a_waiting_command(tmp_path, args):
    # `watch DIR | head -1`: head exits after its line, and nothing more comes
    # to write. The command notices while it waits, not at a next write.
    run = CheckpointDirectory(tmp_path / "run")
    if args[0] == "watch":
        run.publish(1)
    proc = start(*args, run.directory)
    assert proc.stdout.readline() != ""
    proc.stdout.close()
    assert proc.wait(DEADLINE) == 141
    assert proc.stderr.read() == ""
    assert not os.path.exists(os.path.join(run.directory, PIN_DIRECTORY))


def redirected(redirection: str, *args: str, env: dict | None = None):
    """The command line with a shell redirection of its own streams, such as `2>&-`."""
    return cli(*args, env=env, redirection=redirection)


def test_a_closed_stderr_still_gives_the_result(run):
    result = redirected("2>&-", "latest", run.directory)
    assert (result.returncode, result.stdout) == (0, run.prefix(2) + "\n")


def test_a_closed_stderr_still_gives_the_status(tmp_path):
    result = redirected("2>&-", "latest", str(tmp_path))
    assert (result.returncode, result.stdout) == (1, "")


@pytest.mark.parametrize(
    "redirection, reason",
    [(">&-", "standard output is closed"), (">/dev/full", "No space left on device")],
    ids=["closed", "full"],
)
def test_an_output_that_cannot_be_written_exits_74(run, redirection, reason):
    result = redirected(redirection, "latest", run.directory)
    assert_one_line_error(result, 74)
    assert reason in result.stderr


def test_a_path_the_output_encoding_cannot_represent_exits_74(tmp_path):
    run = CheckpointDirectory(tmp_path)
    run.write_files(1)
    run.write_state('model_checkpoint_path: "/runs/\u65e5\u672c/ckpt-1"\n')
    result = cli("state", str(tmp_path), env={"PYTHONIOENCODING": "latin-1"})
    assert_one_line_error(result, 74)
    assert "PYTHONIOENCODING=utf-8" in result.stderr
    assert result.stdout == ""


def test_a_path_the_output_encoding_cannot_represent_exits_74_in_watch(tmp_path):
    run = CheckpointDirectory(tmp_path / "\u65e5\u672c")
    run.publish(1)
    result = cli("watch", run.directory, "--timeout", "0", env={"PYTHONIOENCODING": "latin-1"})
    assert_one_line_error(result, 74)


def test_an_error_naming_a_path_the_encoding_lacks_is_one_line(tmp_path):
    result = cli("latest", str(tmp_path / "\u65e5\u672c"), env={"PYTHONIOENCODING": "latin-1"})
    assert_one_line_error(result, 1)
    assert "\\u65e5\\u672c" in result.stderr  # escaped, as Python's standard error does


def _catches(pid: int, signum: int) -> bool:
    """Whether process `pid` has a handler for `signum` (its SigCgt mask)."""
    with open(f"/proc/{pid}/status") as status:
        mask = next(line for line in status if line.startswith("SigCgt:")).split()[1]
    return bool(int(mask, 16) >> (signum - 1) & 1)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
@pytest.mark.parametrize(
    "signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"]
)
def test_a_signal_in_the_first_50_ms_exits_quietly(tmp_path, signum, status):
    # Synchronised on the entry point's first act: SIGTERM gets a handler
    # (Python has none for it). From there, the command line's imports take
    # tens of milliseconds, compiled from source as in a first run after
    # installing; a signal at any moment must end it quietly.
    no_bytecode = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(tmp_path / "pyc")}
    for delay in (0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05):
        proc = start("watch", str(tmp_path / "not-yet"), env=no_bytecode)
        deadline = time.monotonic() + DEADLINE
        while not _catches(proc.pid, signal.SIGTERM):
            assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(delay)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=DEADLINE)
        assert (proc.returncode, out, err) == (status, "", ""), f"signal {delay} s after start"


class Terminal:
    """A pseudo-terminal of `columns` columns, and a model of its screen.

    A child gets `self.terminal` as one of its streams; a thread reads all the
    terminal shows. `screen()` replays it as a VT100 would (autowrap at the
    right margin included): what a user would see at the end.
    """

    def __init__(self, columns: int) -> None:
        self.columns = columns
        self.controller, self.terminal = pty.openpty()
        fcntl.ioctl(self.terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        self._shown = b""
        self._changed = threading.Condition()
        self._ended = False

    def read(self) -> None:
        """Reads from now on; call once the child has the terminal (closes the parent's end)."""
        os.close(self.terminal)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.controller, 4096)
            except OSError:  # EIO: every process has closed the terminal
                chunk = b""
            with self._changed:
                self._shown += chunk
                self._ended = not chunk
                self._changed.notify_all()
            if not chunk:
                os.close(self.controller)
                return

    def wait_for(self, pattern: str) -> None:
        """Waits until the terminal has shown `pattern` (a regular expression)."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: self._ended or re.search(pattern, self._shown.decode()), DEADLINE
            )
            assert found and not (self._ended and not re.search(pattern, self._shown.decode()))

    def type(self, keys: bytes) -> None:
        """Keys pressed: the terminal echoes them (`^C` for Ctrl-C) among the output."""
        os.write(self.controller, keys)

    def shown(self) -> str:
        """Everything the terminal got, once every process has closed it."""
        with self._changed:
            assert self._changed.wait_for(lambda: self._ended, DEADLINE)
            return self._shown.decode()

    def screen(self) -> list[str]:
        """The screen's lines at the end, trailing blanks removed."""
        rows: list[list[str]] = [[]]
        row = column = 0
        wrap = False  # at the right margin: the next character goes to the next line
        for token in re.findall(r"\x1b\[[0-9;]*[A-Za-z]|[\s\S]", self.shown()):
            if token == "\r":
                column, wrap = 0, False
            elif token == "\n":
                row, wrap = row + 1, False
            elif token in ("\x1b[K", "\x1b[J"):
                del rows[row][column:]
                if token == "\x1b[J":
                    del rows[row + 1 :]
            else:
                assert len(token) == 1 and token.isprintable(), f"unexpected {token!r}"
                if wrap:
                    row, column, wrap = row + 1, 0, False
                while len(rows) <= row:
                    rows.append([])
                line = rows[row]
                line.extend(" " * (column + 1 - len(line)))
                line[column] = token
                if column == self.columns - 1:
                    wrap = True
                else:
                    column += 1
            while len(rows) <= row:
                rows.append([])
        return ["".join(line).rstrip() for line in rows]


def on_a_terminal(
    *args: str, columns: int = 200, stdout: str = "terminal", env: dict | None = None
) -> tuple[subprocess.Popen, Terminal]:
    """The command line with its standard error on a terminal, and its standard output
    there too (`terminal`), or on a `pipe` or in a `file`."""
    term = Terminal(columns)
    outputs = {"terminal": term.terminal, "pipe": subprocess.PIPE, "file": subprocess.DEVNULL}
    proc = start(
        *args, stdout=outputs[stdout], stderr=term.terminal, env={"TERM": "xterm", **(env or {})}
    )
    term.read()
    return proc, term


@pytest.mark.parametrize("published", [True, False], ids=["published", "missing-dir"])
def test_status_line_on_a_terminal(tmp_path, published):
    run = CheckpointDirectory(tmp_path / "run")
    if published:
        run.publish(1)
    proc, term = on_a_terminal("watch", run.directory, "--timeout", "2.5")
    assert proc.wait(DEADLINE) == 0
    shown = term.shown()
    if published:
        expected = (
            f"\rwaiting 0s (timeout 2.5s) for a newer one than model.ckpt-1 in {run.directory}"
        )
    else:
        expected = f"\rwaiting 0s (timeout 2.5s): {run.directory} does not exist yet"
    # Painted with the cursor left at the start of the line, repainted as time
    # passes, and cleared at the end: the screen keeps only the result.
    assert expected + "\x1b[J\r" in shown
    assert expected.replace("0s", "1s", 1) + "\x1b[J\r" in shown
    assert shown.endswith("\r\x1b[J")
    assert term.screen() == ([run.prefix(1)] if published else []) + [""]


def test_status_line_fits_a_narrow_terminal(tmp_path):
    proc, term = on_a_terminal("watch", str(tmp_path / "run"), "--timeout", "0", columns=30)
    assert proc.wait(DEADLINE) == 0
    painted = re.findall(r"\r([^\r]+)\x1b\[J", term.shown())
    # Cut one column short of the width: a full line would wrap, and \r not go back.
    assert max(len(text) for text in painted) == 29


def test_ctrl_c_leaves_no_status_line_on_a_full_terminal_line(tmp_path):
    proc, term = on_a_terminal("watch", str(tmp_path / "a-long-name-for-a-run"), columns=30)
    term.wait_for(r"waiting \d+s: ")
    term.type(b"\x03")  # the terminal echoes ^C where the cursor is
    term.wait_for(r"\^C")
    proc.send_signal(signal.SIGINT)  # as the terminal sends it to its foreground group
    assert proc.wait(DEADLINE) == 130
    assert term.screen() == [""]


@pytest.mark.parametrize(
    "stdout, env",
    [("pipe", {}), ("terminal", {"TERM": "dumb"}), ("file", {"TERM": ""})],
    ids=["stdout-piped", "term-dumb", "no-term"],
)
def test_no_status_line_where_it_would_garble_the_terminal(tmp_path, stdout, env):
    # A pipe's reader (`| jq .step`, `| cat`) writes on the same terminal at
    # moments the command cannot know; a dumb terminal has no \r nor escapes.
    run = CheckpointDirectory(tmp_path / "run")
    run.publish(1)
    proc, term = on_a_terminal("watch", run.directory, "--timeout", "1.5", stdout=stdout, env=env)
    assert proc.wait(DEADLINE) == 0
    assert term.shown() == (run.prefix(1) + "\r\n" if stdout == "terminal" else "")


def test_demo_piped_into_cat_leaves_the_terminal_clean():
    term = Terminal(200)
    # `demo | cat`, both on the terminal: the demo's standard output is the pipe to cat.
    cat = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=term.terminal)
    _started.append(cat)
    proc = start(
        "demo", "--checkpoints", "2", "--interval", "0.2", stdout=cat.stdin,
        stderr=term.terminal, env={"TERM": "xterm"},
    )  # fmt: skip
    cat.stdin.close()
    term.read()
    assert (proc.wait(DEADLINE), cat.wait(DEADLINE)) == (0, 0)
    intro, *arrivals, summary, end = term.screen()
    assert intro.startswith("demo: a trainer publishes 2 checkpoints")
    assert all(line.startswith("model.ckpt-") for line in arrivals)
    assert summary.startswith("demo: 2 published")
    assert end == ""


# --- demo --------------------------------------------------------------------------


def test_demo_watches_a_trainer_and_removes_its_directory():
    result = cli("demo", "--checkpoints", "3", "--interval", "0.2", "-v")
    assert result.returncode == 0, result.stderr
    intro, *arrivals, summary = result.stdout.splitlines()
    directory = re.search(r" into (\S+) \(removed at the end\)", intro).group(1)
    assert not os.path.exists(os.path.dirname(directory))
    assert arrivals[-1].startswith("model.ckpt-300  found ")
    assert summary.startswith(
        f"demo: 3 published, {len(arrivals)} found, {3 - len(arrivals)} missed"
    )
    # The real iterator did the watching: its own log lines.
    assert f"info: Waiting for new checkpoint at {directory}\n" in result.stderr
    assert "info: Timed-out waiting for a checkpoint" in result.stderr


def test_demo_keeps_a_given_directory(tmp_path):
    directory = tmp_path / "demo-run"
    result = cli("demo", "--checkpoints", "2", "--interval", "0", "--dir", str(directory))
    assert (result.returncode, result.stderr) == (0, "")
    assert tf_ckpt_compat.latest_checkpoint(directory) == str(directory / "model.ckpt-200")


def test_demo_reports_a_failed_trainer(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = cli("demo", "--checkpoints", "1", "--interval", "0", "--dir", str(blocker / "run"))
    assert_one_line_error(result, 1)
    assert "the demo trainer failed" in result.stderr
    assert result.stdout.splitlines()[-1].startswith("demo: 0 published, 0 found")


def test_a_failed_trainer_ends_the_demo_at_once(tmp_path):
    # The demo's watch given a day's timeout: a demo that waited for it would not end
    # within the DEADLINE.
    demo_with_a_day_of_slack = (
        "import sys\n"
        "from tf_ckpt_compat import _cli, _demo\n"
        f"_demo.TIMEOUT_SLACK = {24 * 3600.0}\n"
        "sys.exit(_cli.main(sys.argv[1:]))\n"
    )
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = cli(
        "demo", "--interval", "0", "--dir", str(blocker / "run"),
        command=[sys.executable, "-c", demo_with_a_day_of_slack],
    )  # fmt: skip
    assert_one_line_error(result, 1)
    assert result.stderr.startswith("tf-ckpt-compat: error: the demo trainer failed: ")


def test_sigterm_stops_the_demo_and_removes_its_directory():
    proc = start("demo", "--interval", "30")
    intro = Lines(proc.stdout).next()
    directory = re.search(r" into (\S+) \(removed at the end\)", intro).group(1)
    assert os.path.isdir(os.path.dirname(directory))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(DEADLINE) == 143
    assert not os.path.exists(os.path.dirname(directory))
    assert proc.stderr.read() == ""


# --- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, env, status",
    [
        ([], {}, 2),
        (["watch"], {}, 2),
        (["frobnicate"], {}, 2),
        (["watch", "{dir}", "--timeout", "-1"], {}, 2),
        (["watch", "{dir}", "--timeout", "soon"], {}, 2),
        (["watch", "{dir}", "--timeout", "nan"], {}, 2),
        (["watch", "{dir}", "--min-interval=-0.5"], {}, 2),
        (["watch", "{dir}", "--format", "xml"], {}, 2),
        (["watch", "{file}"], {}, 2),
        (["latest", "{file}"], {}, 2),
        (["state", "{file}"], {}, 2),
        (["demo", "--dir", "{file}"], {}, 2),
        (["watch", ""], {}, 2),
        (["watch", "{dir}", "--exec"], {}, 2),
        (["watch", "{dir}", "--stop-on-error"], {}, 2),
        (["watch", "{dir}", "--exec", "no-such-command-tf-ckpt-compat"], {}, 127),
        (["watch", "{dir}", "--exec", "{dir}/no-such-tool"], {}, 127),
        (["watch", "{dir}", "--exec", "{file}"], {}, 126),
        (["demo", "--checkpoints", "0"], {}, 2),
        (["demo", "--checkpoints", "two"], {}, 2),
        (["demo", "--interval", "-1"], {}, 2),
        # Past what time.sleep and threading waits accept: OverflowError mid-watch.
        (["watch", "{dir}", "--min-interval", "1e10"], {}, 2),
        (["watch", "{dir}", "--timeout", "inf"], {}, 2),
        (["demo", "--interval", "1e12"], {}, 2),
        (["demo", "--dir", "{dir}"], {}, 2),  # not empty
        (["latest", "{dir}"], {"TF_CKPT_COMPAT_BACKEND": "bogus"}, 2),
        (["watch", "{dir}"], {"TF_CKPT_COMPAT_TF_VERSION": "two"}, 2),
    ],
)
def test_bad_input_is_one_line_and_a_status(tmp_path, args, env, status):
    # The directory holds a checkpoint and a file: any watch that started would
    # print it (and, without --timeout, never end).
    run = CheckpointDirectory(tmp_path)
    run.publish(1)
    paths = {"dir": str(tmp_path), "file": run.prefix(1) + ".index"}
    result = cli(*(arg.format(**paths) for arg in args), env=env)
    assert_one_line_error(result, status)
    assert result.stdout == ""


# --- inspect ---------------------------------------------------------------------------


@pytest.fixture
def bundle(tmp_path) -> str:
    import numpy as np

    from tf_ckpt_compat._bundle.writer import write_bundle
    from tf_ckpt_compat._storage import LOCAL

    prefix = str(tmp_path / "ckpt-1")
    tensors = {
        "w": np.array([[1.5, np.nan]], np.float32),
        "step": 7,
        "names": np.array([b"a", b"\xff"], dtype=object),
    }
    write_bundle(prefix, tensors, LOCAL)
    return prefix


def test_inspect_lists_as_tensorflows_tool(bundle):
    result = cli("inspect", bundle)
    assert (result.returncode, result.stderr) == (0, "")
    # TensorFlow's inspect_checkpoint prints print(reader.debug_string()) (key
    # order, and print's own newline), then the element count of every variable.
    assert result.stdout == (
        "names (DT_STRING) [2]\nstep (DT_INT64) []\nw (DT_FLOAT) [1,2]\n\n"
        "# Total number of params: 5\n"
    )
    tensor = cli("inspect", bundle, "--tensor", "w")
    assert tensor.stdout == "tensor: w (float32) [1, 2]\n[[1.5 nan]]\n# Total number of params: 5\n"
    every = cli("inspect", bundle, "--all-tensors")
    assert every.stdout.splitlines()[::2] == [
        "tensor: names (string) [2]",
        "tensor: step (int64) []",
        "tensor: w (float32) [1, 2]",
        "# Total number of params: 5",
    ]


def test_inspect_json_is_strict_and_complete(bundle):
    import base64

    result = cli("inspect", bundle, "--format", "json", "--all-tensors")
    assert result.returncode == 0, result.stderr

    def refuse(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    report = json.loads(result.stdout, parse_constant=refuse)
    assert report["checkpoint"] == bundle
    variables = {v["name"]: v for v in report["variables"]}
    assert variables["w"] == {
        "name": "w",
        "dtype": "float32",
        "shape": [1, 2],
        "value": [[1.5, "NaN"]],
    }
    assert variables["step"]["value"] == 7
    assert [base64.b64decode(s) for s in variables["names"]["value"]] == [b"a", b"\xff"]
    listing = json.loads(cli("inspect", bundle, "--format", "json").stdout)
    assert all("value" not in v for v in listing["variables"])


def test_inspect_errors_are_one_line(bundle, tmp_path):
    missing = cli("inspect", str(tmp_path / "nothing"))
    assert_one_line_error(missing, 1)
    assert "NotFoundError" in missing.stderr
    assert_one_line_error(cli("inspect", bundle, "--tensor", "nope"), 1)
    assert_one_line_error(cli("inspect", bundle, "--tensor", "w", "--all-tensors"), 2)


def test_inspect_values_without_numpy_exit_2(bundle, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "numpy", None)
    assert _cli.main(["inspect", bundle]) == 0  # listing needs no numpy
    assert _cli.main(["inspect", bundle, "--tensor", "w"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'tf-ckpt-compat[tensors]'" in err
