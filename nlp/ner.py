"""underthesea's NER on the one sentence around a bare place name: does it read as a place?

NER costs tens of milliseconds a sentence, so it only sees sentences whose bare names the rules
could not settle. It is a hint, not a verdict: it reads some minority place names as persons
("Bà con Hà Mòn" → PER), so it confirms (LOC) or vetoes (PER) only names without other support.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Literal

log = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"[.!?\n]")
Reading = Literal["LOC", "PER", "OTHER", "NONE"]
# NER reads at most this many characters on each side of the name: a sentence of a real article
# is shorter (under 600 characters in the stored pages and the evaluation sets), and a text
# without full stops is not fed to NER whole.
SENTENCE_REACH = 600


def sentence_around(
    text: str, start: int, end: int, reach: int = SENTENCE_REACH
) -> tuple[int, str]:
    """The sentence holding text[start:end], with its offset in the text; a sentence longer than
    `reach` characters on a side is cut there, at a space when there is one."""
    floor = max(0, start - reach)
    left = max(text.rfind(c, floor, start) for c in ".!?\n") + 1
    if left == 0 and floor > 0:
        left = text.find(" ", floor, start) + 1 or floor
    ceiling = min(len(text), end + reach)
    right_match = _SENTENCE_END.search(text, end, ceiling)
    if right_match:
        right = right_match.end()
    elif ceiling < len(text):
        right = text.rfind(" ", end, ceiling)
        right = right if right > end else ceiling
    else:
        right = len(text)
    return left, text[left:right]


def reading(text: str, start: int, end: int) -> Reading:
    """How NER reads the name at text[start:end] in its sentence."""
    offset, sentence = sentence_around(text, start, end)
    tags = _tags(sentence.strip())
    stripped = len(sentence) - len(sentence.lstrip())
    position = 0
    body = sentence.strip()
    for word, tag in tags:
        found = body.find(word, position)
        if found < 0:
            continue
        position = found + len(word)
        word_start = offset + stripped + found
        word_end = word_start + len(word)
        if word_start < end and start < word_end and tag != "O":
            kind = tag.split("-", 1)[-1]
            return "LOC" if kind == "LOC" else "PER" if kind == "PER" else "OTHER"
    return "NONE"


@lru_cache(maxsize=4096)
def _tags(sentence: str) -> tuple[tuple[str, str], ...]:
    from underthesea import ner

    try:
        return tuple((word, tag) for word, _pos, _chunk, tag in ner(sentence))
    except Exception:  # underthesea raises assorted errors on odd input
        log.warning("NER failed on %r", sentence[:80], exc_info=True)
        return ()
