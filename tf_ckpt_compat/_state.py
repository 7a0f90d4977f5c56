"""The pure result type of `get_checkpoint_state`: TensorFlow's CheckpointState."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar


class CheckpointState:
    """The content of a TensorFlow `checkpoint` state file.

    The fields, their types and their defaults are those of the proto3 message
    `tensorflow.CheckpointState`, so code written against TensorFlow's proto
    (attribute access, truthiness of `model_checkpoint_path`, iteration over the
    repeated fields) works unchanged. Two states are equal when every field is.

    With the TensorFlow backend, `get_checkpoint_state` returns TensorFlow's own
    proto instead; both have these four fields.
    """

    # A plain class rather than a dataclass: `dataclasses` imports `inspect`,
    # which would double the cost of `import tf_ckpt_compat` in a cold process.
    __slots__ = (
        "model_checkpoint_path",
        "all_model_checkpoint_paths",
        "all_model_checkpoint_timestamps",
        "last_preserved_timestamp",
    )

    model_checkpoint_path: str
    all_model_checkpoint_paths: list[str]
    all_model_checkpoint_timestamps: list[float]
    last_preserved_timestamp: float

    def __init__(
        self,
        model_checkpoint_path: str = "",
        all_model_checkpoint_paths: list[str] | None = None,
        all_model_checkpoint_timestamps: list[float] | None = None,
        last_preserved_timestamp: float = 0.0,
    ) -> None:
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths or ())
        self.all_model_checkpoint_timestamps = list(all_model_checkpoint_timestamps or ())
        self.last_preserved_timestamp = last_preserved_timestamp

    def _fields(self) -> tuple[str, list[str], list[float], float]:
        return (
            self.model_checkpoint_path,
            self.all_model_checkpoint_paths,
            self.all_model_checkpoint_timestamps,
            self.last_preserved_timestamp,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CheckpointState):
            return NotImplemented
        return self._fields() == other._fields()

    # Unhashable (mutable, like the proto): typeshed's spelling, which type checkers
    # see as overriding object.__hash__ with an incompatible type.
    __hash__: ClassVar[None] = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"CheckpointState(model_checkpoint_path={self.model_checkpoint_path!r}, "
            f"all_model_checkpoint_paths={self.all_model_checkpoint_paths!r}, "
            f"all_model_checkpoint_timestamps={self.all_model_checkpoint_timestamps!r}, "
            f"last_preserved_timestamp={self.last_preserved_timestamp!r})"
        )
