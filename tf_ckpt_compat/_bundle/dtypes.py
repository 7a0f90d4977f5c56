"""TensorFlow's data types, as a checkpoint names them and as a user sees them.

The enum values and names are those of `tensorflow/core/framework/types.proto`
and `tensorflow/python/framework/dtypes.py` (TensorFlow 2.21). A `DType`
behaves as TensorFlow's where a user can see it: `.name`, `str` and `repr`,
`as_numpy_dtype`, and equality with another dtype, its enum value or its name.
numpy (and ml_dtypes, for bfloat16, float8 and the small integers) is imported
only when a numpy type is asked for.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# enum: (name, the numpy type: a numpy name or "ml_dtypes.<name>"); the debug
# name is "DT_" + the proto's own spelling (_PROTO_NAMES where it differs).
_TYPES: dict[int, tuple[str, str]] = {
    1: ("float32", "float32"),
    2: ("float64", "float64"),
    3: ("int32", "int32"),
    4: ("uint8", "uint8"),
    5: ("int16", "int16"),
    6: ("int8", "int8"),
    7: ("string", "object"),
    8: ("complex64", "complex64"),
    9: ("int64", "int64"),
    10: ("bool", "bool_"),  # np.bool is numpy 2 only
    11: ("qint8", "quantized:i1"),
    12: ("quint8", "quantized:u1"),
    13: ("qint32", "quantized:i4"),
    14: ("bfloat16", "ml_dtypes.bfloat16"),
    15: ("qint16", "quantized:i2"),
    16: ("quint16", "quantized:u2"),
    17: ("uint16", "uint16"),
    18: ("complex128", "complex128"),
    19: ("float16", "float16"),
    20: ("resource", ""),
    21: ("variant", ""),
    22: ("uint32", "uint32"),
    23: ("uint64", "uint64"),
    24: ("float8_e5m2", "ml_dtypes.float8_e5m2"),
    25: ("float8_e4m3fn", "ml_dtypes.float8_e4m3fn"),
    26: ("float8_e4m3fnuz", "ml_dtypes.float8_e4m3fnuz"),
    27: ("float8_e4m3b11fnuz", "ml_dtypes.float8_e4m3b11fnuz"),
    28: ("float8_e5m2fnuz", "ml_dtypes.float8_e5m2fnuz"),
    29: ("int4", "ml_dtypes.int4"),
    30: ("uint4", "ml_dtypes.uint4"),
    31: ("int2", "ml_dtypes.int2"),
    32: ("uint2", "ml_dtypes.uint2"),
    33: ("float4_e2m1fn", "ml_dtypes.float4_e2m1fn"),
}
_PROTO_NAMES = {1: "FLOAT", 2: "DOUBLE", 19: "HALF"}
_BY_NAME = {name: enum for enum, (name, _) in _TYPES.items()}
RESOURCE, VARIANT, STRING = 20, 21, 7


class DType:
    """A TensorFlow data type (`tf.dtypes.DType`), without TensorFlow."""

    __slots__ = ("_enum",)

    def __init__(self, type_enum: int) -> None:
        if type_enum not in _TYPES:
            raise TypeError(f"{type_enum!r} does not correspond to a valid tensorflow::DataType")
        self._enum = type_enum

    @property
    def name(self) -> str:
        return _TYPES[self._enum][0]

    @property
    def as_datatype_enum(self) -> int:
        """The `types.proto` enum value."""
        return self._enum

    @property
    def proto_name(self) -> str:
        """`DT_FLOAT`, `DT_STRING`...: the name `debug_string` shows."""
        return proto_name(self._enum)

    @property
    def as_numpy_dtype(self) -> Any:
        """The numpy type of this dtype's values (`object` for strings), as TensorFlow's.

        Raises:
          ImportError: numpy, or ml_dtypes for bfloat16 and the float8 and
            small integer types, is not installed.
          TypeError: resource and variant, which have none (TensorFlow: KeyError).
        """
        spec = _TYPES[self._enum][1]
        if not spec:
            raise TypeError(f"{self.name} tensors have no numpy type")
        if spec == "object":
            return object
        np = import_numpy()
        if spec.startswith("quantized:"):
            return np.dtype([(self.name, spec.split(":")[1])])
        if spec.startswith("ml_dtypes."):
            return getattr(import_ml_dtypes(self.name), spec[len("ml_dtypes.") :])
        return getattr(np, spec)

    def __eq__(self, other: object) -> bool:
        if other is None:
            return False
        enum = enum_of(other)
        return enum is not None and enum == self._enum

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._enum)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: {self.name!r}>"

    def __reduce__(self) -> tuple[type[DType], tuple[int]]:
        return DType, (self._enum,)


def proto_name(enum: int) -> str:
    """`DataType_Name(enum)`: `DT_FLOAT`...; `DT_INVALID` for 0, and "" for no value at all."""
    if enum == 0:
        return "DT_INVALID"
    if enum not in _TYPES:
        return ""
    return "DT_" + _PROTO_NAMES.get(enum, _TYPES[enum][0].upper())


def enum_of(value: object) -> int | None:
    """The enum value `value` stands for, as TensorFlow's `as_dtype` reads it; None if none.

    `value` may be a `DType` (ours or TensorFlow's), an enum value, a name, or
    a numpy type or dtype.
    """
    if isinstance(value, DType):
        return value.as_datatype_enum
    enum = getattr(value, "as_datatype_enum", None)  # TensorFlow's own DType
    if isinstance(enum, int):
        return enum
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value in _TYPES else None
    if isinstance(value, str):
        return _BY_NAME.get(value)
    for enum, (_, spec) in _TYPES.items():  # a numpy type: compare without importing numpy
        if spec and spec != "object" and not spec.startswith("quantized:"):
            try:
                if DType(enum).as_numpy_dtype == value:
                    return enum
            except ImportError:
                continue
    return None


def import_numpy() -> Any:
    """numpy, or an ImportError that says what to install."""
    try:
        import numpy  # pyright: ignore[reportMissingImports]
    except ImportError as e:
        raise ImportError(
            "reading tensor values needs numpy: pip install 'tf-ckpt-compat[tensors]'"
        ) from e
    return numpy


def import_ml_dtypes(name: str) -> Any:
    """ml_dtypes, or an ImportError that says what to install for `name` tensors."""
    try:
        import ml_dtypes  # pyright: ignore[reportMissingImports]
    except ImportError as e:
        raise ImportError(
            f"{name} tensors need ml_dtypes: pip install 'tf-ckpt-compat[tensors]'"
        ) from e
    return ml_dtypes


def byteswapped(array: Any) -> Any:
    """`array` with each element's bytes reversed (a complex number's two parts each).

    Through an unsigned view of the same width: numpy's own `byteswap` leaves
    ml_dtypes' types (bfloat16...) as they are on older ml_dtypes releases.
    """
    if array.dtype.kind == "c" or array.dtype.itemsize == 1:
        return array.byteswap()
    return array.view(f"u{array.dtype.itemsize}").byteswap().view(array.dtype)
