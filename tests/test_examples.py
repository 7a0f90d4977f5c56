"""Every code example of the README and of the package's docstrings, run or checked.

Found, not listed: every fenced block of README.md, and every `>>>` example and
`::` literal block of a docstring under tf_ckpt_compat/, so that a new example
is covered as soon as it is written.

- Python blocks run as they are written, statement by statement. What they
  need from outside is provided, never skipped:
  - `/runs/exp1` is a run directory in a temporary directory, with real TF2
    checkpoints (`ckpt-1` to `ckpt-7`, with the tensors `tf.train.Checkpoint`
    writes: an object graph, `save_counter`, a dense layer's kernel and bias);
    a URL's store (`s3://bucket`, `gs://bucket`) is a fresh `memory://` store
    holding the same run and a sweep of two runs;
  - `evaluate` is a stand-in that records its calls, and an example that uses
    it must call it: an example that finds no checkpoint fails;
  - `torch` and `safetensors.torch`, when torch is not installed, are stand-ins
    that keep torch's contract (`from_numpy` takes an `ndarray` of the dtypes
    torch has, and raises `TypeError` otherwise) and read with safetensors'
    own numpy reader;
  - a file a README shell block exports (`tf-ckpt-compat export ... OUT`) is
    exported by that command, run for real, before a block that reads it;
  - `checkpoints_iterator` waits on a `FakeClock`, so `timeout=3600` takes no
    time. `watch()` waits on real threads and inotify, which no fake clock
    reaches: there a trainer thread publishes new checkpoints until the example
    has evaluated one, and the example's timeout is cut to a few seconds;
  - the full-line comments right after a `print(...)` are its expected output;
  - a block that defines `test_*` functions is a test module: they are called
    with a fresh `tmp_path`.
- `>>>` examples run as doctests.
- Shell blocks (`sh`, `console`): every `tf-ckpt-compat` command is parsed by
  the command line's own parser, a `pip install` names extras that
  pyproject.toml declares, a script run by `bash` exists, and an `FSSPEC_*`
  variable holds JSON. A command of any other kind fails the test until a
  check for it is added here.
- YAML blocks (pre-commit configuration): every hook `id` is one that
  .pre-commit-hooks.yaml defines.
"""

from __future__ import annotations

import ast
import contextlib
import doctest
import importlib
import inspect
import io
import json
import os
import re
import shlex
import sys
import textwrap
import threading
import types
import uuid
from pathlib import Path
from typing import NamedTuple

import pytest

import tf_ckpt_compat
from tf_ckpt_compat import _cli
from tf_ckpt_compat.testing import CheckpointDirectory, FakeClock

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tf_ckpt_compat"


class Example(NamedTuple):
    where: str  # file:line of the block's first line
    language: str
    code: str
    line: int  # the block's first line in its file


# --- finding the examples ---------------------------------------------------------------------


def readme_blocks() -> list[Example]:
    examples, language, start, lines = [], None, 0, []
    for number, line in enumerate((ROOT / "README.md").read_text().splitlines(), 1):
        if language is None and line.startswith("```"):
            language, start, lines = line[3:].strip(), number + 1, []
        elif language is not None and line.startswith("```"):
            examples.append(Example(f"README.md:{start}", language, "\n".join(lines) + "\n", start))
            language = None
        elif language is not None:
            lines.append(line)
    assert language is None, "README.md ends inside a fenced block"
    return examples


def _docstrings(path: Path) -> list[tuple[int, str]]:
    """(line of the docstring's first line, cleaned docstring) of a module and its definitions."""
    definitions = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        docstring = ast.get_docstring(node) if isinstance(node, definitions) else None
        if docstring is not None:
            found.append((node.body[0].lineno, docstring))  # type: ignore[union-attr]
    return found


def _literal_blocks(docstring: str) -> list[tuple[int, str]]:
    """reST literal blocks: the indented lines after a paragraph ending in `::`."""
    lines = docstring.splitlines()
    blocks = []
    for i, line in enumerate(lines):
        if not line.rstrip().endswith("::"):
            continue
        indent = len(line) - len(line.lstrip())
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        body_start = j
        while j < len(lines) and (
            not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent
        ):
            j += 1
        body = textwrap.dedent("\n".join(lines[body_start:j])).strip("\n")
        if body:
            blocks.append((body_start, body + "\n"))
    return blocks


def docstring_examples() -> tuple[list[Example], list[Example]]:
    """(literal blocks, `>>>` examples) of every docstring in the package."""
    literal, doctests = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for first_line, docstring in _docstrings(path):
            for offset, body in _literal_blocks(docstring):
                line = first_line + offset
                literal.append(Example(f"{relative}:{line}", "python", body, line))
            if ">>>" in docstring:
                doctests.append(
                    Example(f"{relative}:{first_line}", "doctest", docstring, first_line)
                )
    return literal, doctests


