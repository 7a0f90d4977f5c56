"""`tf_ckpt_compat.migrate` and `tf-ckpt-compat migrate`: legacy code rewritten to use the package.

The corpus (tests/migrate_corpus/) holds legacy-style modules, `<case>.py.in`,
each with its expected rewrite written by hand, `<case>.py.expected`, and the
notes expected on standard error, `<case>.notes` (none when absent). The command
line runs for real, in a subprocess.
"""

from __future__ import annotations

import ast
import difflib
import io
import os
import re
import stat
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

from tf_ckpt_compat import _cli
from tf_ckpt_compat.migrate import NAMES, Note, migrate_source, rewrite_source
from tf_ckpt_compat.migrate._table import INTERNAL, namespaces

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parent / "migrate_corpus"
CASES = sorted(path.name[: -len(".py.in")] for path in CORPUS.glob("*.py.in"))
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("TF_CKPT_")},
    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
}
NEWLINE = re.compile(r"\r\n|\r|\n")


def corpus(case: str) -> tuple[bytes, bytes, tuple[Note, ...]]:
    """A case's input, expected output and expected notes."""
    notes_file = CORPUS / f"{case}.notes"
    notes = []
    if notes_file.exists():
        for line in notes_file.read_text(encoding="utf-8").splitlines():
            line_number, column, message = line.split(":", 2)
            notes.append(Note(int(line_number), int(column), message.strip()))
    return (
        (CORPUS / f"{case}.py.in").read_bytes(),
        (CORPUS / f"{case}.py.expected").read_bytes(),
        tuple(notes),
    )


def decoded(data: bytes) -> str:
    """Bytes as Python reads a module: the coding cookie or UTF-8, without a byte order mark."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode("utf-8-sig" if encoding == "utf-8-sig" else encoding)


def test_the_corpus_covers_the_traps():
    assert len(CASES) >= 20
    for case in CASES:
        assert (CORPUS / f"{case}.py.expected").exists(), case
    crlf = (CORPUS / "crlf.py.in").read_bytes()
    assert crlf.count(b"\r\n") == crlf.count(b"\n") > 0
    assert b"coding: latin-1" in (CORPUS / "latin1_cookie.py.in").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        (CORPUS / "latin1_cookie.py.in").read_bytes().decode("utf-8")


@pytest.mark.parametrize("case", CASES)
def test_the_rewrite_is_the_hand_written_one(case):
    source, expected, notes = corpus(case)
    result = migrate_source(source)
    assert result.source == expected
    assert result.notes == notes
    assert result.changed == (source != expected)


@pytest.mark.parametrize("case", CASES)
def test_the_text_api_gives_the_same_rewrite(case):
    source, expected, _ = corpus(case)
    assert rewrite_source(decoded(source)) == decoded(expected)


@pytest.mark.parametrize("case", CASES)
def test_each_rewritten_module_compiles(case):
    source, _, _ = corpus(case)
    compile(migrate_source(source).source, f"{case}.py", "exec", dont_inherit=True)


@pytest.mark.parametrize("case", CASES)
def test_a_second_rewrite_changes_nothing(case):
    source, _, notes = corpus(case)
    once = migrate_source(source).source
    twice = migrate_source(once)
    assert twice.source == once
    assert not twice.changed


@pytest.mark.parametrize("case", CASES)
def test_only_the_touched_spans_differ(case):
    source, _, _ = corpus(case)
    before = decoded(source)
    after = decoded(migrate_source(source).source)
    spans, insertion_points = _touchable(before)
    lines_before, lines_after = _lines(before), _lines(after)
    starts = [0]
    for line in lines_before:
        starts.append(starts[-1] + len(line))
    matcher = difflib.SequenceMatcher(None, lines_before, lines_after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "insert":
            assert starts[i1] in insertion_points, (case, lines_after[j1:j2])
            continue
        old, new = "".join(lines_before[i1:i2]), "".join(lines_after[j1:j2])
        chars = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for char_tag, a1, a2, _, _ in chars.get_opcodes():
            if char_tag == "equal":
                continue
            start, end = starts[i1] + a1, starts[i1] + a2
            assert any(s <= start and end <= e for s, e in spans), (case, old, new)


def _lines(text: str) -> list[str]:
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)


def _touchable(text: str) -> tuple[list[tuple[int, int]], set[int]]:
    """Where a rewrite may change `text`: the lines of its import statements, and attribute
    chains that start with a name some import binds; and where it may insert whole lines:
    after an import statement's line, or before the first statement."""
    tree = ast.parse(text)
    starts = [0, *(match.end() for match in NEWLINE.finditer(text))]

    def offset(line: int, column: int) -> int:
        start = starts[line - 1]
        return start + len(text[start:].encode("utf-8")[:column].decode("utf-8"))

    imported = set()  # names bound by an import, or to a module by an alias assignment
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imported.update(a.asname or a.name.partition(".")[0] for a in node.names)
        elif isinstance(node, ast.Assign) and isinstance(node.value, (ast.Name, ast.Attribute)):
            imported.update(t.id for t in node.targets if isinstance(t, ast.Name))
    spans, points = [], set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            end = starts[node.end_lineno] if node.end_lineno < len(starts) else len(text)
            spans.append((starts[node.lineno - 1], end))
            points.add(end)
        elif isinstance(node, ast.Attribute):
            root = node
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in imported:
                spans.append(
                    (
                        offset(node.lineno, node.col_offset),
                        offset(node.end_lineno, node.end_col_offset),
                    )
                )
    first = tree.body[1] if isinstance(tree.body[0], ast.Expr) else tree.body[0]
    first_line = min([first.lineno, *(d.lineno for d in getattr(first, "decorator_list", []))])
    points.add(starts[first_line - 1])
    merged: list[tuple[int, int]] = []  # adjacent import lines are one span
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged, points


