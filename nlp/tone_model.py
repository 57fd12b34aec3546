"""The tone model: a linear model that reads the words of a text and the tone lexicon's sums, and
says negative, neutral or positive, and whether the text needs verifying.

On real published text the lexicon alone missed most good news and a third of what needs
verifying; a model whose weights come from data does better (figures in the README). It was
trained with scikit-learn on the tuning part of the real-text development set
(`bench/train_tone.py`) and ships as `nlp/data/tone_model.json`; it is read here in pure Python,
offline, and every decision can be explained: each word's weight towards the label is known.

Features: every word and pair of adjacent words of the folded text (`nlp.normalize`), present or
not, except words inside a lexicon word that is denied ("không có sai phạm"): the model would
otherwise read the denied word as the event; and four sums from the lexicon (negative, positive,
verification weights, and its score), which carry the lexicon's reading of negation, quotes,
prevention, the title and the watched place.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from nlp.normalize import Normalized

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")
MODEL_PATH = Path(__file__).parent / "data" / "tone_model.json"
FORMAT = 1

# The lexicon's sums enter the model scaled to the range of a word feature (0 or 1).
LEXICON_SCALE = 0.6
SCORE_SCALE = 3.0
# A deployment's own word of weight w adds EXTRA_LOGIT × w to its label's log-odds.
EXTRA_LOGIT = 1.0
LEXICON_FEATURES = ("lex:negative", "lex:positive", "lex:verify", "lex:score")

_WORD = re.compile(r"\w+")
# What may come before the first word of a sentence (the tone's line mark ¶ among them).
_SENTENCE_MARKS = ".!?…:;¶\"“”'«»(-–—*•"


def word_features(
    folded: Normalized, masked: Sequence[tuple[int, int]] = (), text: str | None = None
) -> dict[str, tuple[int, int]]:
    """Every word and pair of adjacent words of `folded.text` → its first span there (folded
    positions). Left out: words that overlap a `masked` span (folded positions), words with a
    digit, and, given the original `text`, names: a capitalised word inside a sentence or next to
    another capitalised word (Đăk Hà, Nguyễn Văn A, UBND); the model must not learn that a place
    or a person is good or bad news. Pairs are of words with only spaces between. Linear in the
    text: `masked` is walked once, in order (it is sorted here)."""
    spans: dict[str, tuple[int, int]] = {}
    hidden = sorted(masked)
    h = 0
    previous: tuple[str, int, int] | None = None  # word, start, end
    low = folded.text

    def capitalised(match: re.Match[str] | None) -> bool:
        if match is None or text is None:
            return False
        at = match.start() if not folded.breaks_norm else folded.to_original(match.start())
        return text[at].isupper()

    # One word of look-ahead, so that a long text is never held as a list of matches.
    matches = _WORD.finditer(low)
    match = next(matches, None)
    capital = capitalised(match)
    while match is not None:
        following = next(matches, None)
        following_capital = capitalised(following)
        start, end = match.span()
        word = match.group()
        name = capital and (
            not _sentence_start(low, start)
            or (following is not None and following_capital and _adjacent(low, match, following))
        )
        while h < len(hidden) and hidden[h][1] <= start:
            h += 1
        covered = h < len(hidden) and hidden[h][0] < end
        if name or covered or any(c.isdigit() for c in word):
            previous = None
        else:
            spans.setdefault(word, (start, end))
            if previous is not None and low[previous[2] : start].strip(" ") == "":
                spans.setdefault(f"{previous[0]} {word}", (previous[1], end))
            previous = (word, start, end)
        match, capital = following, following_capital
    return spans


def _sentence_start(folded_text: str, start: int) -> bool:
    """Whether only spaces stand between `start` and the text's start or a sentence mark."""
    k = start - 1
    while k >= 0 and folded_text[k] == " ":
        k -= 1
    return k < 0 or folded_text[k] in _SENTENCE_MARKS


def _adjacent(folded_text: str, first: re.Match[str], second: re.Match[str]) -> bool:
    return folded_text[first.end() : second.start()].strip(" ") == ""


