"""V1 checkpoints (TensorFlow 1's `TensorSliceReader` format), read without TensorFlow.

A V1 checkpoint is one or more sorted tables (the `.index` format of
`table.py`) that the prefix itself names, or matches as a file pattern
(`model.ckpt-?????-of-00002` for a sharded save). Each table holds, under the
key "", a `SavedTensorSlices` whose `meta` lists every tensor of the file with
its shape, dtype and saved slices, and under each slice's key
(`ordered_code.tensor_slice_key`) a `SavedTensorSlices` whose `data` holds
that slice's values in a `TensorProto`'s typed fields (`wire.TensorValues`).

The reader follows `tensorflow/core/util/tensor_slice_reader.{h,cc}` (the
glob, one table per file, the meta entry, `GetTensor`, `CopySliceData`,
`DebugString`), `tensor_slice_set.cc` (`RegisterTensorSlice`) and
`saved_tensor_slice_util.h` (which field each dtype is read from), and keeps
their errors and messages. As TensorFlow's, it gives no value for a
partitioned variable (more than one slice) nor for dtypes other than the nine
`GetTensor` copies. TensorFlow keeps the tensors in a `std::unordered_map`,
whose order its listings and `DebugString` show: `_hash_order` reproduces it.

Listings need no numpy; `get_tensor` does.
"""

from __future__ import annotations

import math

from .. import _match, _storage
from .. import errors as tf_errors
from . import ordered_code, wire
from .dtypes import STRING, DType, import_numpy, proto_name
from .status import check_version, key_name, os_status, tf_error
from .table import Table, TableError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# The dtypes `TensorSliceReader::GetTensor` copies (READER_COPY, TensorFlow 2.16
# to 2.21), each with the `TensorProto` field `TensorProtoData<T>` reads it from.
_FIELDS = {
    1: "floats",  # DT_FLOAT: float_val
    2: "doubles",  # DT_DOUBLE: double_val
    3: "ints",  # DT_INT32: int_val
    4: "ints",  # DT_UINT8
    5: "ints",  # DT_INT16
    6: "ints",  # DT_INT8
    9: "int64s",  # DT_INT64: int64_val
    7: "strings",  # DT_STRING: string_val
    10: "bools",  # DT_BOOL: bool_val
}
_CODE_NAMES = {
    code: name for name, code in vars(tf_errors).items() if name.isupper() and isinstance(code, int)
}


class _Tensor:
    """A `TensorSliceSet`: one tensor's shape and dtype, and its slices by `DebugString`."""

    __slots__ = ("shape", "dtype", "slices")

    def __init__(self, shape: list[int], dtype: int) -> None:
        self.shape = shape
        self.dtype = dtype
        # slice string: (extents, the file that holds it), in registration order.
        self.slices: dict[str, tuple[list[tuple[int, int]], str]] = {}