# --- the Python API ---


def test_names_limits_the_rewrite_to_those_names():
    text = (
        "import tensorflow as tf\n"
        "from tensorflow.train import latest_checkpoint, list_variables\n"
        "a = tf.train.latest_checkpoint('/r')\n"
        "b = tf.train.checkpoints_iterator('/r')\n"
    )
    assert rewrite_source(text, names=["latest_checkpoint"]) == (
        "import tensorflow as tf\n"
        "from tensorflow.train import list_variables\n"
        "from tf_ckpt_compat.train import latest_checkpoint\n"
        "import tf_ckpt_compat\n"
        "a = tf_ckpt_compat.train.latest_checkpoint('/r')\n"
        "b = tf.train.checkpoints_iterator('/r')\n"
    )


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="not a name the rewrite knows: Saver"):
        rewrite_source("import tensorflow\n", names=["Saver", "latest_checkpoint"])
    with pytest.raises(TypeError):
        rewrite_source("import tensorflow\n", names="latest_checkpoint")


@pytest.mark.parametrize(
    "source",
    ["def f(:\n", "x = 1\x00\n", b"# -*- coding: no-such-codec -*-\n", b"x = '\xff'\n"],
    ids=["syntax", "null byte", "unknown encoding", "undecodable"],
)
def test_a_module_that_does_not_parse_raises_syntax_error(source):
    with pytest.raises(SyntaxError):
        migrate_source(source)


def test_text_without_a_use_comes_back_equal():
    text = "import tensorflow as tf\r\nx = tf.train.Checkpoint()  # tf.train.latest_checkpoint\r\n"
    result = migrate_source(text)
    assert result.source == text
    assert not result.changed
    assert result.notes == ()


