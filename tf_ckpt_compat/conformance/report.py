"""Renders conformance outcomes as text, JSON or JUnit XML."""

from __future__ import annotations

import difflib
import json
import pprint
from xml.etree import ElementTree

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .check import Outcome


def trace_diff(outcome: Outcome) -> str:
    """A unified diff from TensorFlow's trace to the package's, one event per line."""
    expected = pprint.pformat(outcome.expected, width=100).splitlines()
    actual = pprint.pformat(outcome.actual, width=100).splitlines()
    lines = difflib.unified_diff(expected, actual, "tensorflow", "tf_ckpt_compat", lineterm="")
    return "\n".join(lines)


def summary(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """One row per (group, backend): cases, equal, known differences, different.

    A stale entry of the known-differences table counts as different: the
    table must say exactly what differs.
    """
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for o in outcomes:
        row = rows.setdefault(
            (o.group, o.backend),
            {
                "group": o.group,
                "backend": o.backend,
                "cases": 0,
                "equal": 0,
                "known": 0,
                "different": 0,
            },
        )
        row["cases"] += 1
        row["different" if o.status == "stale" else o.status] += 1
    return list(rows.values())


def _explain(o: Outcome) -> str:
    if o.reason is None:
        return trace_diff(o)
    if o.status == "stale":
        return (
            f"listed as a known difference ({o.reason}) but equal: "
            "update tf_ckpt_compat/conformance/known_differences.py"
        )
    return (
        f"listed as a known difference ({o.reason}), but it differs otherwise "
        "than listed in tf_ckpt_compat/conformance/known_differences.py:\n" + trace_diff(o)
    )


def _case_id(o: Outcome) -> str:
    return f"{o.group}/{o.case} [{o.backend}]"


def render_text(outcomes: list[Outcome], versions: dict[str, str]) -> str:
    lines = [
        "tf-ckpt-compat conformance: " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        "",
        "| group | backend | cases | equal | known differences | different |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['group']} | {r['backend']} | {r['cases']} | {r['equal']} | {r['known']} "
        f"| {r['different']} |"
        for r in summary(outcomes)
    ]
    lines += ["", totals(outcomes)]
    for o in outcomes:
        if o.status == "known":
            lines.append(f"known difference {_case_id(o)}: {o.reason}")
    for o in outcomes:
        if not o.ok:
            lines += ["", f"DIFFERENT {_case_id(o)}", _explain(o)]
    return "\n".join(lines) + "\n"


def totals(outcomes: list[Outcome]) -> str:
    """`"N equal, K known differences, M different"`."""
    counts = {status: 0 for status in ("equal", "known", "different")}
    for o in outcomes:
        counts["different" if o.status == "stale" else o.status] += 1
    return (
        f"{counts['equal']} equal, {counts['known']} known differences, "
        f"{counts['different']} different"
    )


def render_json(outcomes: list[Outcome], versions: dict[str, str]) -> str:
    document = {
        "versions": versions,
        "summary": summary(outcomes),
        "cases": [
            {
                "group": o.group,
                "case": o.case,
                "backend": o.backend,
                "status": o.status,
                **({"known": o.reason} if o.reason else {}),
                **({} if o.status == "equal" else {"diff": _explain(o)}),
            }
            for o in outcomes
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def render_junit(outcomes: list[Outcome], versions: dict[str, str]) -> str:
    suites = ElementTree.Element("testsuites", name="tf-ckpt-compat conformance")
    for row in summary(outcomes):
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=f"{row['group']}[{row['backend']}]",
            tests=str(row["cases"]),
            failures=str(row["different"]),
            errors="0",
            skipped=str(row["known"]),
        )
        properties = ElementTree.SubElement(suite, "properties")
        for key, value in versions.items():
            ElementTree.SubElement(properties, "property", name=key, value=value)
        for o in outcomes:
            if (o.group, o.backend) != (row["group"], row["backend"]):
                continue
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=f"tf_ckpt_compat.conformance.{o.group}",
                name=f"{o.case}[{o.backend}]",
            )
            if o.status == "known":
                ElementTree.SubElement(case, "skipped", message=f"known difference: {o.reason}")
            elif not o.ok:
                failure = ElementTree.SubElement(
                    case, "failure", message="differs from TensorFlow", type="TraceMismatch"
                )
                failure.text = _explain(o)
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "junit": render_junit}
