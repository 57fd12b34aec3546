"""Content hash (did this article change?) and MinHash (is it a copy of another outlet's story?).

MinHash over word 3-shingles estimates the Jaccard similarity of two texts' shingle sets,
which stays high for syndicated copies with a new headline and a few reworded sentences.
Each shingle is hashed to 32 bits with BLAKE2b; slot i applies the multiply-add-shift hash
h_i(x) = ((a_i·x + b_i) mod 2^64) >> 32 (Dietzfelbinger's strongly universal family for
32-bit keys, exact in uint64 arithmetic) and keeps the minimum. The a_i, b_i come from
BLAKE2b too, so signatures are identical across processes, machines and numpy versions.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import numpy as np

from storage.minhash import lsh_bands, similarity

__all__ = ["NUM_PERM", "SHINGLE", "content_hash", "lsh_bands", "minhash", "similarity", "words"]

_WORD = re.compile(r"\w+", re.UNICODE)
SHINGLE = 3
NUM_PERM = 128
_SEED_PERSON = b"duluan-minhash"
_SHINGLE_HASH = hashlib.blake2b(digest_size=4, person=b"duluan-shingle")


def content_hash(*parts: str) -> str:
    """A stable hash of the article's text fields, to tell an edit from a re-fetch."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(unicodedata.normalize("NFC", part or "").encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()


def words(text: str) -> list[str]:
    """The lowercased words of `text` in NFC, so composed and decomposed Vietnamese agree."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def shingles(text: str) -> set[str]:
    """The distinct word 3-shingles of `text`; a text of one or two words is one shingle."""
    tokens = words(text)
    if not tokens:
        return set()
    last = max(1, len(tokens) - SHINGLE + 1)
    return {" ".join(tokens[i : i + SHINGLE]) for i in range(last)}


def _hash32s(found: set[str]) -> bytes:
    """The 32-bit BLAKE2b hashes of the shingles, end to end (a plain loop: per shingle, a
    function call and a generator step cost as much as the hash)."""
    fresh = _SHINGLE_HASH.copy
    out = []
    for shingle in found:
        digest = fresh()
        digest.update(shingle.encode("utf-8"))
        out.append(digest.digest())
    return b"".join(out)


@lru_cache(maxsize=8)
def _coefficients(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    seeds = b"".join(
        hashlib.blake2b(i.to_bytes(4, "little"), digest_size=16, person=_SEED_PERSON).digest()
        for i in range(num_perm)
    )
    pairs = np.frombuffer(seeds, dtype="<u8").reshape(num_perm, 2).astype(np.uint64)
    return pairs[:, 0].copy(), pairs[:, 1].copy()


def minhash(text: str, num_perm: int = NUM_PERM) -> tuple[int, ...]:
    """The MinHash signature (`num_perm` unsigned 32-bit slots) of the text's word 3-shingles.

    A text without any word gets the empty signature, which `similarity` matches with nothing.
    """
    if num_perm < 1:
        raise ValueError(f"Số hàm băm MinHash phải từ 1 trở lên, nhận được {num_perm}")
    found = shingles(text)
    if not found:
        return ()
    x = np.frombuffer(_hash32s(found), dtype="<u4").astype(np.uint64)
    a, b = _coefficients(num_perm)
    hashed = np.multiply.outer(x, a)
    hashed += b
    return tuple(int(v) for v in hashed.min(axis=0) >> np.uint64(32))