def test_the_names_are_the_namespaces_own():
    import tf_ckpt_compat
    from tf_ckpt_compat.compat.v1 import train as v1_train
    from tf_ckpt_compat.compat.v2 import train as v2_train
    from tf_ckpt_compat.contrib import training

    table = namespaces()
    assert table["tensorflow.train"].names == set(tf_ckpt_compat.train.__all__)
    assert table["tensorflow.compat.v1.train"].names == set(v1_train.__all__)
    assert table["tensorflow.compat.v2.train"].names == set(v2_train.__all__)
    assert table["tensorflow.contrib.training"].names == set(training.__all__)
    for module, target, names in INTERNAL:
        package_module = tf_ckpt_compat
        for part in filter(None, target.split(".")):
            package_module = getattr(package_module, part)
        assert set(names) <= set(package_module.__all__), module
    assert set().union(*(ns.names for ns in table.values())) == NAMES
    assert "update_checkpoint_state" in NAMES and "Saver" not in NAMES


@pytest.mark.parametrize(
    "code",
    [
        "import sys, tf_ckpt_compat\n"
        "assert 'tf_ckpt_compat.migrate' not in sys.modules\n"
        "assert 'ast' not in sys.modules and 'tokenize' not in sys.modules\n",
        # Reachable as an attribute, imported on first use.
        "import tf_ckpt_compat\n"
        "assert tf_ckpt_compat.migrate.rewrite_source('x = 1\\n') == 'x = 1\\n'\n",
    ],
    ids=["not imported", "imported on first use"],
)
def test_importing_the_package_does_not_import_the_rewrite(code):
    subprocess.run([sys.executable, "-c", code], check=True, env=ENV, cwd=ROOT, timeout=60)


# --- the command line ---


