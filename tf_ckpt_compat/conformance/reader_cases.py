"""Reader cases: TensorFlow's checkpoints, whole or damaged, read by both sides.

Each case reads one checkpoint written by the installed TensorFlow
(`checkpoints.WRITERS`), maybe damaged (`checkpoints.CORRUPTIONS`), through
`list_variables`, `load_checkpoint` (both maps and `debug_string`) and
`get_tensor` of every tensor listed (or of `targets`, when listing fails), and
`load_variable` with a trailing `:0`.
"""

from __future__ import annotations

from typing import NamedTuple

from .checkpoints import CORRUPTIONS, V1_CORRUPTIONS, VARIANT_CORRUPTIONS, WRITERS


class ReaderCase(NamedTuple):
    name: str
    checkpoint: str  # a key of checkpoints.WRITERS
    damage: str | None = None  # how checkpoints.damage breaks it
    # Tensors to read whatever the listing says (damaged checkpoints list nothing).
    targets: tuple[str, ...] = ()
    # Read through the run directory (its state file) instead of the prefix.
    through_directory: bool = False


_F32 = "f32/.ATTRIBUTES/VARIABLE_VALUE"
_STRINGS = "strings/.ATTRIBUTES/VARIABLE_VALUE"
_I64 = "i64/.ATTRIBUTES/VARIABLE_VALUE"
_ITERATOR = "iterator/.ATTRIBUTES/ITERATOR_STATE"
_STEP = "step/.ATTRIBUTES/VARIABLE_VALUE"

READER_CASES: tuple[ReaderCase, ...] = (
    *(ReaderCase(kind, kind) for kind in WRITERS),
    ReaderCase("directory", "tf2_dtypes", through_directory=True),
    ReaderCase("missing_keys", "tf2_dtypes", targets=("missing", "missing:0", "")),
    *(
        ReaderCase(
            f"damaged_{how}",
            "tf2_dtypes",
            how,
            # The damaged tensor, and one beside it that must still read (or not) as TF.
            (_STRINGS if how == "string_length_checksum" else _F32, _I64),
        )
        for how in CORRUPTIONS
    ),
    *(
        ReaderCase(f"damaged_{how}", "iterator", how, (_ITERATOR, _STEP))
        for how in VARIANT_CORRUPTIONS
    ),
    # V1 checkpoints: a sharded save's pattern through its state file, names
    # TensorFlow's V1 reader does not find (a slice's own), and damaged files.
    ReaderCase("v1_directory", "tf1_v1_sharded", through_directory=True),
    ReaderCase("v1_missing_keys", "tf1_v1", targets=("missing", "f32:0", "", "part/part_0")),
    *(
        ReaderCase(
            f"damaged_{how}",
            "tf1_v1_sharded" if how == "v1_missing_shard" else "tf1_v1",
            how,
            ("f32", "i64"),
        )
        for how in V1_CORRUPTIONS
    ),
)
# TensorFlow aborts the whole process (a failed CHECK) when one data file of a
# sharded bundle is missing, and when asked for a tensor whose dtype it cannot
# hold (an unknown enum, a resource): no case can compare that (the listings of
# such bundles are compared in compat_tests/test_reader_compat.py).