README_BLOCKS = readme_blocks()
LITERAL_BLOCKS, DOCTESTS = docstring_examples()
PYTHON = [e for e in README_BLOCKS if e.language == "python"] + LITERAL_BLOCKS
SHELL = [e for e in README_BLOCKS if e.language in ("sh", "console")]
YAML = [e for e in README_BLOCKS if e.language == "yaml"]
# Fenced blocks that are no code to run: the README's tables of output are none today.
NOT_CODE: dict[str, str] = {}


def ids(examples: list[Example]) -> list[str]:
    return [example.where for example in examples]


def test_every_block_has_a_check():
    checked = {"python", "sh", "console", "yaml"} | set(NOT_CODE)
    unchecked = [e.where for e in README_BLOCKS if e.language not in checked]
    assert unchecked == [], "a fenced block of a language nothing here checks"
    assert len(PYTHON) >= 5 and SHELL and DOCTESTS, "the examples were not found"


# --- the world the Python examples run in ---------------------------------------------------

KERNEL = "dense/kernel/.ATTRIBUTES/VARIABLE_VALUE"
URL = re.compile(r"""(["'])([a-z][a-z0-9+.-]*)://([^/"'\s]+)""")
REAL_TIME = re.compile(r"\bwatch(_many)?\(")
LAST_STEP = 7


def tf2_tensors(step: int) -> dict[str, object]:
    """What `tf.train.Checkpoint(model=Dense, ...)` saves, by the names it saves them under."""
    import numpy as np

    return {
        "_CHECKPOINTABLE_OBJECT_GRAPH": b"\n\x0f\n\x05\x08\x01\x12\x01m",  # opaque here
        "dense/bias/.ATTRIBUTES/VARIABLE_VALUE": np.zeros(2, np.float32),
        KERNEL: np.arange(6, dtype=np.float32).reshape(3, 2) + step,
        "save_counter/.ATTRIBUTES/VARIABLE_VALUE": np.int64(step),
    }


def make_run(directory: str, steps: range) -> CheckpointDirectory:
    run = CheckpointDirectory(directory, name="ckpt")
    for step in steps:
        run.publish(step, timestamp=1_700_000_000.0 + step, tensors=tf2_tensors(step))
    return run


class World(NamedTuple):
    code: str  # the example, its paths pointing into the world
    runs: list[CheckpointDirectory]


@pytest.fixture
def world_root(tmp_path, monkeypatch):
    """A fresh directory, also the working directory; the memory:// stores made are emptied."""
    from fsspec.implementations.memory import MemoryFileSystem

    monkeypatch.chdir(tmp_path)
    prefix = f"/tfcc-example-{uuid.uuid4().hex[:12]}"
    yield tmp_path, prefix
    store, dirs = MemoryFileSystem.store, MemoryFileSystem.pseudo_dirs
    for key in [k for k in store if k.startswith(prefix)]:
        del store[key]
    dirs[:] = [d for d in dirs if not d.startswith(prefix)]


def build_world(code: str, root: Path, memory_prefix: str) -> World:
    runs = [make_run(str(root / "runs" / "exp1"), range(1, LAST_STEP + 1))]
    stores = {}

    def to_memory(match: re.Match[str]) -> str:
        quote, scheme, bucket = match.groups()
        if scheme in ("memory", "file"):
            return match.group(0)
        store = stores.setdefault((scheme, bucket), f"memory:/{memory_prefix}-{scheme}-{bucket}")
        return quote + store

    code = URL.sub(to_memory, code)
    for store in stores.values():
        runs.append(make_run(store + "/runs/exp1", range(1, LAST_STEP + 1)))
        runs += [make_run(f"{store}/sweep/{name}/train", range(1, 2)) for name in "ab"]
    code = re.sub(r"""(["'])/runs/""", lambda m: m.group(1) + str(root / "runs") + "/", code)
    return World(code, runs)