def cli(*args: str | os.PathLike[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tf_ckpt_compat", "migrate", *map(str, args)],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


LEGACY = "import tensorflow as tf\n\nprint(tf.train.latest_checkpoint('/runs'))\n"
MIGRATED = "import tf_ckpt_compat\n\nprint(tf_ckpt_compat.train.latest_checkpoint('/runs'))\n"


def test_without_a_mode_it_prints_the_diff_and_changes_nothing(tmp_path):
    (tmp_path / "eval.py").write_text(LEGACY)
    result = cli("eval.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "--- eval.py\n"
        "+++ eval.py\n"
        "@@ -1,3 +1,3 @@\n"
        "-import tensorflow as tf\n"
        "+import tf_ckpt_compat\n"
        " \n"
        "-print(tf.train.latest_checkpoint('/runs'))\n"
        "+print(tf_ckpt_compat.train.latest_checkpoint('/runs'))\n"
    )
    assert result.stderr == ""
    assert (tmp_path / "eval.py").read_text() == LEGACY


def test_the_diff_keeps_line_endings_and_marks_a_missing_last_one(tmp_path):
    (tmp_path / "a.py").write_bytes(b"import tensorflow as tf\r\ntf.train.latest_checkpoint('x')")
    result = subprocess.run(
        [sys.executable, "-m", "tf_ckpt_compat", "migrate", "--diff", "a.py"],
        capture_output=True,
        env=ENV,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout == (
        b"--- a.py\n+++ a.py\n@@ -1,2 +1,2 @@\n"
        b"-import tensorflow as tf\r\n"
        b"-tf.train.latest_checkpoint('x')\n"
        b"\\ No newline at end of file\n"
        b"+import tf_ckpt_compat\r\n"
        b"+tf_ckpt_compat.train.latest_checkpoint('x')\n"
        b"\\ No newline at end of file\n"
    )


def test_check_exits_1_when_a_file_would_change_and_0_when_none_would(tmp_path):
    (tmp_path / "eval.py").write_text(LEGACY)
    (tmp_path / "done.py").write_text(MIGRATED)
    result = cli("--check", tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        f"would rewrite {tmp_path / 'eval.py'}\n",
        "",
    )
    assert (tmp_path / "eval.py").read_text() == LEGACY
    result = cli("--check", tmp_path / "done.py")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_write_rewrites_in_place_keeping_the_mode_and_leaving_no_temporary_file(tmp_path):
    path = tmp_path / "eval.py"
    path.write_text(LEGACY)
    path.chmod(0o640)
    result = cli("--write", path)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"rewrote {path}\n", "")
    assert path.read_text() == MIGRATED
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eval.py"]
    assert cli("--check", path).returncode == 0


def test_write_keeps_the_owner(tmp_path, monkeypatch, capsys):
    path = tmp_path / "eval.py"
    path.write_text(LEGACY)
    owner = path.stat().st_uid, path.stat().st_gid
    given: list[tuple[int, int]] = []
    real_chown = os.chown

    def chown(target: str, uid: int, gid: int) -> None:
        given.append((uid, gid))
        real_chown(target, uid, gid)

    monkeypatch.setattr(os, "chown", chown)
    assert _cli.main(["migrate", "--write", str(path)]) == 0
    assert given == [owner]
    assert (path.stat().st_uid, path.stat().st_gid) == owner
    assert path.read_text() == MIGRATED


def test_write_goes_through_a_link_to_its_target(tmp_path):
    (tmp_path / "real.py").write_text(LEGACY)
    (tmp_path / "link.py").symlink_to("real.py")
    assert cli("--write", tmp_path / "link.py").returncode == 0
    assert (tmp_path / "link.py").is_symlink()
    assert (tmp_path / "real.py").read_text() == MIGRATED


def test_a_file_that_does_not_parse_is_reported_and_the_others_are_processed(tmp_path):
    broken = b"import tensorflow as tf\nprint tf.train.latest_checkpoint('/runs')\n"
    (tmp_path / "a_broken.py").write_bytes(broken)
    (tmp_path / "b_eval.py").write_text(LEGACY)
    result = cli("--write", tmp_path)
    assert result.returncode == 1
    assert result.stdout == f"rewrote {tmp_path / 'b_eval.py'}\n"
    [error] = result.stderr.splitlines()
    # The column and the reason are Python's own, which differ between versions.
    assert re.fullmatch(
        rf"tf-ckpt-compat: error: {re.escape(str(tmp_path / 'a_broken.py'))}:2:\d+: "
        r"cannot parse \(.+\); left as it is",
        error,
    )
    assert (tmp_path / "a_broken.py").read_bytes() == broken
    assert (tmp_path / "b_eval.py").read_text() == MIGRATED


def test_notes_go_to_standard_error_as_file_line_column(tmp_path):
    (tmp_path / "dyn.py").write_text(
        "import tensorflow as tf\n\ndef f(name):\n    return getattr(tf.train, name)\n"
    )
    result = cli("--check", "dyn.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == (
        "dyn.py:4:12: getattr(tf.train, name) left alone: the name is only known at run time\n"
    )


def test_directories_are_searched_without_hidden_directories_or_environments(tmp_path):
    for directory in [
        "pkg/sub",
        ".git",
        "pkg/.tox",
        "venv",
        "pkg/node_modules",
        "lib/site-packages",
        "env-any-name",
        "conda-env/conda-meta",
        "pkg/__pycache__",
    ]:
        (tmp_path / directory).mkdir(parents=True)
    (tmp_path / "env-any-name" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    for file in [
        "pkg/sub/a.py",
        "top.py",
        ".git/a.py",
        "pkg/.tox/a.py",
        "venv/a.py",
        "pkg/node_modules/a.py",
        "lib/site-packages/a.py",
        "env-any-name/a.py",
        "conda-env/a.py",
        "pkg/__pycache__/a.py",
    ]:
        (tmp_path / file).write_text(LEGACY)
    (tmp_path / "pkg" / "notes.txt").write_text(LEGACY)
    os.mkfifo(tmp_path / "pkg" / "pipe.py")  # would block a read
    (tmp_path / "pkg" / "dangling.py").symlink_to("nowhere.py")
    result = cli("--check", ".", cwd=tmp_path)
    assert result.returncode == 1
    # A directory's files first, then its subdirectories', each in order of name.
    assert result.stdout == "would rewrite ./top.py\nwould rewrite ./pkg/sub/a.py\n"
    # A directory named on the command line is searched, whatever its name.
    assert cli("--check", ".git", cwd=tmp_path).stdout == "would rewrite .git/a.py\n"
    # So is a file, whatever its extension.
    assert cli("--check", "pkg/notes.txt", cwd=tmp_path).returncode == 1


def test_a_non_utf8_file_keeps_its_encoding(tmp_path):
    source, expected, _ = corpus("latin1_cookie")
    (tmp_path / "fr.py").write_bytes(source)
    assert cli("--write", tmp_path / "fr.py").returncode == 0
    assert (tmp_path / "fr.py").read_bytes() == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-dir"], "tf-ckpt-compat: error: no such file or directory: no-such-dir\n"),
        (
            ["--names", "Saver", "."],
            "tf-ckpt-compat: error: argument --names: unknown: Saver (known: NewCheckpointReader,",
        ),
        (["--names", ",", "."], "tf-ckpt-compat: error: argument --names: no name given"),
        (["/dev/null"], "tf-ckpt-compat: error: not a regular file or directory: /dev/null\n"),
        (["--check", "--write", "."], "tf-ckpt-compat: error: argument --write: not allowed"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, args, message):
    result = cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_names_on_the_command_line(tmp_path):
    (tmp_path / "a.py").write_text(
        "import tensorflow as tf\nx = tf.train.latest_checkpoint('/r')\n"
        "y = tf.train.list_variables('/r')\n"
    )
    result = cli("--write", "--names", "list_variables, load_variable", "a.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "a.py").read_text() == (
        "import tensorflow as tf\nimport tf_ckpt_compat\nx = tf.train.latest_checkpoint('/r')\n"
        "y = tf_ckpt_compat.train.list_variables('/r')\n"
    )


def test_no_python_file_is_a_warning(tmp_path):
    result = cli(".", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "warning: no Python files found\n"


def test_a_failed_write_leaves_the_file_and_no_temporary_file(tmp_path, monkeypatch, capsys):
    path = tmp_path / "eval.py"
    path.write_text(LEGACY)

    def fail(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    assert _cli.main(["migrate", "--write", str(path)]) == 1
    assert path.read_text() == LEGACY
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eval.py"]
    captured = capsys.readouterr()
    assert captured.err == (
        f"tf-ckpt-compat: error: cannot write {path}: No space left on device; left as it is\n"
    )


def test_a_file_changed_while_it_is_migrated_is_left_as_it_now_is(tmp_path, monkeypatch, capsys):
    import tf_ckpt_compat.migrate

    path = tmp_path / "eval.py"
    path.write_text(LEGACY)
    real = tf_ckpt_compat.migrate.migrate_source

    def edited_meanwhile(source, **kwargs):
        with open(path, "a") as file:
            file.write("# edited in an editor\n")
        return real(source, **kwargs)

    monkeypatch.setattr(tf_ckpt_compat.migrate, "migrate_source", edited_meanwhile)
    assert _cli.main(["migrate", "--write", str(path)]) == 1
    assert path.read_text() == LEGACY + "# edited in an editor\n"
    assert "changed while it was being migrated" in capsys.readouterr().err


def test_the_pre_commit_hooks_run_the_command():
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    hooks = re.findall(r"^- id: (\S+)\n((?:  .*\n)+)", text, re.M)
    assert [hook_id for hook_id, _ in hooks] == [
        "tf-ckpt-compat-migrate",
        "tf-ckpt-compat-migrate-check",
    ]
    for _, body in hooks:
        fields = dict(re.findall(r"^  (\w+): (.*)$", body, re.M))
        assert fields["language"] == "python"
        assert fields["types"] == "[python]"
        program, *args = fields["entry"].split()
        assert program == "tf-ckpt-compat"
        parsed = _cli.build_parser().parse_args([*args, "x.py"])
        assert parsed.command == "migrate" and parsed.paths == ["x.py"]
    assert "--write" in text and "--check" in text
