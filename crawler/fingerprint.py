"""Content hash (did this article change?) and SimHash (is it a copy of another outlet's story?)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
SHINGLE = 3


def content_hash(*parts: str) -> str:
    """A stable hash of the article's text fields, to tell an edit from a re-fetch."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(unicodedata.normalize("NFC", part or "").encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()


def words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def simhash(text: str, bits: int = 64) -> int:
    """A 64-bit SimHash over word 3-shingles: near-identical texts differ in few bits."""
    tokens = words(text)
    shingles = [" ".join(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1))]
    digests = b"".join(
        hashlib.blake2b(s.encode("utf-8"), digest_size=bits // 8).digest() for s in shingles
    )
    matrix = np.unpackbits(np.frombuffer(digests, dtype=np.uint8)).reshape(len(shingles), bits)
    majority = matrix.sum(axis=0) * 2 > len(shingles)
    return int("".join("1" if bit else "0" for bit in majority), 2)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()
