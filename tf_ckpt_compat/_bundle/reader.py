"""`CheckpointReader`: a TensorFlow checkpoint's tensors, read without TensorFlow.

`CheckpointReader` chooses the format as `tensorflow/c/checkpoint_reader.cc`
does: a V2 checkpoint (a bundle, read here) where `<prefix>.index` exists, else
a V1 checkpoint (`slices.py`). The bundle reader follows `checkpoint_reader.cc`
(the variable maps, with partitioned variables' slice keys hidden) and
`BundleReader` in `tensorflow/core/util/tensor_bundle/tensor_bundle.cc`
(lookups, the data shards, CRC checks, string tensors, byte order,
reassembled slices). The `.index` file is read once, whole (one request on
object stores); each tensor is then one binary search of it and one positioned
read (one ranged request) of its shard.

Listings need no numpy; `get_tensor` does (and ml_dtypes for bfloat16 and the
float8 and small integer types).
"""

from __future__ import annotations

import math
import sys

from .. import _storage
from .. import errors as tf_errors
from . import crc32c, ordered_code, wire
from .dtypes import RESOURCE, STRING, VARIANT, DType, byteswapped, import_numpy, proto_name
from .status import check_version, key_name, os_status, tf_error
from .table import Table, TableError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal

    from .slices import TensorSliceReader


def _not_found(key: bytes) -> Exception:
    return tf_error(tf_errors.NOT_FOUND, f"Key {key_name(key)} not found in checkpoint")


def data_filename(prefix: str, shard: int, num_shards: int) -> str:
    """`DataFilename` in tensor_bundle/naming.cc."""
    return "%s.data-%05d-of-%05d" % (prefix, shard, num_shards)


class CheckpointReader:
    """The tensors of one checkpoint, by name: TensorFlow's `CheckpointReader`.

    Args:
      prefix: the checkpoint prefix (`<dir>/ckpt-7`), on any storage the pure
        backend serves: `<prefix>.index` and the `<prefix>.data-*` shards of a
        V2 checkpoint, or else the file (`model.ckpt`) or file pattern
        (`model.ckpt-?????-of-00002`) of a V1 checkpoint.

    Raises:
      NotFoundError: no `<prefix>.index`, and no file `prefix` matches.
      DataLossError, OpError: the index is not a readable bundle, or a file of
        a V1 checkpoint not a readable table.
      InternalError: a V1 checkpoint's file has no list of its tensors.
    """

    def __init__(self, prefix: str) -> None:
        index = prefix + ".index"
        fs = _storage.for_path(index)
        self._reader: BundleReader | TensorSliceReader
        try:
            # Read once, whole: it is small beside the data (about a hundred bytes a
            # tensor), and each lookup then costs no request.
            table = fs.read_bytes(index)
        except FileNotFoundError:
            # TensorFlow globs `<prefix>.index`: a prefix with glob characters
            # (a sharded V1 save's) matches no index either.
            from .slices import TensorSliceReader

            self._reader = TensorSliceReader(prefix)
        except OSError as e:
            raise tf_error(*os_status(e, index)) from None
        else:
            self._reader = BundleReader(prefix, fs, table)

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        """Each tensor's name and shape (a list of ints)."""
        return self._reader.get_variable_to_shape_map()

    def get_variable_to_dtype_map(self) -> dict[str, DType]:
        """Each tensor's name and dtype."""
        # As TensorFlow's Python wrapper: an enum no DType has raises TypeError here.
        return {name: DType(enum) for name, enum in self._reader.variable_dtypes().items()}

    def has_tensor(self, tensor_str: str) -> bool:
        """Whether the checkpoint holds a tensor of that name (a bundle's slice keys too, as TF)."""
        return self._reader.has_tensor(_key(tensor_str))

    def debug_string(self) -> bytes:
        """Every stored tensor: `name (DT_FLOAT) [2,3]`, one a line, as TensorFlow prints them.

        For a bundle, in key order, a partitioned variable by its stored slices,
        each under its encoded slice key; for a V1 checkpoint, in the order of
        TensorFlow's map, a partitioned variable by its name and full shape,
        with its number of slices (`part (DT_FLOAT) [10,3], 3 slices`).
        """
        return self._reader.debug_string()

    def get_tensor(self, tensor_str: str) -> Any:
        """The tensor's value: an ndarray; a numpy scalar or `bytes` for a scalar.

        Raises:
          NotFoundError: no tensor of that name.
          DataLossError: its bytes fail their checksum, or a shard is short.
          UnimplementedError: a resource or variant tensor; in a V1
            checkpoint, a partitioned variable, or a dtype TensorFlow's V1
            reader does not copy (all but float32, float64, int8, int16,
            int32, int64, uint8, bool and string).
          ImportError: numpy (or ml_dtypes) is not installed.
        """
        return self._reader.get_tensor(_key(tensor_str))


