"""Storage-side helpers for MinHash signatures (the crawler computes them).

A signature is a tuple of unsigned 32-bit slots; two signatures' fraction of equal slots
estimates the Jaccard similarity of the texts' shingle sets. LSH banding turns the
signature into a few index keys so that similar texts meet on at least one key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

SLOT = np.dtype("<u4")
MASK63 = (1 << 63) - 1
_BAND_PERSON = b"duluan-lsh-band"


def pack(signature: Sequence[int]) -> bytes:
    """The signature as little-endian uint32 bytes, the compact form kept in the database."""
    values = list(signature)
    if any(not 0 <= v <= 0xFFFF_FFFF for v in values):
        raise ValueError(
            "Dấu vân tay MinHash phải gồm các số nguyên không dấu 32 bit, nhận được "
            f"{values[:8]}{'…' if len(values) > 8 else ''}"
        )
    return np.asarray(values, dtype=SLOT).tobytes()


def unpack(blob: bytes) -> tuple[int, ...]:
    """The signature stored by `pack`."""
    return tuple(int(v) for v in np.frombuffer(blob, dtype=SLOT))


def lsh_bands(signature: Sequence[int], rows: int) -> tuple[int, ...]:
    """One non-negative 63-bit key per band of `rows` consecutive slots (a partial last band
    is left out).

    The band's position is hashed in, so keys of different bands never meet by construction
    and a single indexed column can hold them all. Stable across processes and machines.
    """
    if rows < 1:
        raise ValueError(f"Số hàng mỗi dải LSH phải từ 1 trở lên, nhận được {rows}")
    keys = []
    for band in range(len(signature) // rows):
        digest = hashlib.blake2b(digest_size=8, person=_BAND_PERSON)
        digest.update(band.to_bytes(4, "little"))
        for value in signature[band * rows : (band + 1) * rows]:
            digest.update(int(value).to_bytes(8, "little"))
        keys.append(int.from_bytes(digest.digest(), "little") & MASK63)
    return tuple(keys)


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Fraction of equal slots, the MinHash estimate of Jaccard similarity.

    An empty signature (a text without words) is similar to nothing; signatures of
    different lengths were made with different settings and are not comparable.
    """
    if not a or len(a) != len(b):
        return 0.0
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
