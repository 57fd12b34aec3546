"""Tone of an article (negative, neutral, positive) and whether it needs verifying, with reasons:
a press lexicon read with its context, and a linear model trained on real text that weighs it.

underthesea's `sentiment` downloads weights at run time, so it is not used. The lexicon (`read`)
finds event and judgement words: a word counts less inside quotes, is cancelled when denied
("không có sai phạm", "bác bỏ thông tin ..."), counts little after "phòng, chống", and counts
more near a mention of the watched place or in the title (the first line). Misses on real text
were events more than judgement words (an epidemic breaking out, storms, floods, fires,
drownings, arrests, land violations, illegal logging, complaints), so the lexicon lists events;
needs-verification has its own cues (`VERIFY`: complaints, allegations, wrongdoing, unresolved
problems; negative cues for what is already being handled, a court case or a fire put out).

The decision is the tone model's (`nlp.tone_model`): it reads the lexicon's sums and the text's
words, with weights learnt from the tuning part of the real-text development set. On its
held-out part it beat the lexicon alone (`lexicon_tone`, kept to measure against; figures in the
README, `bench/eval_locate.py`).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property

from nlp.normalize import Normalized, normalize
from nlp.tone_model import Label, ToneModel, default_model, lexicon_features, word_features
from nlp.topics import KeywordMatcher, fold

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
    "báo chí phản ánh": 2.0, "dư luận bức xúc": 2.5, "kêu trời": 2.0, "bị tố": 2.0,
    "bảo kê": 2.0, "bao che": 2.0, "tiếp tay": 2.0, "làm ngơ": 2.0, "buông lỏng": 2.0,
    "buông lỏng quản lý": 2.0, "thiếu trách nhiệm": 2.0, "lợi dụng chức vụ": 2.5,
    "đình chỉ công tác": 2.0, "tạm đình chỉ": 1.5, "cảnh cáo": 1.5, "khiển trách": 1.0,
    "sai mục đích": 2.0, "sai quy định": 1.5, "trái quy định": 1.5, "không đúng quy định": 1.5,
    "chưa được giải quyết": 2.0, "chưa được xử lý": 2.0, "chậm xử lý": 2.0,
    "chưa được sửa chữa": 2.0, "dự án treo": 2.0, "đắp chiếu": 2.0, "mỏi mòn": 2.0,
    "khốn khổ": 2.0, "khổ sở": 2.0, "sống khổ": 2.0, "chịu khổ": 2.0, "đau khổ": 2.0,
    "lộng hành": 2.0, "nhức nhối": 2.0, "thả nổi": 2.0, "hoang mang": 1.5, "lo lắng": 1.0,
    "bất an": 1.5, "phẫn nộ": 2.0, "xô xát": 2.0, "chống người thi hành công vụ": 2.5,
    "vắng tanh": 1.5, "không thèm": 1.5, "chưa rõ nguyên nhân": 1.5,
    # land, forest, environment
    "lấn chiếm": 2.0, "chiếm dụng": 1.5, "phá rừng": 2.5, "khai thác trái phép": 2.0,
    "xây dựng trái phép": 2.0, "xây dựng không phép": 2.0, "lâm tặc": 2.0, "gỗ lậu": 2.0,
    "ô nhiễm": 1.5, "ô nhiễm môi trường": 2.0, "mùi hôi": 1.0, "xả thải": 1.0,
    "trái phép": 2.0, "không phép": 1.5, "xâm lấn": 2.0, "xâm hại rừng": 2.5, "chặt phá": 2.0,
    "chặt hạ": 1.5, "cưa hạ": 2.0, "đốt rừng": 2.5, "rừng bị phá": 2.5, "cạo trọc": 2.5,
    "tan hoang": 2.0, "cát tặc": 2.5, "vàng tặc": 2.5, "đào đãi vàng": 2.0, "hôi thối": 2.0,
    "bốc mùi": 1.5, "cá chết": 2.0, "di dân tự do": 1.5,
    # accidents, disasters, epidemics, hardship
    "cháy": 1.5, "cháy rừng": 2.5, "cháy nhà": 2.0, "cháy nổ": 2.0, "hỏa hoạn": 2.0,
    "sạt lở": 2.0, "sạt lở đất": 2.0, "lũ quét": 2.0, "lũ ống": 2.0, "ngập lụt": 1.5,
    "lũ lụt": 1.5, "hạn hán": 1.5, "thiếu nước": 1.5, "thiếu nước sinh hoạt": 2.0,
    "thiếu giáo viên": 1.0, "thiếu thuốc": 1.5, "tai nạn": 1.5, "tai nạn giao thông": 2.0,
    "tử vong": 2.0, "thiệt mạng": 2.0, "bị thương": 1.5, "thiệt hại": 1.5, "đuối nước": 2.0,
    "ngộ độc": 2.0, "dịch bệnh": 1.0, "xuống cấp": 1.5, "hư hỏng": 1.0, "ùn tắc": 1.0,
    "mất an toàn": 1.5, "nguy hiểm": 1.0, "khó khăn": 0.5, "bỏ học": 1.5,
    "bốc cháy": 2.0, "thiêu rụi": 2.0, "vụ cháy": 2.0, "đám cháy": 2.0, "cháy rẫy": 2.0,
    "chết": 1.5, "người chết": 2.5, "chết đuối": 2.5, "thi thể": 2.0, "nạn nhân": 1.5,
    "mất tích": 2.0, "thương vong": 2.0, "thương tâm": 2.0, "tai nạn thương tâm": 2.5,
    "va chạm": 1.5, "lật xe": 2.0, "bị lật": 2.0, "cuốn trôi": 2.0, "nước cuốn": 2.0,
    "vùi lấp": 2.0, "sập": 1.5, "đổ sập": 2.0, "tốc mái": 2.0, "gãy đổ": 1.5, "ngập": 1.0,
    "ngập sâu": 1.5, "ngập úng": 1.5, "nhấn chìm": 2.0, "chia cắt": 1.5, "cô lập": 1.5,
    "bão": 1.0, "mưa lũ": 1.5, "lũ": 1.0, "nước lũ": 1.5, "đỉnh lũ": 1.5, "giông lốc": 1.5,
    "lốc xoáy": 1.5, "mưa đá": 1.5, "sét đánh": 2.0, "hư hại": 1.5, "thiệt hại nặng": 2.0,
    "cạn nước": 1.5, "khô hạn": 1.5, "nắng nóng": 1.0, "héo": 1.5, "chết khô": 2.0,
    "mất trắng": 2.0, "trắng tay": 2.0, "bùng phát": 2.0, "ổ dịch": 2.0, "dịch": 1.0,
    "dịch tả lợn châu phi": 2.5, "dịch tả heo châu phi": 2.5, "dịch tả lợn": 2.0,
    "sốt xuất huyết": 1.5, "bạch hầu": 2.0, "sốt rét": 1.5, "tay chân miệng": 1.5,
    "lở mồm long móng": 2.0, "cúm gia cầm": 2.0, "ca mắc": 1.5, "mắc bệnh": 1.5,
    "ca bệnh": 1.5, "dương tính": 1.5, "nhập viện": 1.5, "tiêu hủy": 1.5, "lây lan": 1.5,
    "bệnh dại": 2.0, "ổ gà": 1.5, "ổ voi": 2.0, "lầy lội": 1.5, "hư hỏng nặng": 2.0,
    "xuống cấp nghiêm trọng": 2.5, "xuống cấp trầm trọng": 2.5, "bẫy": 1.0,
    # crime
    "trộm cắp": 1.5, "cướp giật": 2.0, "đánh bạc": 1.5, "ma túy": 1.5, "giết người": 2.5,
    "án mạng": 2.5, "cố ý gây thương tích": 2.0, "hỗn chiến": 2.0, "buôn lậu": 1.5,
    "tín dụng đen": 1.5, "trộm": 1.5, "nhổ trộm": 2.0, "kẻ gian": 2.0, "cướp": 2.0,
    "chém": 2.0, "chém chết": 2.5, "sát hại": 2.5, "côn đồ": 2.0, "hành hung": 2.0,
    "đánh nhau": 2.0, "gây rối": 1.5, "bắt cóc": 2.5, "con tin": 2.0, "hiếp dâm": 2.5,
    "xâm hại": 2.0, "dâm ô": 2.5, "mua bán người": 2.5, "cần sa": 2.0, "heroin": 2.0,
    "tàng trữ": 1.5, "vận chuyển trái phép": 2.0, "mua bán trái phép": 2.0, "bắt giữ": 1.5,
    "bắt quả tang": 2.0, "tạm giữ": 1.5, "tạm giữ hình sự": 2.0, "tạm giam": 2.0,
    "truy bắt": 2.0, "truy nã": 2.0, "nghi phạm": 2.0, "nghi can": 2.0, "bị can": 2.0,
    "đối tượng": 1.0, "hung thủ": 2.0, "thủ phạm": 2.0, "vụ án": 1.5, "tấn công": 2.0,
    "phá hoại": 2.0, "cưỡng đoạt": 2.0, "làm giả": 2.0, "giả mạo": 2.0, "trốn thuế": 2.0,
    "nổ súng": 2.0, "phạt tù": 2.0, "tuyên phạt": 1.5, "tử hình": 2.0, "chung thân": 2.0,
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
    "đạt giải": 1.5, "giải nhất": 1.5, "huy chương": 1.5, "xuất sắc": 1.5, "tiêu biểu": 1.0,
    "tăng trưởng": 1.0, "làm giàu": 1.5, "vươn lên": 1.5, "bội thu": 1.5, "được mùa": 1.5,
    "thu nhập cao": 1.5, "mô hình hiệu quả": 1.5, "đẹp": 1.0, "tuyệt đẹp": 2.0,
    "thơ mộng": 1.5, "hùng vĩ": 1.5, "hấp dẫn": 1.0, "điểm đến": 1.0, "nét đẹp": 1.5,
    "độc đáo": 1.0, "tự hào": 1.5, "niềm vui": 1.5, "phấn khởi": 1.5, "vui mừng": 1.5,
    "hân hoan": 1.5, "khang trang": 1.5, "sạch đẹp": 1.5, "bình yên": 1.0, "trù phú": 1.5,
    "sung túc": 1.5, "đột phá": 1.0, "nghĩa cử": 2.0, "cao đẹp": 1.5, "sẻ chia": 1.0,
    "nghĩa tình": 1.5, "khen ngợi": 1.5, "đánh giá cao": 1.5, "gương sáng": 2.0,
    "dẫn đầu": 1.5, "công nhận": 1.0, "bằng công nhận": 1.5, "giải cứu thành công": 2.0,
    "an toàn": 0.5, "ổn định": 0.5, "tích cực": 1.0, "nâng cao": 0.5, "phát triển": 0.5,
}  # fmt: skip

# Needs verification: what reports wrongdoing, a complaint, an allegation or an unresolved
# problem (> 0), and what says the matter is already being handled (< 0: a court case, a fire
# put out). Read only in a text whose tone is negative.
VERIFY: dict[str, float] = {
    "phản ánh": 1.5, "người dân phản ánh": 2.0, "bạn đọc phản ánh": 2.0,
    "báo chí phản ánh": 2.0, "tố cáo": 2.0, "đơn tố cáo": 2.0, "tố giác": 1.0, "bị tố": 2.0,
    "khiếu nại": 2.0, "khiếu kiện": 2.0, "kiến nghị": 1.0, "đơn thư": 1.5, "bức xúc": 2.0,
    "người dân bức xúc": 2.0, "dư luận bức xúc": 2.0, "kêu cứu": 2.0, "kêu trời": 2.0,
    "người dân cho rằng": 2.0, "cho rằng": 0.5, "có dấu hiệu": 1.5, "dấu hiệu sai phạm": 2.0,
    "nghi vấn": 1.5, "chưa rõ nguyên nhân": 2.0, "sai phạm": 2.0, "vi phạm": 1.0,
    "trái phép": 1.5, "không phép": 1.5, "khai thác trái phép": 2.0, "phá rừng": 2.0,
    "rừng bị phá": 2.0, "chặt phá": 1.5, "cưa hạ": 1.5, "chặt hạ": 1.0, "đốt rừng": 1.5,
    "lâm tặc": 1.5, "cát tặc": 2.0, "vàng tặc": 2.0, "gỗ lậu": 1.5, "lấn chiếm": 2.0,
    "chiếm dụng": 1.5, "xâm lấn": 2.0, "cạo trọc": 2.0, "tan hoang": 2.0, "di dân tự do": 2.0,
    "tham nhũng": 2.0, "tham ô": 2.0, "hối lộ": 2.0, "chiếm đoạt": 1.0, "trục lợi": 2.0,
    "lợi dụng chức vụ": 2.0, "nhũng nhiễu": 2.0, "gây khó khăn": 1.5, "khuất tất": 2.0,
    "bất thường": 1.0, "bảo kê": 2.0, "bao che": 2.0, "tiếp tay": 2.0, "làm ngơ": 2.0,
    "thả nổi": 2.0, "buông lỏng": 2.0, "thiếu trách nhiệm": 2.0, "lãng phí": 2.0,
    "thất thoát": 2.0, "bỏ hoang": 2.0, "dự án treo": 2.0, "đắp chiếu": 2.0,
    "chậm tiến độ": 2.0, "chậm trễ": 1.5, "chưa được giải quyết": 2.0,
    "chưa được xử lý": 2.0, "chậm xử lý": 2.0, "chưa được sửa chữa": 2.0, "mỏi mòn": 2.0,
    "khốn khổ": 2.0, "khổ sở": 2.0, "sống khổ": 2.0, "chịu khổ": 2.0, "đau khổ": 1.5,
    "ô nhiễm": 1.5, "ô nhiễm môi trường": 2.0, "mùi hôi": 1.5, "hôi thối": 2.0,
    "xả thải": 1.5, "xuống cấp": 1.5, "xuống cấp trầm trọng": 2.0, "hư hỏng nặng": 1.5,
    "ổ gà": 1.5, "ổ voi": 1.5, "lầy lội": 1.0, "bẫy": 1.0, "lộng hành": 2.0, "nhức nhối": 2.0,
    "tranh chấp": 1.5, "xô xát": 1.0, "nợ lương": 2.0, "nợ đọng": 1.5, "không thèm": 2.0,
    "vắng tanh": 1.5, "hoang mang": 1.0, "thiếu hóa chất": 1.5, "thiếu nước": 1.0,
    "xác minh": 1.0, "kiểm điểm": 1.0, "đình chỉ công tác": 1.0,
    # already handled
    "xét xử": -2.0, "tuyên phạt": -2.0, "phạt tù": -2.0, "tuyên án": -2.0, "tòa án": -1.0,
    "dập tắt": -2.0, "khống chế": -1.5, "tai nạn giao thông": -1.5, "đuối nước": -1.0,
    "bắt quả tang": -1.0, "tạm giữ hình sự": -1.0, "giải cứu": -1.5,
}  # fmt: skip

QUOTE_FACTOR = 0.5
NEAR_FACTOR = 2.0
TITLE_FACTOR = 1.5
# A negative word right after one of these is about prevention ("phòng, chống tham nhũng").
PREVENTION_FACTOR = 0.1
NEAR_CHARS = 100
SCALE = 4.0
THRESHOLD = 0.2
# Needs verification: a negative text whose verification cues add up to this much.
VERIFY_AT = 3.0
# The model's words given as reasons: those pushing towards the label at least this much (a pair
# with its two words), at most this many.
WORD_REASON_AT = 0.3
WORD_REASONS = 5

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
    its signed weight after every adjustment, whether it was negated or quoted, and its weight
    towards needs-verification (0 for a word that is no verification cue)."""

    word: str
    start: int
    end: int
    near: tuple[int, int] | None
    weight: float
    negated: bool
    quoted: bool
    verify: float = 0.0
    extra: bool = False


@dataclass(frozen=True)
class Tone:
    """`score` in [-1, 1]; `label`; `reasons`: the lexicon's words, in text order; `verify`: the
    text reports something the local authorities would have to verify or answer; `words`: when
    no lexicon word speaks for the label, the words that pushed the tone model most towards it,
    strongest first (their `weight` is that push, always > 0)."""

    label: Label
    score: float
    reasons: list[Reason] = field(default_factory=list)
    verify: bool = False
    words: list[Reason] = field(default_factory=list)

    def supports(self, reason: Reason) -> bool:
        """Whether a lexicon word speaks for the label (any word does for a neutral text)."""
        if self.label == "negative":
            return reason.weight < 0 or (self.verify and reason.verify > 0)
        if self.label == "positive":
            return reason.weight > 0
        return True

    def counted(self) -> list[Reason]:
        """The lexicon words that count: those with a tone weight, and verification cues of a
        text that needs verifying."""
        return [r for r in self.reasons if r.weight != 0 or (self.verify and r.verify > 0)]

    def explained_by_lexicon(self) -> bool:
        """Whether some lexicon word that counts speaks for the label."""
        return any(self.supports(r) for r in self.counted())

    def explain(self, text: str) -> list[str]:
        """Reasons as short strings, e.g. `'phá rừng' near 'xã Đăk Pxi'` (the JSON contract):
        the lexicon words that speak for the label, those that weigh most first (text order
        among equals), then the other lexicon words; when no lexicon word speaks for the label,
        the model's words that did. A word counted only towards needs-verification is marked
        "(cần xác minh)"."""
        counted = self.counted()
        counted.sort(
            key=lambda r: (
                not self.supports(r),
                -(abs(r.weight) + (r.verify if self.verify else 0.0)),
            )
        )
        lines = []
        for r in counted:
            line = f"'{text[r.start : r.end]}'"
            if r.near is not None:
                line += f" near '{text[r.near[0] : r.near[1]]}'"
            if r.weight == 0:
                line += " (cần xác minh)"
            lines.append(line)
        if self.explained_by_lexicon():
            return lines
        covered = [(r.start, r.end) for r in self.reasons]
        for w in self.words:
            if not any(a <= w.start and w.end <= b for a, b in covered):
                lines.append(f"'{text[w.start : w.end]}'")
                covered.append((w.start, w.end))
        return lines


class Lexicon:
    """Signed tone weights (negative < 0), needs-verification weights, and one matcher over
    both (a word may be in either or both). `extra`: the words a deployment added or reweighted
    (config `tone:`), which the model never saw: their weights go straight to its log-odds."""

    def __init__(
        self,
        negative: Mapping[str, float],
        positive: Mapping[str, float],
        verify: Mapping[str, float] | None = None,
        extra: Iterable[str] = (),
    ) -> None:
        self.extra = frozenset(_key(word) for word in extra)
        weights: dict[str, float] = {}
        for word, weight in negative.items():
            weights[_key(word)] = -abs(weight)
        for word, weight in positive.items():
            weights[_key(word)] = abs(weight)
        self.weights = weights
        self.verify = {_key(word): float(weight) for word, weight in (verify or {}).items()}
        self.matcher = KeywordMatcher(weights.keys() | self.verify.keys())

    def extended(
        self,
        negative: Mapping[str, float] | None = None,
        positive: Mapping[str, float] | None = None,
        verify: Mapping[str, float] | None = None,
    ) -> Lexicon:
        """This lexicon with words added or reweighted (config extras)."""
        neg = {w: -v for w, v in self.weights.items() if v < 0}
        pos = {w: v for w, v in self.weights.items() if v > 0}
        for word, weight in (negative or {}).items():
            pos.pop(_key(word), None)
            neg[_key(word)] = weight
        for word, weight in (positive or {}).items():
            neg.pop(_key(word), None)
            pos[_key(word)] = weight
        extra = {_key(w): v for w, v in (verify or {}).items()}
        added = [*(negative or {}), *(positive or {}), *extra]
        return Lexicon(neg, pos, self.verify | extra, self.extra | {_key(w) for w in added})