class BundleReader:
    """A V2 checkpoint (`BundleReader`), from its index file's bytes `table`.

    Raises:
      DataLossError, OpError: the index is not a readable bundle.
    """

    def __init__(self, prefix: str, fs: _storage.FileSystem, table: bytes) -> None:
        self._prefix = prefix
        index = prefix + ".index"
        self._fs = fs
        try:
            self._table = Table(lambda offset, length: table[offset : offset + length], len(table))
        except TableError as e:
            raise tf_error(tf_errors.DATA_LOSS, str(e)) from None
        try:
            header_bytes = self._table.get(b"")
        except TableError as e:
            # BundleReader's CorruptFileError, for the seek to the header entry.
            raise tf_error(
                tf_errors.DATA_LOSS,
                f"Unable to read file ({index}). Perhaps the file is corrupt or was produced "
                "by a newer version of TensorFlow with format changes (failed to seek to "
                f"header entry): {e}",
            ) from None
        if header_bytes is None:
            raise tf_error(tf_errors.DATA_LOSS, f"Checkpoint {prefix} has no header entry")
        try:
            header = wire.parse_header(header_bytes)
        except wire.WireError:
            raise tf_error(tf_errors.DATA_LOSS, "Entry for key  not parseable.") from None
        check_version(header)
        self._num_shards = header.num_shards
        # The byte order of the machine that wrote the bundle, and whether it is not ours.
        self._order: Literal["little", "big"] = (
            "big" if header.endianness == wire.Header.BIG else "little"
        )
        self._swap = self._order != sys.byteorder
        self._maps: tuple[dict[str, list[int]], dict[str, int]] | None = None

    # --- the variable maps -----------------------------------------------------------

    def _variable_maps(self) -> tuple[dict[str, list[int]], dict[str, int]]:
        """Every tensor's shape and dtype, slice keys left out (`BuildV2VarMaps`)."""
        if self._maps is None:
            entries = []
            slice_keys: set[bytes] = set()
            for key, value in self._items():
                if key == b"":
                    continue
                entry = self._parse(key, value)
                entries.append((key, entry))
                for extents in entry.slices:
                    slice_keys.add(ordered_code.tensor_slice_key(key, extents))
            shapes: dict[str, list[int]] = {}
            dtypes: dict[str, int] = {}
            for key, entry in entries:
                if key in slice_keys:
                    continue
                name = key_name(key)
                shapes[name] = list(entry.shape or [])
                dtypes[name] = entry.dtype
            self._maps = shapes, dtypes
        return self._maps

    def _items(self) -> Any:
        try:
            yield from self._table.items()
        except TableError as e:
            raise tf_error(tf_errors.DATA_LOSS, str(e)) from None

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        return dict(self._variable_maps()[0])

    def variable_dtypes(self) -> dict[str, int]:
        """Each tensor's dtype enum, for `get_variable_to_dtype_map`."""
        return dict(self._variable_maps()[1])

    def has_tensor(self, key: bytes) -> bool:
        return self._lookup(key) is not None

    def debug_string(self) -> bytes:
        """`BundleReader::DebugString`: every stored tensor, slice keys too, in key order."""
        lines = []
        for key, value in self._items():
            entry = self._parse(key, value) if key else None
            if entry is None or entry.slices:
                continue
            dims = ",".join(map(str, entry.shape or []))
            lines.append(key + f" ({proto_name(entry.dtype)}) [{dims}]\n".encode())
        return b"".join(lines)

    # --- values ---------------------------------------------------------------------------

    def get_tensor(self, key: bytes) -> Any:
        entry = self._lookup(key)
        if entry is None:
            raise _not_found(key)
        import_numpy()  # before any read: say at once what to install
        value = self._value(key, entry)
        # As TensorFlow's: a numpy scalar, or bytes, rather than a 0-d array.
        return value[()] if value.ndim == 0 else value

    def _lookup(self, key: bytes) -> wire.Entry | None:
        try:
            value = self._table.get(key)
        except TableError as e:
            raise tf_error(tf_errors.DATA_LOSS, str(e)) from None
        # The header's key too: TensorFlow parses the header as an entry, as here.
        return None if value is None else self._parse(key, value)

    def _parse(self, key: bytes, value: bytes) -> wire.Entry:
        try:
            return wire.parse_entry(value)
        except wire.WireError:
            message = f"Entry for key {key_name(key)} not parseable."
            raise tf_error(tf_errors.DATA_LOSS, message) from None

    def _value(self, key: bytes, entry: wire.Entry) -> Any:
        shape = entry.shape or []
        if entry.dtype == VARIANT:
            self._check_variants(entry, math.prod(shape))
            raise _not_convertible(entry.dtype)
        if entry.dtype == RESOURCE and entry.size != math.prod(shape) * _RESOURCE_HANDLE_BYTES:
            raise _invalid_size(key, entry.size, math.prod(shape) * _RESOURCE_HANDLE_BYTES)
        if entry.dtype == RESOURCE or entry.dtype not in _KNOWN:
            # TensorFlow aborts the whole process here (a failed CHECK): the
            # error it gives for a tensor numpy cannot hold is the nearest.
            raise _not_convertible(entry.dtype)
        dtype = DType(entry.dtype)
        if entry.slices:
            return self._reassemble(key, entry, dtype, shape)
        if entry.dtype == STRING:
            return self._strings(entry, shape)
        return self._numeric(key, entry, dtype, shape)

    def _numeric(self, key: bytes, entry: wire.Entry, dtype: DType, shape: list[int]) -> Any:
        np = import_numpy()
        np_dtype = np.dtype(dtype.as_numpy_dtype)
        expected = math.prod(shape) * np_dtype.itemsize
        if entry.size != expected:
            raise _invalid_size(key, entry.size, expected)
        if self._swap and entry.dtype not in _SWAPPABLE:
            raise tf_error(
                tf_errors.INTERNAL,
                f"Byte-swapping not supported for tensors with dtype {entry.dtype}",
            )
        data = self._read(entry)
        actual = crc32c.value(data)
        if crc32c.unmask(entry.crc32c) != actual:
            raise self._checksum_error(entry, actual)
        array = np.frombuffer(data, dtype=np_dtype).reshape(shape)
        if self._swap and np_dtype.itemsize > 1:
            array = byteswapped(array)
        return array

    def _checksum_error(self, entry: wire.Entry, actual: int) -> Exception:
        return tf_error(
            tf_errors.DATA_LOSS,
            f"TensorBundle at {self._prefix} shard {entry.shard_id} ({entry.size} bytes): "
            f"Checksum does not match: stored {crc32c.unmask(entry.crc32c):08d} vs. "
            f"calculated on the restored bytes {actual:08d}",
        )

    def _strings(self, entry: wire.Entry, shape: list[int]) -> Any:
        """A string tensor: varint lengths, their masked CRC, the bytes (`ReadStringTensor`)."""
        np = import_numpy()
        count = math.prod(shape)
        data = memoryview(self._read(entry)) if entry.size else memoryview(b"")
        lengths, pos, crc = [], 0, 0
        try:
            for _ in range(count if entry.size else 0):
                length, pos = wire.read_varint(data, pos)
                lengths.append(length)
                width = 4 if length <= 0xFFFFFFFF else 8
                crc = crc32c.extend(crc, length.to_bytes(width, self._order))
        except wire.WireError:
            raise self._checksum_error(entry, crc) from None
        values = np.empty(count, dtype=object)
        if entry.size:
            stored = data[pos : pos + 4]
            length_crc = int.from_bytes(stored, self._order)
            if len(stored) < 4 or crc32c.unmask(length_crc) != crc:
                raise tf_error(
                    tf_errors.DATA_LOSS,
                    f"The length checksum does not match: expected "
                    f"{crc32c.unmask(length_crc):08d} but actual is {crc:08d}",
                )
            crc = crc32c.extend(crc, stored)
            pos += 4
            for i, length in enumerate(lengths):
                values[i] = bytes(data[pos : pos + length])
                crc = crc32c.extend(crc, values[i])
                pos += length
            if crc32c.unmask(entry.crc32c) != crc:
                raise self._checksum_error(entry, crc)
        else:
            values[:] = [b""] * count
        return values.reshape(shape)

    def _check_variants(self, entry: wire.Entry, count: int) -> None:
        """A variant tensor's checks, as `ReadVariantTensor` makes them; its values are not kept.

        Each element is a varint length, a serialized `VariantTensorDataProto`
        and a masked running CRC, which covers each length as a uint64 in
        memory. The values are C++ objects only TensorFlow can use: TensorFlow
        too fails after reading them, when it converts them for numpy.
        TensorFlow decodes each with the decoder registered for its type name;
        here any name is taken as registered.
        """
        if self._swap:
            raise tf_error(
                tf_errors.UNIMPLEMENTED,
                f"TensorBundle at {self._prefix}is of a different endianness than this "
                "machine's hardware, and the bundle contains a variant (arbitrary C++ type) "
                "tensor. Byte-swapping of variant tensors is not currently implemented.",
            )
        crc = 0
        data = memoryview(self._read(entry)) if entry.size else memoryview(b"")
        pos = 0
        for i in range(count if entry.size else 0):
            try:
                length, pos = wire.read_varint(data, pos)
            except wire.WireError:
                raise (
                    _short_read()
                    if len(data) - pos < 10
                    else tf_error(tf_errors.DATA_LOSS, "Stored data longer than 10 bytes.")
                ) from None
            crc = crc32c.extend(crc, length.to_bytes(8, sys.byteorder))
            payload = data[pos : pos + length]
            pos += length
            if len(payload) < length:
                raise _short_read()
            crc = crc32c.extend(crc, payload)
            try:
                type_name, contents = wire.parse_variant(payload)
            except wire.WireError:
                raise tf_error(
                    tf_errors.DATA_LOSS,
                    f"Unable to parse VariantTensorDataProto from buffer of size {length}. "
                    f"Bundle entry offset: {entry.offset} size: {entry.size}",
                ) from None
            if not type_name and contents:  # DecodeUnaryVariant: a malformed empty variant
                raise tf_error(
                    tf_errors.INTERNAL,
                    'Could not decode variant with type_name: "".  Perhaps you forgot to '
                    "register a decoder via REGISTER_UNARY_VARIANT_DECODE_FUNCTION?",
                )
            stored = data[pos : pos + 4]
            pos += 4
            if len(stored) < 4:
                raise _short_read()
            checksum = crc32c.unmask(int.from_bytes(stored, sys.byteorder))
            if checksum != crc:
                raise tf_error(
                    tf_errors.DATA_LOSS,
                    f"The checksum after Variant {i} does not match. Expected: {checksum:08d} "
                    f"Actual: {crc:08d}",
                )
            crc = crc32c.extend(crc, stored)
        if crc32c.unmask(entry.crc32c) != crc:
            raise self._checksum_error(entry, crc)

    def _read(self, entry: wire.Entry) -> bytearray:
        """The entry's bytes from its shard, in a writable buffer: one positioned read."""
        path = data_filename(self._prefix, entry.shard_id, self._num_shards)
        try:
            data = self._fs.read_range(path, entry.offset, entry.size)
        except OSError as e:
            raise tf_error(*os_status(e, path)) from None
        if len(data) < entry.size:
            raise _short_read()
        return data

    def _reassemble(self, key: bytes, entry: wire.Entry, dtype: DType, shape: list[int]) -> Any:
        """A partitioned variable, from its stored slices (`GetSliceValue`)."""
        np = import_numpy()
        full = np.empty(shape, dtype=object if dtype == STRING else dtype.as_numpy_dtype)
        for extents in entry.slices:
            slice_key = ordered_code.tensor_slice_key(key, extents)
            part = self._lookup(slice_key)
            if part is None:
                raise _not_found(key)
            region = tuple(
                slice(None) if length == -1 else slice(start, start + length)
                for start, length in extents
            )
            part_shape = [
                dim if length == -1 else length for dim, (_, length) in zip(shape, extents)
            ]
            part.shape = part_shape
            full[region] = self._value(slice_key, part)
        return full


def _invalid_size(key: bytes, stored: int, expected: int) -> Exception:
    return tf_error(
        tf_errors.DATA_LOSS,
        f"Invalid size in bundle entry: key {key_name(key)}; stored size {stored}; "
        f"expected size {expected}",
    )


def _short_read() -> Exception:
    return tf_error(tf_errors.OUT_OF_RANGE, "Read less bytes than requested")


def _not_convertible(enum: int) -> Exception:
    """What TensorFlow's Python reader raises for a tensor numpy has no type for."""
    return tf_error(tf_errors.INTERNAL, f"Tensorflow type {enum} not convertible to numpy dtype.")


# sizeof(ResourceHandle), by which TensorFlow (2.16 to 2.21, on 64-bit Linux)
# checks a resource entry's size.
_RESOURCE_HANDLE_BYTES = 200
_KNOWN = frozenset(range(1, 34))
# The dtypes TensorFlow byte-swaps (byte_swap_tensor.cc): not the float8 and
# the small integer types, whose bundles from the other byte order it refuses.
_SWAPPABLE = frozenset({*range(1, 7), *range(8, 20), 22, 23})


def _key(tensor_str: str | bytes) -> bytes:
    return tensor_str if isinstance(tensor_str, bytes) else tensor_str.encode("utf-8")
