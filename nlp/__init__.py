"""Vietnamese text to administrative-unit mentions (the locality tagger; see the tagger issue)."""

from nlp.gazetteer import Gazetteer, Unit
from nlp.matcher import Candidate, Matcher
from nlp.normalize import Normalized, normalize, strip_diacritics

__all__ = [
    "Candidate",
    "Gazetteer",
    "Matcher",
    "Normalized",
    "Unit",
    "normalize",
    "strip_diacritics",
]
