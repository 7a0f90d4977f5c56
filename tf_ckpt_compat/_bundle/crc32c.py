"""CRC-32C (Castagnoli), and the masking LevelDB-style tables store it with.

TensorFlow checks a CRC-32C over every block of the `.index` table and over
every tensor's bytes (`tsl/lib/hash/crc32c.h`). `google-crc32c` (the `crc`
extra) computes it in C at gigabytes per second; without it, a table-driven
pure-Python loop gives the same values at a few megabytes per second.
"""

from __future__ import annotations

_POLY = 0x82F63B78  # the Castagnoli polynomial, bit-reflected
_MASK_DELTA = 0xA282EAD8  # kMaskDelta in tsl/lib/hash/crc32c.h


def _table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ (_POLY if crc & 1 else 0)
        table.append(crc)
    return table


_TABLE = _table()


def pure_extend(crc: int, data: bytes | bytearray | memoryview) -> int:
    """`crc32c::Extend` in pure Python: the CRC of (what `crc` covers) + `data`."""
    table = _TABLE
    crc ^= 0xFFFFFFFF
    for byte in bytes(data):
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _fast_extend() -> object:
    try:
        import google_crc32c  # pyright: ignore[reportMissingImports]
    except ImportError:
        return None
    # The C implementation only: its own pure-Python fallback is slower than ours.
    if getattr(google_crc32c, "implementation", "c") != "c":
        return None
    return google_crc32c.extend


_fast = _fast_extend()
FAST = _fast is not None


def extend(crc: int, data: bytes | bytearray | memoryview) -> int:
    """The CRC-32C of the bytes `crc` covers followed by `data` (`crc32c::Extend`)."""
    if _fast is not None:
        return int(_fast(crc, data))  # type: ignore[operator]
    return pure_extend(crc, data)


def value(data: bytes | bytearray | memoryview) -> int:
    """The CRC-32C of `data` (`crc32c::Value`)."""
    return extend(0, data)


def mask(crc: int) -> int:
    """`crc32c::Mask`: rotated right by 15 bits plus a constant, as tables store CRCs."""
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def unmask(masked: int) -> int:
    """`crc32c::Unmask`, the inverse of `mask`."""
    rot = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF
