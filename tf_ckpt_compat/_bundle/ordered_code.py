"""The keys under which a partitioned variable's slices are stored (`EncodeTensorNameSlice`).

`tensorflow/core/util/saved_tensor_slice_util.cc` builds them with
`tensorflow/core/lib/strings/ordered_code.cc`: the number 0, the tensor's
name, its rank, then the start and length of each dimension (length -1 for a
whole dimension). The reader encodes the slices an entry lists, to find them
and to hide them from the listings, as `checkpoint_reader.cc` does.
"""

from __future__ import annotations

# kLengthToHeaderBits in ordered_code.cc: the bits that mark an encoding's length.
_HEADER_BITS = (
    (0x00, 0x00),
    (0x80, 0x00),
    (0xC0, 0x00),
    (0xE0, 0x00),
    (0xF0, 0x00),
    (0xF8, 0x00),
    (0xFC, 0x00),
    (0xFE, 0x00),
    (0xFF, 0x00),
    (0xFF, 0x80),
    (0xFF, 0xC0),
)


_ESCAPES = {0x00: b"\x00\xff", 0xFF: b"\xff\x00"}


def num_increasing(value: int) -> bytes:
    """`WriteNumIncreasing`: a length byte, then the big-endian value without leading zeros."""
    body = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return bytes([len(body)]) + body


def string(value: bytes) -> bytes:
    """`WriteString`: 0x00 and 0xFF escaped (00 FF, FF 00), then the terminator 00 01."""
    escaped = bytearray()
    for byte in value:
        escaped += _ESCAPES.get(byte, bytes([byte]))
    return bytes(escaped) + b"\x00\x01"


def signed_num_increasing(value: int) -> bytes:
    """`WriteSignedNumIncreasing`: ordered like the integers, 1 to 10 bytes."""
    magnitude = ~value if value < 0 else value
    # kBitsToLength: 7 bits of payload per byte, one more bit for the sign.
    length = (magnitude.bit_length() + 7) // 7 if magnitude >= 64 else 1
    if length == 1:
        return bytes([(0x80 ^ value) & 0xFF])
    encoded = bytearray((value & ((1 << 80) - 1)).to_bytes(10, "big")[10 - length :])
    encoded[0] ^= _HEADER_BITS[length][0]
    encoded[1] ^= _HEADER_BITS[length][1]
    return bytes(encoded)


def tensor_slice_key(name: bytes, extents: list[tuple[int, int]]) -> bytes:
    """`EncodeTensorNameSlice(name, slice)`: the key of one stored slice of `name`."""
    parts = [num_increasing(0), string(name), num_increasing(len(extents))]
    for start, length in extents:
        parts.append(signed_num_increasing(start))
        parts.append(signed_num_increasing(length))
    return b"".join(parts)