class Evaluate:
    """The stand-in for the user's evaluation: records what it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []
        self.called = threading.Event()

    def __call__(self, *args: object) -> None:
        self.calls.append(args)
        self.called.set()


_TORCH_DTYPES = {
    *("float64", "float32", "float16", "complex64", "complex128"),
    *("int64", "int32", "int16", "int8", "uint8", "bool"),
}


def torch_stand_in() -> types.ModuleType:
    """torch's numpy bridge, as torch documents it: ndarrays of its dtypes only."""
    import numpy as np

    def from_numpy(array: object) -> object:
        if not isinstance(array, np.ndarray):
            kind = type(array)
            raise TypeError(f"expected np.ndarray (got {kind.__module__}.{kind.__name__})")
        if array.dtype.name not in _TORCH_DTYPES:
            raise TypeError(f"can't convert np.ndarray of type numpy.{array.dtype.name}.")
        return array

    def as_tensor(data: object) -> object:
        return from_numpy(np.asarray(data))

    module = types.ModuleType("torch")
    module.from_numpy = from_numpy  # type: ignore[attr-defined]
    module.as_tensor = as_tensor  # type: ignore[attr-defined]
    return module


def safetensors_torch_stand_in() -> types.ModuleType:
    from safetensors.numpy import load_file

    module = types.ModuleType("safetensors.torch")
    module.load_file = load_file  # type: ignore[attr-defined]
    return module


def install_stand_ins(monkeypatch) -> None:
    """torch, and safetensors' torch module, as stand-ins where torch is not installed."""
    try:
        importlib.import_module("torch")
    except ImportError:
        monkeypatch.setitem(sys.modules, "torch", torch_stand_in())
        monkeypatch.setitem(sys.modules, "safetensors.torch", safetensors_torch_stand_in())


def export_commands() -> dict[str, list[str]]:
    """OUT -> the README's `tf-ckpt-compat export PATH OUT` command that writes it."""
    commands = {}
    for example in SHELL:
        for argv in commands_of(example):
            if argv[:2] == ["tf-ckpt-compat", "export"]:
                commands[argv[-1]] = argv[1:]
    return commands


