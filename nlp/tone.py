"""Tone of an article (negative, neutral, positive) from a Vietnamese press lexicon, with reasons.

No model: underthesea's `sentiment` downloads weights at run time. A word counts less inside
quotes, is cancelled when denied ("không có sai phạm", "bác bỏ thông tin ..."), and counts more
near a mention of the watched place or in the title (the first line).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from nlp.normalize import normalize
from nlp.topics import KeywordMatcher, fold

Label = Literal["negative", "neutral", "positive"]

NEGATIVE: dict[str, float] = {
    # wrongdoing, complaints
    "sai phạm": 2.0, "dấu hiệu sai phạm": 2.0, "vi phạm": 1.5, "tham nhũng": 2.5, "tham ô": 2.5,
    "hối lộ": 2.5, "nhận hối lộ": 2.5, "lừa đảo": 2.0, "chiếm đoạt": 2.0, "trục lợi": 2.0,
    "gian lận": 2.0, "nhũng nhiễu": 2.0, "tiêu cực": 1.5, "khuất tất": 1.5, "bất thường": 1.0,
    "lãng phí": 1.5, "thất thoát": 2.0, "bỏ hoang": 1.5, "chậm trễ": 1.5, "chậm tiến độ": 1.5,
    "phản ánh": 1.0, "người dân phản ánh": 2.0, "bạn đọc phản ánh": 2.0, "bức xúc": 2.0,
    "người dân bức xúc": 2.5, "kêu cứu": 2.0, "khiếu nại": 1.5, "khiếu kiện": 1.5,
    "tố cáo": 2.0, "đơn thư": 1.0, "bất cập": 1.0, "yếu kém": 1.0, "nợ lương": 1.5,
    "nợ đọng": 1.5, "tranh chấp": 1.0, "kỷ luật": 1.5, "cách chức": 2.0, "khai trừ": 2.0,
    "xử phạt": 1.0, "khởi tố": 2.0, "bắt tạm giam": 2.0, "truy tố": 2.0,
    # land, forest, environment
    "lấn chiếm": 2.0, "chiếm dụng": 1.5, "phá rừng": 2.5, "khai thác trái phép": 2.0,
    "xây dựng trái phép": 2.0, "xây dựng không phép": 2.0, "lâm tặc": 2.0, "gỗ lậu": 2.0,
    "ô nhiễm": 1.5, "ô nhiễm môi trường": 2.0, "mùi hôi": 1.0, "xả thải": 1.0,
    # accidents, disasters, hardship
    "cháy": 1.5, "cháy rừng": 2.5, "cháy nhà": 2.0, "cháy nổ": 2.0, "hỏa hoạn": 2.0,
    "sạt lở": 2.0, "sạt lở đất": 2.0, "lũ quét": 2.0, "lũ ống": 2.0, "ngập lụt": 1.5,
    "lũ lụt": 1.5, "hạn hán": 1.5, "thiếu nước": 1.5, "thiếu nước sinh hoạt": 2.0,
    "thiếu giáo viên": 1.0, "thiếu thuốc": 1.5, "tai nạn": 1.5, "tai nạn giao thông": 2.0,
    "tử vong": 2.0, "thiệt mạng": 2.0, "bị thương": 1.5, "thiệt hại": 1.5, "đuối nước": 2.0,
    "ngộ độc": 2.0, "dịch bệnh": 1.0, "xuống cấp": 1.5, "hư hỏng": 1.0, "ùn tắc": 1.0,
    "mất an toàn": 1.5, "nguy hiểm": 1.0, "khó khăn": 0.5, "bỏ học": 1.5,
    # crime
    "trộm cắp": 1.5, "cướp giật": 2.0, "đánh bạc": 1.5, "ma túy": 1.5, "giết người": 2.5,
    "án mạng": 2.5, "cố ý gây thương tích": 2.0, "hỗn chiến": 2.0, "buôn lậu": 1.5,
    "tín dụng đen": 1.5,
}  # fmt: skip

POSITIVE: dict[str, float] = {
    "gương người tốt": 2.0, "người tốt việc tốt": 2.0, "gương người tốt việc tốt": 2.0,
    "điển hình tiên tiến": 2.0, "gương điển hình": 1.5, "khánh thành": 2.0,
    "đạt chuẩn": 1.5, "đạt chuẩn nông thôn mới": 2.0, "nông thôn mới nâng cao": 1.5,
    "hoàn thành": 0.7, "về đích": 1.0, "vượt kế hoạch": 1.5, "vượt chỉ tiêu": 1.5,
    "trao tặng": 1.0, "trao quà": 1.0, "tặng quà": 1.0, "hỗ trợ": 0.5, "ủng hộ": 1.0,
    "chung tay": 1.0, "khen thưởng": 1.5, "bằng khen": 1.5, "giấy khen": 1.5,
    "tuyên dương": 1.5, "biểu dương": 1.5, "vinh danh": 1.5, "huân chương": 1.5,
    "đưa vào sử dụng": 1.5, "khởi công": 1.0, "thoát nghèo": 1.5, "giảm nghèo": 1.0,
    "xóa nhà tạm": 1.5, "nhà tình nghĩa": 1.0, "nhà đại đoàn kết": 1.0, "khởi sắc": 1.5,
    "đổi thay": 1.0, "ấm no": 1.0, "hiệu quả": 0.5, "thành công": 1.0, "sáng kiến": 1.0,
    "cứu sống": 1.5, "kịp thời": 0.5, "khắc phục": 0.5, "hiến đất": 1.5, "hiến máu": 1.5,
    "tri ân": 1.0, "trả lại tài sản": 1.5, "trả lại cho người đánh mất": 2.0,
}  # fmt: skip

QUOTE_FACTOR = 0.5
NEAR_FACTOR = 2.0
TITLE_FACTOR = 1.5
# A negative word right after one of these is about prevention ("phòng, chống tham nhũng").
PREVENTION_FACTOR = 0.1
NEAR_CHARS = 100
SCALE = 4.0
THRESHOLD = 0.2

_NEGATOR = re.compile(
    r"(?<!\w)(?:không hề|chưa hề|chưa từng|không|chưa|chẳng|chả)"
    r"(?!\s+(?:chỉ|những|ít|khí|gian|quân|lâu|ngừng|ngờ|kém|riêng)(?!\w))"
    r"(?:\s+(?:có|phát hiện|để xảy ra|để|xảy ra|ghi nhận|thấy|được|bị|gây ra|gây|còn|hề"
    r"|xuất hiện|hoàn toàn))*"
    r"(?:\s+(?:bất kỳ|bất cứ|một|dấu hiệu|hành vi|trường hợp|vụ|sự|tình trạng|việc|chuyện"
    r"|các|những|nào|gì|điều))*"
    r"\s+$"
)
_DENIAL_BEFORE = re.compile(
    r"(?<!\w)(?:bác bỏ|phủ nhận|bác tin|đính chính|tin đồn|tin giả|vu khống)(?!\w)"
)
_DENIAL_AFTER = re.compile(
    r"(?<!\w)(?:sai sự thật|không đúng sự thật|không đúng thực tế|không chính xác|bịa đặt"
    r"|thất thiệt|vu khống|tin giả|không có cơ sở)(?!\w)"
)
_PREVENTION = re.compile(
    r"(?<!\w)(?:phòng|chống|phòng,\s*chống|phòng ngừa|ngăn chặn|ngăn ngừa|đấu tranh|chữa"
    r"|kéo giảm|kiềm chế|giảm|diễn tập|phòng và chống)\s+$"
)
# `nlp.normalize` turns line breaks into spaces; tone keeps them (the title is the first line,
# a line ends a sentence) by reading them as this mark, one character like the break.
_LINE = "¶"
# A run of marks is tried from its first mark only (the look-behind): a run of dots not followed
# by a space would otherwise be retried from each dot, quadratic in its length.
_SENTENCE_END = re.compile(r"(?<![.!?…;])[.!?…;]+(?=\s|¶|$)|¶")
# Quotes: an opening mark, then its closing mark before the line ends (see `_quoted`).
_QUOTES = {"“": "”", '"': '"', "«": "»"}
_OPENING = re.compile('[“"«]')
_WINDOW = 60


@dataclass(frozen=True)
class Reason:
    """One lexicon word behind the tone: its span in the text, the mention it is near (if any),
    its signed weight after every adjustment, and whether it was negated or quoted."""

    word: str
    start: int
    end: int
    near: tuple[int, int] | None
    weight: float
    negated: bool
    quoted: bool


@dataclass(frozen=True)
class Tone:
    """`score` in [-1, 1]; `label` from the score; `reasons` in text order."""

    label: Label
    score: float
    reasons: list[Reason] = field(default_factory=list)

    def explain(self, text: str) -> list[str]:
        """Reasons as short strings, e.g. `'phá rừng' near 'xã Đăk Pxi'` (the JSON contract)."""
        lines = []
        for r in self.reasons:
            if r.weight == 0:
                continue
            line = f"'{text[r.start : r.end]}'"
            if r.near is not None:
                line += f" near '{text[r.near[0] : r.near[1]]}'"
            lines.append(line)
        return lines


class Lexicon:
    """Signed word weights (negative < 0) and the matcher over them."""

    def __init__(self, negative: Mapping[str, float], positive: Mapping[str, float]) -> None:
        weights: dict[str, float] = {}
        for word, weight in negative.items():
            weights[" ".join(fold(word).split())] = -abs(weight)
        for word, weight in positive.items():
            weights[" ".join(fold(word).split())] = abs(weight)
        self.weights = weights
        self.matcher = KeywordMatcher(weights)

    def extended(
        self,
        negative: Mapping[str, float] | None = None,
        positive: Mapping[str, float] | None = None,
    ) -> Lexicon:
        """This lexicon with words added or reweighted (config extras)."""
        neg = {w: -v for w, v in self.weights.items() if v < 0} | dict(negative or {})
        pos = {w: v for w, v in self.weights.items() if v > 0} | dict(positive or {})
        return Lexicon(neg, pos)


@cache
def default_lexicon() -> Lexicon:
    """The built-in press lexicon."""
    return Lexicon(NEGATIVE, POSITIVE)


def tone(
    text: str, anchors: Sequence[tuple[int, int]] = (), lexicon: Lexicon | None = None
) -> Tone:
    """Tone of `text` (title on the first line). `anchors` are spans of `text` that mention the
    watched place; reasons report spans of `text` too."""
    lex = lexicon or default_lexicon()
    folded = normalize(text.replace("\n", _LINE))
    low = folded.text
    ends = [m.end() for m in _SENTENCE_END.finditer(low)]
    quotes = _Spans(_quoted(low))
    denied_before = _Spans.of(_DENIAL_BEFORE, low)
    denied_after = _Spans.of(_DENIAL_AFTER, low)
    title_end = low.find(_LINE)
    title_end = len(low) if title_end < 0 else title_end
    ordered_anchors = sorted(anchors)
    anchor_starts = [a for a, _ in ordered_anchors]
    longest = max((b - a for a, b in ordered_anchors), default=0)
    reasons: list[Reason] = []
    for hit, s, e in lex.matcher.scan(folded):
        base = lex.weights[hit.keyword]
        sent_start = ends[i - 1] if (i := bisect.bisect_right(ends, s)) else 0
        sent_end = ends[i] if i < len(ends) else len(low)
        before = low[max(sent_start, s - _WINDOW) : s]
        negated = (
            _NEGATOR.search(before) is not None
            or denied_before.any_within(sent_start, s)
            or denied_after.any_within(e, sent_end)
        )
        quoted = quotes.encloses(s, e)
        near = _nearest(ordered_anchors, anchor_starts, longest, hit.start, hit.end)
        weight = base
        if negated:
            weight = 0.0 if base < 0 else -base
        elif base < 0 and _PREVENTION.search(before):
            weight = base * PREVENTION_FACTOR
        if quoted:
            weight *= QUOTE_FACTOR
        if near is not None:
            weight *= NEAR_FACTOR
        if s < title_end:
            weight *= TITLE_FACTOR
        reasons.append(
            Reason(hit.keyword, hit.start, hit.end, near, round(weight, 4), negated, quoted)
        )
    total = sum(r.weight for r in reasons)
    score = math.tanh(total / SCALE)
    label: Label = "neutral"
    if score <= -THRESHOLD:
        label = "negative"
    elif score >= THRESHOLD:
        label = "positive"
    return Tone(label, round(score, 4), reasons)


class _Spans:
    """Non-overlapping spans in text order, for quick look-ups by position."""

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]

    @classmethod
    def of(cls, pattern: re.Pattern[str], text: str) -> _Spans:
        """The matches of `pattern` over `text`."""
        return cls([(m.start(), m.end()) for m in pattern.finditer(text)])

    def any_within(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, start)
        return i < len(self.starts) and self.ends[i] <= end

    def encloses(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, start) - 1
        return i >= 0 and self.ends[i] > end


def _quoted(text: str) -> list[tuple[int, int]]:
    """The spans of `“[^”¶]*”|"[^"¶]*"|«[^»¶]*»` in `text`, as `re.finditer` finds them, in
    linear time: the regex retries every opening mark up to the line's end, quadratic on a long
    line of unclosed quotes. The next closing mark and line end are remembered between tries."""
    spans: list[tuple[int, int]] = []
    found: dict[str, int] = {}  # a mark → its first position after the last look-up (-1: none)

    def after(mark: str, position: int) -> int:
        known = found.get(mark)
        if known is not None and (known == -1 or known > position):
            return known
        found[mark] = text.find(mark, position + 1)
        return found[mark]

    position = 0
    while (opening := _OPENING.search(text, position)) is not None:
        start = opening.start()
        close = after(_QUOTES[opening.group()], start)
        line_end = after(_LINE, start)
        if close != -1 and (line_end == -1 or close < line_end):
            spans.append((start, close + 1))
            position = close + 1
        else:
            position = start + 1
    return spans


def _nearest(
    anchors: Sequence[tuple[int, int]],
    starts: Sequence[int],
    longest: int,
    start: int,
    end: int,
) -> tuple[int, int] | None:
    """The first of the sorted `anchors` closest to [start, end), within NEAR_CHARS. Only those
    starting close enough are looked at (`starts` are the anchors' starts, `longest` the longest
    anchor's length): a text of dense mentions does not compare every word with every name."""
    best: tuple[int, int] | None = None
    best_gap = NEAR_CHARS + 1
    low = bisect.bisect_left(starts, start - NEAR_CHARS - longest)
    high = bisect.bisect_right(starts, end + NEAR_CHARS)
    for a_start, a_end in anchors[low:high]:
        gap = max(a_start - end, start - a_end, 0)
        if gap < best_gap:
            best, best_gap = (a_start, a_end), gap
    return best


def lexicon_from_config(
    negative: Mapping[str, float] | Iterable[str] | None,
    positive: Mapping[str, float] | Iterable[str] | None,
) -> Lexicon:
    """The default lexicon plus config words; a bare list gives each word weight 1.5."""
    return default_lexicon().extended(_weights(negative), _weights(positive))


def _weights(words: Mapping[str, float] | Iterable[str] | None) -> dict[str, float]:
    if words is None:
        return {}
    if isinstance(words, Mapping):
        return {str(w): float(v) for w, v in words.items()}
    return dict.fromkeys(words, 1.5)
