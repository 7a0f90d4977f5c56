"""Every conformance scenario, TensorFlow beside this package, under each backend.

The scenarios are data in `tf_ckpt_compat/conformance/`; `tf-ckpt-compat
conformance` runs the very same ones through the very same `compare`.
"""

import pytest

from tf_ckpt_compat.conformance.check import GROUPS, Outcome, compare, package_functions
from tf_ckpt_compat.conformance.known_differences import KNOWN_DIFFERENCES, difference

CASES = [(group, case) for group in GROUPS for case in group.cases]


@pytest.fixture(scope="module")
def tensorflow_functions(tf):
    from tf_ckpt_compat.conformance.check import tensorflow_functions

    return tensorflow_functions()


@pytest.mark.parametrize(
    "group, case", CASES, ids=[f"{group.name}/{case.name}" for group, case in CASES]
)
def test_same_trace(group, case, tensorflow_functions, backend, tmp_path):
    outcome = compare(group, case, tensorflow_functions, package_functions(), tmp_path, backend)
    # A case that observed nothing would prove nothing.
    assert outcome.expected
    if outcome.known is None:
        assert outcome.actual == outcome.expected
        return
    # Listed for this protobuf: the traces must differ exactly as listed, so that
    # any other change in the case, a regression included, fails.
    assert outcome.status != "stale", f"listed in known_differences.py, yet equal: {outcome.reason}"
    listed = (outcome.known.tensorflow, outcome.known.package)
    assert difference(outcome.expected, outcome.actual) == listed
    pytest.xfail(f"known difference with this protobuf: {outcome.reason}")


def test_every_group_has_cases():
    sizes = {group.name: len(group.cases) for group in GROUPS}
    assert sizes["iterator"] >= 30 and sizes["layouts"] >= 30
    assert sizes["state_files"] >= 80 and sizes["writer"] >= 40
    assert sizes["readers"] >= 10
    for group in GROUPS:
        names = [case.name for case in group.cases]
        assert len(names) == len(set(names)), f"duplicate case names in {group.name}"


def test_a_listed_case_is_known_only_while_it_differs_as_listed():
    listed = KNOWN_DIFFERENCES[3]["state_files/octal_above_255"]
    common = ("result", "latest_checkpoint", None)
    expected, actual = [*listed.tensorflow, common], [*listed.package, common]

    def status(expected, actual):
        return Outcome("state_files", "octal_above_255", "pure", expected, actual, listed).status

    assert status(expected, actual) == "known"
    assert status(expected, expected) == "stale"
    # Another difference in the same case, on top of the listed one or instead of it.
    assert status(expected, [*actual, ("log", "ERROR", "a regression")]) == "different"
    assert status(expected, [*listed.package, ("result", "latest_checkpoint", "x")]) == "different"
    assert status(expected, [*listed.tensorflow[:1], *actual]) == "different"
