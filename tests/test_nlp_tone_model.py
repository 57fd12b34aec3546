"""The tone model: its arithmetic, its features, the shipped file, and how its decisions are
explained and extended by a deployment's own words."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from nlp.normalize import normalize
from nlp.tone import lexicon_from_config, lexicon_tone, read, tone
from nlp.tone_model import (
    LABELS,
    LEXICON_FEATURES,
    MODEL_PATH,
    ToneModel,
    default_model,
    word_features,
)

# A model small enough to compute by hand: "cháy" speaks for negative, "khánh" for positive,
# "phản" for needs-verification.
TINY = ToneModel(
    intercepts=(0.0, 1.0, 0.0),
    weights={"cháy": (3.0, 0.0, -1.0), "khánh": (-1.0, 0.0, 3.0)},
    verify_intercept=-2.0,
    verify_weights={"phản": 4.0},
    verify_at=0.5,
)


def test_judge_is_a_softmax_over_the_weights() -> None:
    judgement = TINY.judge({"cháy": 1.0})
    logits = [3.0, 1.0, -1.0]
    total = sum(math.exp(v) for v in logits)
    assert judgement.label == "negative"
    assert judgement.probabilities["negative"] == pytest.approx(math.exp(3.0) / total)
    assert judgement.score == pytest.approx((math.exp(-1.0) - math.exp(3.0)) / total)
    assert TINY.judge({}).label == "neutral"
    assert TINY.judge({"khánh": 1.0, "không có": 1.0}).label == "positive"


def test_only_a_negative_text_needs_verifying() -> None:
    assert TINY.judge({"cháy": 1.0, "phản": 1.0}).verify is True
    assert TINY.judge({"cháy": 1.0}).verify is False  # sigmoid(-2) < 0.5
    positive = TINY.judge({"khánh": 1.0, "phản": 1.0})
    assert positive.verify_probability > 0.5 and positive.verify is False


def test_a_deployments_words_push_the_log_odds() -> None:
    assert TINY.judge({}, extra_tone=-1.5).label == "negative"
    assert TINY.judge({}, extra_tone=1.5).label == "positive"
    assert TINY.judge({"cháy": 1.0}, extra_verify=2.0).verify is True


def test_word_features_leave_out_names_numbers_and_masked_words() -> None:
    text = "Cháy nhà ở xã Đăk Pxi. Ông Nguyễn Văn A cho biết UBND xã đã hỗ trợ 2.000 đồng."
    folded = normalize(text)
    features = word_features(folded, text=text)
    assert {"cháy", "nhà", "cháy nhà", "xã", "cho biết", "hỗ trợ", "đồng"} <= features.keys()
    for name in ("đăk", "pxi", "đăk pxi", "nguyễn", "văn", "ubnd", "ông", "2", "000"):
        assert name not in features
    assert "xã cho" not in features and "pxi ông" not in features
    start = folded.text.index("cháy nhà")
    masked = word_features(folded, [(start, start + len("cháy nhà"))], text)
    assert "cháy" not in masked and "nhà" not in masked and "ở" in masked
    # A capitalised first word of a sentence is a word, not a name.
    assert "cháy" in features and "ông" not in features


def test_pairs_do_not_join_across_punctuation() -> None:
    text = "rừng bị phá. người dân lo"
    features = word_features(normalize(text), text=text)
    assert "bị phá" in features and "người dân" in features
    assert "phá người" not in features


def test_the_shipped_model_loads_and_reads_no_names() -> None:
    model = default_model()
    assert set(LEXICON_FEATURES) <= model.weights.keys()
    assert 0 < model.verify_at < 1
    assert not any(ch.isdigit() for feature in model.weights for ch in feature)
    for name in ("đăk hà", "kon tum", "gia lai", "đăk glei"):
        assert name not in model.weights
    stored = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert stored["labels"] == list(LABELS) and "tuning part" in stored["about"]


def test_a_model_file_of_another_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"format": 99, "labels": list(LABELS)}), encoding="utf-8")
    with pytest.raises(ValueError, match="format"):
        ToneModel.load(path)


@pytest.mark.parametrize(
    "text",
    [
        "Nông dân trồng sâm Ngọc Linh có thu nhập ổn định\nNhiều gia đình đã xây nhà mới, mua "
        "sắm xe máy.",
        "Làng văn hóa du lịch cộng đồng thu hút khách\nDu khách được xem cồng chiêng và dệt thổ "
        "cẩm.",
    ],
)
def test_good_news_the_lexicon_misses(text: str) -> None:
    assert lexicon_tone(text).label == "neutral"
    result = tone(text)
    assert result.label == "positive"
    # No lexicon word speaks for it: the model's words explain it, as phrases.
    assert result.explain(text) and all(" " in line for line in result.explain(text))


def test_model_words_stay_out_of_the_reasons_when_the_lexicon_explains() -> None:
    text = "Tin rừng\nCó người phá rừng ở xã Đăk Pxi."
    result = tone(text)
    assert result.label == "negative"
    assert result.explain(text) == ["'phá rừng'"]


def test_tone_with_a_given_model() -> None:
    text = "Tin tổng hợp\nCháy chợ trong đêm."
    assert tone(text, model=TINY).label == "negative"
    features = read(text).features()
    assert features["cháy"] == 1.0 and features["lex:negative"] < 0


def test_a_deployments_word_decides_a_short_text() -> None:
    text = "Tin bạn đọc\nNước đục ở thôn 1."
    assert tone(text).label != "negative"
    lexicon = lexicon_from_config({"nước đục": 1.5}, None)
    assert tone(text, lexicon=lexicon).label == "negative"
    assert read(text, lexicon=lexicon).extra() == (-1.5, 0.0)


def test_many_masked_spans_in_any_order() -> None:
    text = "không có sai phạm. " * 50 + "rừng bị phá"
    reading = read(text)
    assert len(reading.masked) == 50
    features = word_features(reading.folded, list(reversed(reading.masked)), text)
    assert "sai" not in features and "phạm" not in features and "sai phạm" not in features
    assert {"không", "có", "rừng bị", "bị phá"} <= features.keys()
