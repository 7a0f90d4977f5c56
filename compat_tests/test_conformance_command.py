"""`tf-ckpt-compat conformance` against the installed TensorFlow, in a subprocess."""

import json
import subprocess
import sys
from xml.etree import ElementTree

import pytest

import tf_ckpt_compat
from tf_ckpt_compat.conformance.check import GROUPS
from tf_ckpt_compat.conformance.known_differences import KNOWN_DIFFERENCES

TOTAL_CASES = sum(len(group.cases) for group in GROUPS)


def protobuf_major():
    from google.protobuf import __version__

    return int(__version__.split(".")[0])


def conformance(*args, prelude=""):
    code = (
        f"{prelude}\nimport sys\nfrom tf_ckpt_compat._cli import main\nsys.exit(main(sys.argv[1:]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, "conformance", *args], capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def junit_run(tf, tmp_path_factory):
    out = tmp_path_factory.mktemp("conformance") / "report.xml"
    return conformance("--format", "junit", "--output", str(out)), out


def test_junit_all_equal(junit_run, tf):
    result, out = junit_run
    assert result.returncode == 0, result.stdout + result.stderr
    root = ElementTree.parse(out).getroot()
    suites = root.findall("testsuite")
    assert {s.get("name") for s in suites} == {
        f"{g.name}[{b}]" for g in GROUPS for b in ("tensorflow", "pure")
    }
    cases = root.findall("testsuite/testcase")
    assert len(cases) == 2 * TOTAL_CASES
    assert not root.findall(".//failure")
    known = [c for c in cases if c.find("skipped") is not None]
    assert len(known) == len(KNOWN_DIFFERENCES.get(protobuf_major(), {}))
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert properties["tensorflow"] == tf.__version__
    assert properties["tf-ckpt-compat"] == tf_ckpt_compat.__version__
    assert result.stdout.strip() == (
        f"{2 * TOTAL_CASES - len(known)} equal, {len(known)} known differences, 0 different: {out}"
    )


def test_text_and_json_for_one_group(tf):
    text = conformance("--backend", "pure", "-k", "^writer/")
    assert text.returncode == 0, text.stderr
    writers = len(GROUPS[3].cases)
    known = sum(name.startswith("writer/") for name in KNOWN_DIFFERENCES.get(protobuf_major(), {}))
    assert f"| writer | pure | {writers} | {writers - known} | {known} | 0 |" in text.stdout
    assert f"tensorflow {tf.__version__}" in text.stdout and "protobuf" in text.stdout
    as_json = conformance("--backend", "tensorflow", "--format", "json", "-k", "iterator/empty")
    document = json.loads(as_json.stdout)
    assert as_json.returncode == 0
    assert {c["group"] for c in document["cases"]} == {"iterator"}
    assert all(c["status"] == "equal" and c["backend"] == "tensorflow" for c in document["cases"])
    major_minor = tuple(int(p) for p in tf.__version__.split(".")[:2])
    variant = "C" if major_minor >= (2, 20) else "B" if major_minor == (2, 19) else "A"
    assert document["versions"]["loop variant"] == variant


def test_a_broken_shim_is_caught(tf, tmp_path):
    # A build that logs one message differently: the check must fail and name the scenario.
    # (_LOG is TensorFlow's own logger object too: wrap it, do not patch it.)
    broken = (
        "import logging, tf_ckpt_compat._loop as loop\n"
        "class Broken(logging.LoggerAdapter):\n"
        "    def info(self, msg, *args):\n"
        "        self.logger.info(msg.replace('Found new', 'Found'), *args)\n"
        "loop._LOG = Broken(loop._LOG, {})"
    )
    out = tmp_path / "report.xml"
    result = conformance(
        "--backend",
        "pure",
        "--format",
        "junit",
        "--output",
        str(out),
        "-k",
        "iterator/",
        prelude=broken,
    )
    assert result.returncode == 1
    failures = ElementTree.parse(out).getroot().findall(".//testcase[failure]")
    names = {case.get("name") for case in failures}
    assert "one_checkpoint_then_timeout[pure]" in names
    diff = next(c for c in failures if c.get("name") == "one_checkpoint_then_timeout[pure]")
    assert "+ ('log', 1.0, 'INFO', 'Found checkpoint at <dir>/model.ckpt-1')" in diff.find(
        "failure"
    ).text.replace('"', "'")
    text = conformance("--backend", "pure", "-k", "iterator/present_at_start", prelude=broken)
    assert text.returncode == 1
    assert "DIFFERENT iterator/present_at_start [pure]" in text.stdout