def _key(word: str) -> str:
    return " ".join(fold(word).split())


@cache
def default_lexicon() -> Lexicon:
    """The built-in press lexicon."""
    return Lexicon(NEGATIVE, POSITIVE, VERIFY)


@dataclass(frozen=True)
class Reading:
    """What the lexicon finds in a text: its reasons, the sum of their signed weights, and the
    spans (folded positions) of the words it does not count as the event (denied or about
    prevention), which the model does not read either."""

    text: str
    folded: Normalized
    reasons: list[Reason]
    total: float
    masked: list[tuple[int, int]]

    @cached_property
    def words(self) -> dict[str, tuple[int, int]]:
        """The model's word features and their first spans (see `word_features`)."""
        return word_features(self.folded, self.masked, self.text)

    @property
    def score(self) -> float:
        """The lexicon's score in [-1, 1]."""
        return math.tanh(self.total / SCALE)

    def features(self) -> dict[str, float]:
        """The tone model's features of this text (see `nlp.tone_model`)."""
        values: dict[str, float] = dict.fromkeys(self.words, 1.0)
        values |= lexicon_features(
            sum(r.weight for r in self.reasons if r.weight < 0),
            sum(r.weight for r in self.reasons if r.weight > 0),
            sum(r.verify for r in self.reasons),
            self.score,
        )
        return values

    def extra(self) -> tuple[float, float]:
        """The deployment's own words (counted in `features` like the built-in ones, and pushed
        once more by the model, which never saw them): the sum of their signed tone weights and
        of their verification weights."""
        extra = [r for r in self.reasons if r.extra]
        return sum(r.weight for r in extra), sum(r.verify for r in extra)


