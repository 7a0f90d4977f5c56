"""CRC-32C (Castagnoli), and the masking LevelDB-style tables store it with.

TensorFlow checks a CRC-32C over every block of the `.index` table and over
every tensor's bytes (`tsl/lib/hash/crc32c.h`). The `crc32c` package (the
`crc` extra) computes it in C at gigabytes per second; without it, a
table-driven pure-Python loop gives the same values at a few megabytes per
second.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

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


def _fast_extend() -> Callable[[bytes | bytearray | memoryview, int], int] | None:
    """`crc32c.crc32c(data, crc)` of the `crc32c` package, if installed: CRC-32C in C.

    It takes any buffer (bytes, bytearray, memoryview) without a copy, as the
    reader's buffers are; google-crc32c takes read-only bytes only.
    """
    try:
        import crc32c  # pyright: ignore[reportMissingImports]
    except ImportError:
        return None
    function: Callable[[bytes | bytearray | memoryview, int], int] = crc32c.crc32c
    return function


# Below this, the pure loop is as quick as importing the C one (about 25 ms: the
# package reads its own metadata), so listing a small checkpoint imports nothing.
_SMALL = 4096
_fast: list[Callable[[bytes | bytearray | memoryview, int], int] | None] = []


def fast() -> bool:
    """Whether the C implementation is installed (importing it on first use)."""
    if not _fast:
        _fast.append(_fast_extend())
    return _fast[0] is not None


def extend(crc: int, data: bytes | bytearray | memoryview) -> int:
    """The CRC-32C of the bytes `crc` covers followed by `data` (`crc32c::Extend`)."""
    if len(data) >= _SMALL and fast():
        function = _fast[0]
        assert function is not None
        return function(data, crc)
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
