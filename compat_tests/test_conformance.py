"""Every conformance scenario, TensorFlow beside this package, under each backend.

The scenarios are data in `tf_ckpt_compat/conformance/`; `tf-ckpt-compat
conformance` runs the very same ones through the very same `compare`.
"""

import pytest

from tf_ckpt_compat.conformance.check import GROUPS, compare, package_functions

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
    assert outcome.status != "stale", f"listed in known_differences.py, yet equal: {outcome.known}"
    if outcome.status == "known":
        pytest.xfail(f"known difference with this protobuf: {outcome.known}")
    assert outcome.actual == outcome.expected


def test_every_group_has_cases():
    sizes = {group.name: len(group.cases) for group in GROUPS}
    assert sizes["iterator"] >= 30 and sizes["layouts"] >= 30
    assert sizes["state_files"] >= 80 and sizes["writer"] >= 40
    assert sizes["readers"] >= 10
    for group in GROUPS:
        names = [case.name for case in group.cases]
        assert len(names) == len(set(names)), f"duplicate case names in {group.name}"