def read(
    text: str, anchors: Sequence[tuple[int, int]] = (), lexicon: Lexicon | None = None
) -> Reading:
    """The lexicon's reading of `text` (title on the first line). `anchors` are spans of `text`
    that mention the watched place; reasons report spans of `text` too."""
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
    masked: list[tuple[int, int]] = []
    for hit, s, e in lex.matcher.scan(folded):
        base = lex.weights.get(hit.keyword, 0.0)
        cue = lex.verify.get(hit.keyword, 0.0)
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
            cue = min(cue, 0.0)
            masked.append((s, e))
        elif _PREVENTION.search(before):
            if base < 0:
                weight = base * PREVENTION_FACTOR
            cue *= PREVENTION_FACTOR
            masked.append((s, e))
        if quoted:
            weight *= QUOTE_FACTOR  # an allegation is often quoted: its cue keeps its weight
        if near is not None:
            weight *= NEAR_FACTOR
            cue *= NEAR_FACTOR
        if s < title_end:
            weight *= TITLE_FACTOR
            cue *= TITLE_FACTOR
        reasons.append(
            Reason(
                hit.keyword,
                hit.start,
                hit.end,
                near,
                round(weight, 4),
                negated,
                quoted,
                round(cue, 4),
                hit.keyword in lex.extra,
            )
        )
    return Reading(text, folded, reasons, sum(r.weight for r in reasons), masked)