class TensorSliceReader:
    """The tensors of a V1 checkpoint: every file `filepattern` matches.

    Args:
      filepattern: the checkpoint's file, or a pattern matching its files.

    Raises:
      NotFoundError: no file matches.
      DataLossError: a file is not a table.
      InternalError: a file has no meta entry.
      ValueError: its version is not one TensorFlow reads.
      OpError: files disagree on a tensor, or its slices overlap.
    """

    def __init__(self, filepattern: str) -> None:
        self._fs = _storage.for_path(filepattern)
        self._tables: dict[str, Table] = {}
        self._tensors: dict[bytes, _Tensor] = {}
        self._order: list[bytes] | None = None
        files = _match.get_matching_files(filepattern, self._fs)
        if not files:
            raise tf_error(
                tf_errors.NOT_FOUND,
                "Unsuccessful TensorSliceReader constructor: Failed to find any matching files "
                f"for {filepattern}",
            )
        for path in files:
            self._load(path)

    def _load(self, path: str) -> None:
        """`LoadShard`: opens the file's table, reads its meta entry, registers its slices."""
        table = self._tables[path] = self._open(path)
        try:
            value = table.get(b"")
            meta = None if value is None else wire.parse_tensor_slices(value)
        except (TableError, OSError, wire.WireError):
            meta = None  # TensorFlow's Get finds nothing where the table cannot be read
        if meta is None:
            raise tf_error(
                tf_errors.INTERNAL,
                "Failed to find the saved tensor slices at the beginning of the checkpoint "
                f"file: {path}",
            )
        check_version(meta.versions)
        for tensor in meta.tensors:
            for extents in tensor.slices:
                self._register(tensor, extents, path)

    def _open(self, path: str) -> Table:
        """`OpenTableTensorSliceReader`: the file's size, then the table's footer and index."""
        prefix = f"Unable to open table file {path}: "
        try:
            size = self._fs.stat(path).size
        except OSError as e:
            raise tf_error(tf_errors.DATA_LOSS, prefix + _status(e, path)) from None
        # What Table::Open answers comes with a hint, in TensorFlow's words.
        hint = (
            ": perhaps your file is in a different file format and you need to use a "
            "different restore operator?"
        )
        try:
            return Table(lambda offset, length: self._fs.read_range(path, offset, length), size)
        except TableError as e:
            raise tf_error(tf_errors.DATA_LOSS, f"{prefix}DATA_LOSS: {e}{hint}") from None
        except OSError as e:
            raise tf_error(tf_errors.DATA_LOSS, prefix + _status(e, path) + hint) from None

    def _register(self, meta: wire.SliceMeta, extents: list[tuple[int, int]], path: str) -> None:
        """`RegisterTensorSlice`, with `TensorSliceSet::Register`'s checks."""
        shape = meta.shape or []
        tensor = self._tensors.get(meta.name)
        if tensor is None:
            tensor = self._tensors[meta.name] = _Tensor(shape, meta.dtype)
        elif shape != tensor.shape:
            raise tf_error(
                tf_errors.INTERNAL,
                f"Incompatible tensor shapes detected for tensor {key_name(meta.name)}: existing "
                f"= {_shape_string(tensor.shape)}, new = {_shape_string(shape)}",
            )
        elif meta.dtype != tensor.dtype:
            raise tf_error(
                tf_errors.INTERNAL,
                f"Incompatible tensor types detected for tensor {key_name(meta.name)}: existing "
                f"= {_type_string(tensor.dtype)}, new = {_type_string(meta.dtype)}",
            )
        text = _slice_string(extents)
        _slice_shape(tensor.shape, extents, text)
        overlapping = {key for key, (other, _) in tensor.slices.items() if _overlap(other, extents)}
        if overlapping:
            # TensorFlow names the first its map of slices yields.
            keys = [key.encode() for key in tensor.slices]
            existing = next(k.decode() for k in _hash_order(keys) if k.decode() in overlapping)
            raise tf_error(
                tf_errors.INTERNAL,
                f"Overlapping slices: existing slice = {existing}, new slice = {text}",
            )
        tensor.slices[text] = (extents, path)

    # --- the variable maps -----------------------------------------------------------

    def _listed(self) -> list[tuple[bytes, _Tensor]]:
        """The tensors in the order of TensorFlow's map, which its listings follow."""
        if self._order is None:
            self._order = _hash_order(list(self._tensors))
        return [(name, self._tensors[name]) for name in self._order]

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        return {key_name(name): list(tensor.shape) for name, tensor in self._listed()}

    def variable_dtypes(self) -> dict[str, int]:
        """Each tensor's dtype enum, for `get_variable_to_dtype_map`."""
        return {key_name(name): tensor.dtype for name, tensor in self._listed()}

    def has_tensor(self, name: bytes) -> bool:
        return name in self._tensors

    def debug_string(self) -> bytes:
        """`TensorSliceReader::DebugString`: `name (DT_FLOAT) [2,3]`, then `, 3 slices` if more."""
        lines = []
        for name, tensor in self._listed():
            line = f" ({proto_name(tensor.dtype)}) {_shape_string(tensor.shape)}"
            if len(tensor.slices) > 1:
                line += f", {len(tensor.slices)} slices"
            lines.append(name + line.encode() + b"\n")
        return b"".join(lines)

    # --- values ---------------------------------------------------------------------------

    def get_tensor(self, name: bytes) -> Any:
        """`TensorSliceReader::GetTensor`: a one-slice tensor of a dtype it copies, as an array."""
        tensor = self._tensors.get(name)
        if tensor is None:
            raise tf_error(tf_errors.NOT_FOUND, f"{key_name(name)} not found in checkpoint file")
        if len(tensor.slices) > 1:
            raise tf_error(tf_errors.UNIMPLEMENTED, "Sliced checkpoints are not supported")
        field = _FIELDS.get(tensor.dtype)
        if field is None:
            raise tf_error(tf_errors.UNIMPLEMENTED, "Data type not supported")
        np = import_numpy()
        ((text, (extents, path)),) = tensor.slices.items()
        values = self._slice_values(path, ordered_code.tensor_slice_key(name, extents))
        count = math.prod(_slice_shape(tensor.shape, extents, text))
        stored: Any = None if values is None else getattr(values, field)
        dtype = np.dtype(DType(tensor.dtype).as_numpy_dtype)
        # float_val and double_val are kept as their bytes, the others as values.
        width = dtype.itemsize if field in ("floats", "doubles") else 1
        # CopySliceData fails, and GetTensor with it, where the slice's record
        # cannot be read or holds another number of values than the slice has.
        if stored is None or len(stored) != count * width:
            raise tf_error(tf_errors.NOT_FOUND, f"{key_name(name)} not found in checkpoint file")
        if width > 1:
            # A copy in the machine's byte order: a byte swap on a big-endian one.
            part = np.frombuffer(stored, dtype.newbyteorder("<")).astype(dtype)
        elif tensor.dtype == STRING:
            part = np.empty(count, dtype=object)
            part[:] = stored
        else:
            # int_val holds int8, uint8 and int16 values in int32s: C++ narrows them.
            part = np.array(stored, dtype=np.int64).astype(dtype)
        size = math.prod(tensor.shape)
        if count < size:
            # CopySliceData fills the tensor as if it had the slice's shape: a
            # slice smaller than the tensor (only a hand-made save has one)
            # leaves the rest of TensorFlow's tensor uninitialized; zeros (empty
            # strings) here.
            full = np.zeros(size, dtype=dtype)
            if tensor.dtype == STRING:
                full[:] = [b""] * size
            full[:count] = part
            part = full
        value = part.reshape(tensor.shape)
        return value[()] if value.ndim == 0 else value

    def _slice_values(self, path: str, key: bytes) -> wire.TensorValues | None:
        """The `TensorProto` under `key` in file `path`; None where it cannot be read."""
        try:
            value = self._tables[path].get(key)
            return None if value is None else wire.parse_tensor_slices(value).data
        except (TableError, OSError, wire.WireError):
            return None


