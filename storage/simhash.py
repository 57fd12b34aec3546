"""Storage-side helpers for 64-bit simhash fingerprints (the crawler computes them)."""

from __future__ import annotations

MASK64 = (1 << 64) - 1
BAND_BITS = 16
BANDS = 4


def to_signed(value: int) -> int:
    """Unsigned 64-bit -> the signed value a BIGINT column can hold."""
    if not 0 <= value <= MASK64:
        raise ValueError(f"simhash phải là số nguyên không dấu 64 bit, nhận được {value}")
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    """Signed BIGINT value -> the original unsigned 64-bit fingerprint."""
    return value & MASK64


def bands(value: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands, highest first; two hashes within distance 3 share at least one."""
    v = value & MASK64
    return (
        (v >> 48) & 0xFFFF,
        (v >> 32) & 0xFFFF,
        (v >> 16) & 0xFFFF,
        v & 0xFFFF,
    )


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit fingerprints."""
    return ((a ^ b) & MASK64).bit_count()