def lexicon_tone(
    text: str, anchors: Sequence[tuple[int, int]] = (), lexicon: Lexicon | None = None
) -> Tone:
    """Tone of `text` from the lexicon alone: its score against `THRESHOLD`, needs-verification
    when a negative text's cues reach `VERIFY_AT`. Kept to measure the model against."""
    reading = read(text, anchors, lexicon)
    score = reading.score
    label: Label = "neutral"
    if score <= -THRESHOLD:
        label = "negative"
    elif score >= THRESHOLD:
        label = "positive"
    verify = label == "negative" and sum(r.verify for r in reading.reasons) >= VERIFY_AT
    return Tone(label, round(score, 4), reading.reasons, verify)


def tone(
    text: str,
    anchors: Sequence[tuple[int, int]] = (),
    lexicon: Lexicon | None = None,
    model: ToneModel | None = None,
) -> Tone:
    """Tone of `text` (title on the first line) and whether it needs verifying: the tone model
    (`nlp.tone_model`, the shipped one unless `model` is given) reading the text's words and the
    lexicon's reading. `anchors` are spans of `text` that mention the watched place; reasons are
    the lexicon's words, and the words that pushed the model most towards its label."""
    reading = read(text, anchors, lexicon)
    model = model or default_model()
    judgement = model.judge(reading.features(), *reading.extra())
    verdict = Tone(judgement.label, round(judgement.score, 4), reading.reasons, judgement.verify)
    if verdict.explained_by_lexicon():
        return verdict  # the model's words are not needed to explain it
    return replace(verdict, words=_model_words(reading, model, judgement.label))


def _model_words(reading: Reading, model: ToneModel, label: Label) -> list[Reason]:
    """The words that pushed the model most towards `label`, strongest first, at most
    `WORD_REASONS`, none overlapping another: a pair of words counts with its two words ("du
    khách" rather than "du"), since a reviewer reads phrases."""
    present = reading.words
    scored: list[tuple[float, str, tuple[int, int]]] = []
    for feature, span in present.items():
        support = model.support(feature, label)
        if " " in feature:
            support += sum(model.support(part, label) for part in feature.split(" "))
        if support >= WORD_REASON_AT:
            scored.append((support, feature, span))
    scored.sort(key=lambda item: (-item[0], item[2][0]))
    chosen: list[Reason] = []
    for support, feature, (s, e) in scored:
        if len(chosen) == WORD_REASONS:
            break
        start, end = reading.folded.span(s, e)
        if any(r.start < end and start < r.end for r in chosen):
            continue
        chosen.append(Reason(feature, start, end, None, round(support, 4), False, False))
    return chosen


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
    verify: Mapping[str, float] | Iterable[str] | None = None,
) -> Lexicon:
    """The default lexicon plus config words (`tone:` in the config); a bare list gives each
    word weight 1.5."""
    return default_lexicon().extended(_weights(negative), _weights(positive), _weights(verify))


def _weights(words: Mapping[str, float] | Iterable[str] | None) -> dict[str, float]:
    if words is None:
        return {}
    if isinstance(words, Mapping):
        return {str(w): float(v) for w, v in words.items()}
    return dict.fromkeys(words, 1.5)