def _status(error: OSError, path: str) -> str:
    """A failed file operation as `Status::ToString` prints it: `NOT_FOUND: <message>`."""
    code, message = os_status(error, path)
    return f"{_CODE_NAMES[code]}: {message}"


def _shape_string(shape: list[int]) -> str:
    """`TensorShape::DebugString`: `[2,3]`, `[]` for a scalar."""
    return "[" + ",".join(map(str, shape)) + "]"


def _type_string(enum: int) -> str:
    """`DataTypeString`: the proto's name in lower case (`float`, `half`...), but `INVALID`."""
    if enum == 0:
        return "INVALID"
    return proto_name(enum)[3:].lower() or f"unknown dtype enum ({enum})"


def _slice_string(extents: list[tuple[int, int]]) -> str:
    """`TensorSlice::DebugString`: `start,length` or `-` (a whole dimension), by `:`."""
    return ":".join("-" if length == -1 else f"{start},{length}" for start, length in extents)


def _slice_shape(shape: list[int], extents: list[tuple[int, int]], text: str) -> list[int]:
    """`TensorSlice::SliceTensorShape`: the slice's own shape, checked against the tensor's."""
    if len(shape) != len(extents):
        raise tf_error(
            tf_errors.INTERNAL,
            f"Mismatching ranks: shape = {_shape_string(shape)}, slice = {text}",
        )
    result = []
    for d, (dim, (start, length)) in enumerate(zip(shape, extents)):
        if length == -1:
            result.append(dim)
        elif start + length <= dim:
            result.append(length)
        else:
            raise tf_error(
                tf_errors.INTERNAL,
                f"Extent in dimension {d} out of bounds: shape = {_shape_string(shape)}, "
                f"slice = {text}",
            )
    return result


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    """`TensorSlice::Overlaps`: every dimension's ranges meet (a whole one meets any)."""
    if len(a) != len(b):
        return False
    for (start_a, length_a), (start_b, length_b) in zip(a, b):
        if length_a == -1 or length_b == -1:
            continue
        if min(start_a + length_a, start_b + length_b) - max(start_a, start_b) <= 0:
            return False
    return True