@contextlib.contextmanager
def trainer(world: World, evaluate: Evaluate):
    """Publishes a new checkpoint in every run every 0.2 s until `evaluate` is called."""
    stop = threading.Event()

    def train() -> None:
        step = LAST_STEP
        while not (evaluate.called.is_set() or stop.wait(0.2)):
            step += 1
            for run in world.runs:
                run.publish(step, tensors=tf2_tensors(step))

    thread = threading.Thread(target=train, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def expected_prints(code: str) -> dict[int, list[str]]:
    """Line of a `print(...)` statement -> the full-line comments right after it."""
    lines = code.splitlines()
    expected = {}
    for node in ast.parse(code).body:
        call = node.value if isinstance(node, ast.Expr) else None
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "print":
            comments = []
            for line in lines[node.end_lineno :]:  # type: ignore[misc]
                if not line.lstrip().startswith("# "):
                    break
                comments.append(line.lstrip()[2:])
            if comments:
                expected[node.lineno] = comments
    return expected


def run_statements(example: Example, code: str, namespace: dict[str, object]) -> None:
    """Runs `code` statement by statement, each `print` checked against its comments."""
    tree = ast.parse(code)
    ast.increment_lineno(tree, example.line - 1)
    expected = {line + example.line - 1: text for line, text in expected_prints(code).items()}
    for node in tree.body:
        statement = compile(ast.Module([node], []), example.where.split(":")[0], "exec")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(statement, namespace)
        if node.lineno in expected:
            assert printed.getvalue().rstrip("\n").splitlines() == expected[node.lineno]


@pytest.mark.parametrize("example", PYTHON, ids=ids(PYTHON))
def test_python_example_runs(example, world_root, monkeypatch):
    root, memory_prefix = world_root
    world = build_world(example.code, root, memory_prefix)
    code = world.code
    install_stand_ins(monkeypatch)
    for out, argv in export_commands().items():
        if f'"{out}"' in code or f"'{out}'" in code:
            argv = [str(root / a[1:]) if a.startswith("/runs/") else a for a in argv]
            assert _cli.main(argv) == 0, f"the README's export command {argv} failed"
    evaluate = Evaluate()
    namespace: dict[str, object] = {"__name__": "example", "evaluate": evaluate}
    if REAL_TIME.search(code):
        # A test cannot wait an hour of real time for a timeout to pass.
        code = re.sub(r"\btimeout=\d+", "timeout=3", code)
        with trainer(world, evaluate):
            run_statements(example, code, namespace)
    else:
        with FakeClock(start=1_800_000_000.0, limit=10**6):
            run_statements(example, code, namespace)
    uses_evaluate = re.search(r"\bevaluate\(", code) and not re.search(r"\bdef evaluate\b", code)
    if uses_evaluate and "def test_" not in code:
        assert evaluate.calls, "the example evaluated no checkpoint"
    tests = [value for name, value in namespace.items() if name.startswith("test_")]
    for i, test in enumerate(tests):
        parameters = inspect.signature(test).parameters
        assert set(parameters) <= {"tmp_path"}, f"{test.__name__} needs other fixtures"
        test(**{"tmp_path": root / f"test-{i}"} if parameters else {})


def test_the_world_is_what_tensorflow_writes(world_root):
    # The stand-in run's checkpoints read back as TensorFlow's own (compat_tests shows
    # TensorFlow opening what CheckpointDirectory writes).
    root, _ = world_root
    run = make_run(str(root / "run"), range(1, 3))
    assert tf_ckpt_compat.latest_checkpoint(run.directory) == run.prefix(2)
    assert tf_ckpt_compat.list_variables(run.directory) == [
        ("_CHECKPOINTABLE_OBJECT_GRAPH", []),
        ("dense/bias/.ATTRIBUTES/VARIABLE_VALUE", [2]),
        (KERNEL, [3, 2]),
        ("save_counter/.ATTRIBUTES/VARIABLE_VALUE", []),
    ]


@pytest.mark.parametrize("example", DOCTESTS, ids=ids(DOCTESTS))
def test_doctest_example(example, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    test = doctest.DocTestParser().get_doctest(
        example.code, {}, example.where, example.where.split(":")[0], example.line
    )
    output = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test, out=output.write)
    assert runner.failures == 0, output.getvalue()
    assert runner.tries > 0


# --- shell examples ---------------------------------------------------------------------------

_OPERATORS = {"&&", "||", "|", ";", "&"}


def commands_of(example: Example) -> list[list[str]]:
    """Each command of a shell block (console: the `$ ` lines), split at `&&`, `|`, `;`."""
    lines = example.code.replace("\\\n", " ").splitlines()
    if example.language == "console":
        lines = [line[2:] for line in lines if line.startswith("$ ")]
    commands = []
    for line in lines:
        lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        command: list[str] = []
        for token in [*lexer, ";"]:
            if token in _OPERATORS:
                if command:
                    commands.append(command)
                command = []
            else:
                command.append(token)
    return commands


def declared_extras() -> set[str]:
    text = (ROOT / "pyproject.toml").read_text()
    table = re.search(r"^\[project\.optional-dependencies\]\n(.*?)(?=^\[)", text, re.M | re.S)
    assert table, "pyproject.toml declares no extras"
    return set(re.findall(r"^([A-Za-z0-9_-]+) = ", table.group(1), re.M))


def check_command(argv: list[str]) -> None:
    program, args = os.path.basename(argv[0]), argv[1:]
    if program in ("python", "python3") and args[:2] == ["-m", "tf_ckpt_compat"]:
        program, args = "tf-ckpt-compat", args[2:]
    if program == "tf-ckpt-compat":
        try:
            _cli.build_parser().parse_args(args)
        except SystemExit as e:
            pytest.fail(f"the command line refuses {shlex.join(argv)} (status {e.code})")
    elif program == "pip" and args[:1] == ["install"]:
        for requirement in args[1:]:
            match = re.fullmatch(r"(?:tf-ckpt-compat|\.)\[([\w,-]+)\]", requirement)
            if match:
                assert set(match.group(1).split(",")) <= declared_extras(), requirement
    elif program == "bash":
        assert (ROOT / args[0]).is_file(), f"{args[0]} does not exist"
    elif program == "export":
        name, _, value = args[0].partition("=")
        if name.startswith("FSSPEC_"):
            json.loads(value)
    elif program in ("python", "python3") and args[:2] == ["-m", "venv"]:
        pass  # the standard library's
    elif program == "jq":
        pass  # reads what the command before it writes
    else:
        pytest.fail(f"no check for the command {shlex.join(argv)}: add one to {__file__}")


@pytest.mark.parametrize("example", SHELL, ids=ids(SHELL))
def test_shell_example_uses_real_options(example):
    commands = commands_of(example)
    assert commands, "a shell block without a command"
    for argv in commands:
        check_command(argv)


def test_a_wrong_option_in_a_shell_example_would_fail():
    example = Example("x", "console", "$ tf-ckpt-compat watch /runs --no-such-option\n", 1)
    with pytest.raises(pytest.fail.Exception, match="refuses"):
        check_command(commands_of(example)[0])


@pytest.mark.parametrize("example", YAML, ids=ids(YAML))
def test_pre_commit_example_names_defined_hooks(example):
    defined = re.findall(r"^- id: (\S+)", (ROOT / ".pre-commit-hooks.yaml").read_text(), re.M)
    named = re.findall(r"- id: ([\w-]+)", example.code)
    assert named, "a YAML block that names no hook"
    assert set(named) <= set(defined)
