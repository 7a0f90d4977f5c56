"""The state-file corpus, beyond case-by-case equality (that is test_conformance)."""

from tf_ckpt_compat.conformance.check import GROUPS


def test_corpus_reaches_every_outcome(tf, tmp_path):
    # The corpus must exercise every outcome in TensorFlow: a state, None with
    # warnings, and an exception (invalid state, invalid UTF-8).
    from tf_ckpt_compat.conformance.check import tensorflow_functions

    group = next(group for group in GROUPS if group.name == "state_files")
    outcomes = set()
    for i, layout in enumerate(group.cases):
        first = group.run(layout, tensorflow_functions(), tmp_path / str(i))[0]
        if first[0] == "result":
            outcomes.add("state" if first[2] is not None else "none")
        else:
            outcomes.add(first[0] if first[0] != "log" else "warned")
    assert outcomes >= {"state", "warned", "raise"}