# --- the order of libstdc++'s std::unordered_map<std::string, ...> -----------------------

_MASK = (1 << 64) - 1
_MUL = 0xC6A4A793_5BD1E995  # _Hash_bytes' multiplier, for a 64-bit size_t
_SEED = 0xC70F6907  # std::hash<std::string>'s seed
# The bucket counts a growing map takes (`_Prime_rehash_policy`, max load factor
# 1): 13 from the first insertion, the next when it holds more than the count.
# Past the last (more than 24 million tensors) the order is not TensorFlow's.
_BUCKETS = (
    13, 29, 59, 127, 257, 541, 1109, 2357, 5087, 10273, 20753, 42043, 85229, 172933,
    351061, 712697, 1447153, 2938679, 5967347, 12117689, 24607243,
)  # fmt: skip


def _hash(key: bytes) -> int:
    """`std::_Hash_bytes(key, len, 0xc70f6907)`: libstdc++'s std::hash of a string."""

    def shift_mix(value: int) -> int:
        return value ^ (value >> 47)

    length = len(key)
    aligned = length & ~7
    result = (_SEED ^ (length * _MUL)) & _MASK
    for i in range(0, aligned, 8):
        word = int.from_bytes(key[i : i + 8], "little")
        result ^= (shift_mix((word * _MUL) & _MASK) * _MUL) & _MASK
        result = (result * _MUL) & _MASK
    if length & 7:
        result ^= int.from_bytes(key[aligned:], "little")
        result = (result * _MUL) & _MASK
    return shift_mix((shift_mix(result) * _MUL) & _MASK)


def _hash_order(keys: list[bytes]) -> list[bytes]:
    """The order a `std::unordered_map` (libstdc++) inserted `keys` into, distinct, yields.

    A node goes first in its bucket's run of nodes, and a node of an empty
    bucket first in the whole list; a rehash re-inserts the nodes, in that order.
    """
    hashes = {key: _hash(key) for key in keys}
    runs: dict[int, list[bytes]] = {}  # each bucket's nodes, newest last
    started: list[int] = []  # the buckets, by their first node, oldest first
    buckets, step = 1, 0

    def add(key: bytes) -> None:
        bucket = hashes[key] % buckets
        if bucket in runs:
            runs[bucket].append(key)
        else:
            runs[bucket] = [key]
            started.append(bucket)

    def ordered() -> list[bytes]:
        return [key for bucket in reversed(started) for key in reversed(runs[bucket])]

    for count, key in enumerate(keys, 1):
        if count > buckets and step < len(_BUCKETS):
            buckets = _BUCKETS[step]
            step += 1
            rehashed = ordered()
            runs.clear()
            started.clear()
            for node in rehashed:
                add(node)
        add(key)
    return ordered()