def lexicon_features(negative: float, positive: float, verify: float, score: float) -> dict:
    """The lexicon's sums as model features: `negative` ≤ 0 and `positive` ≥ 0 are the sums of the
    signed weights of its words, `verify` the sum of its verification cues, `score` its score."""
    return {
        "lex:negative": negative * LEXICON_SCALE,
        "lex:positive": positive * LEXICON_SCALE,
        "lex:verify": verify * LEXICON_SCALE,
        "lex:score": score * SCORE_SCALE,
    }


@dataclass(frozen=True)
class Judgement:
    """What the model says of one text: the label, each label's probability, the probability
    that it needs verifying, and whether it does (a negative text over the threshold)."""

    label: Label
    probabilities: dict[Label, float]
    verify_probability: float
    verify: bool

    @property
    def score(self) -> float:
        """In [-1, 1]: probability of positive minus probability of negative."""
        return self.probabilities["positive"] - self.probabilities["negative"]


@dataclass(frozen=True)
class ToneModel:
    """Per-label intercepts and feature weights (multinomial logistic regression), and a binary
    one for needs-verification with its probability threshold (`verify_at`)."""

    intercepts: tuple[float, float, float]
    weights: Mapping[str, tuple[float, float, float]]
    verify_intercept: float
    verify_weights: Mapping[str, float]
    verify_at: float
    about: str = ""

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> ToneModel:
        """The model stored at `path` (written by `bench/train_tone.py`)."""
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or tuple(data.get("labels", ())) != LABELS:
            raise ValueError(f"{path}: not a tone model of format {FORMAT} with labels {LABELS}")
        return cls(
            intercepts=tuple(data["intercepts"]),
            weights={k: tuple(v) for k, v in data["weights"].items()},
            verify_intercept=float(data["verify_intercept"]),
            verify_weights=dict(data["verify_weights"]),
            verify_at=float(data["verify_at"]),
            about=str(data.get("about", "")),
        )

    def to_json(self) -> dict:
        """The stored form (`load` reads it back)."""
        return {
            "format": FORMAT,
            "about": self.about,
            "labels": list(LABELS),
            "intercepts": list(self.intercepts),
            "verify_intercept": self.verify_intercept,
            "verify_at": self.verify_at,
            "weights": {k: list(v) for k, v in sorted(self.weights.items())},
            "verify_weights": dict(sorted(self.verify_weights.items())),
        }

    def judge(
        self, features: Mapping[str, float], extra_tone: float = 0.0, extra_verify: float = 0.0
    ) -> Judgement:
        """The label and needs-verification of a text with these feature values.
        `extra_tone` and `extra_verify` are the weights of a deployment's own words (config
        `tone:`), which the model never saw (the lexicon's sums count them too): a negative weight
        w adds |w| × `EXTRA_LOGIT` to the negative label's log-odds, a positive one to the
        positive label's, a verification weight to needs-verification's; so one word of the
        default weight 1.5 still decides a text that says little else."""
        logits = list(self.intercepts)
        logits[0] += EXTRA_LOGIT * max(0.0, -extra_tone)
        logits[2] += EXTRA_LOGIT * max(0.0, extra_tone)
        verify_logit = self.verify_intercept + EXTRA_LOGIT * extra_verify
        for name, value in features.items():
            if value == 0:
                continue
            weights = self.weights.get(name)
            if weights is not None:
                for k in range(3):
                    logits[k] += weights[k] * value
            verify_logit += self.verify_weights.get(name, 0.0) * value
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        probabilities = {label: e / total for label, e in zip(LABELS, exps, strict=True)}
        label = max(LABELS, key=lambda lab: probabilities[lab])
        verify_probability = 1.0 / (1.0 + math.exp(-verify_logit))
        verify = label == "negative" and verify_probability >= self.verify_at
        return Judgement(label, probabilities, verify_probability, verify)

    def support(self, feature: str, label: Label) -> float:
        """How much the presence of `feature` pushes towards `label` rather than the other two
        (its weight for `label` minus the mean of the others'); 0 for an unknown feature."""
        weights = self.weights.get(feature)
        if weights is None:
            return 0.0
        k = LABELS.index(label)
        return weights[k] - (sum(weights) - weights[k]) / 2


@cache
def default_model() -> ToneModel:
    """The shipped model (`nlp/data/tone_model.json`)."""
    return ToneModel.load()
