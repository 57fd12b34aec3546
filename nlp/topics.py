"""Fields an article is about (đất đai, môi trường, rừng ...), from keyword lists per field.

Also holds the keyword matcher that `nlp.tone` shares: texts and keywords both go through
`nlp.normalize` (the gazetteer's folding), whole words only, offsets reported into the original
text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from nlp.normalize import Normalized, normalize


def fold(text: str) -> str:
    """The form keywords and texts are compared in: `nlp.normalize`'s (NFC, lowercase, one
    tone-mark placement, regional spellings, one space between words)."""
    return normalize(text).text.strip()


@dataclass(frozen=True)
class KeywordHit:
    """One keyword found: the folded keyword and its span in the original text."""

    keyword: str
    start: int
    end: int


class KeywordMatcher:
    """All keywords in one compiled regex: whole words, longest keyword first, no overlaps."""

    def __init__(self, keywords: Iterable[str]) -> None:
        folded = {" ".join(fold(k).split()) for k in keywords}
        folded.discard("")
        self.keywords = frozenset(folded)
        ordered = sorted(self.keywords, key=lambda k: (-len(k), k))
        body = "|".join(r"\s+".join(re.escape(w) for w in k.split()) for k in ordered)
        self._pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)") if ordered else None
        self._overlapping = re.compile(rf"(?<!\w)(?=({body})(?!\w))") if ordered else None

    def scan(self, folded: Normalized) -> Iterator[tuple[KeywordHit, int, int]]:
        """Hits with their span in the folded text as well (callers look around them there)."""
        if self._pattern is None:
            return
        for match in self._pattern.finditer(folded.text):
            keyword = " ".join(match[0].split())
            start, end = folded.span(match.start(), match.end())
            yield KeywordHit(keyword, start, end), match.start(), match.end()

    def find(self, text: str) -> list[KeywordHit]:
        """Keyword hits in `text`, in order, offsets into `text`; no two overlap."""
        return [hit for hit, _, _ in self.scan(normalize(text))]

    def find_maximal(self, text: str) -> list[KeywordHit]:
        """Every keyword not inside a longer hit: "lấn chiếm đất rừng" gives both "lấn chiếm
        đất" and "đất rừng", but "rừng" only inside "đất rừng" is dropped."""
        if self._overlapping is None:
            return []
        folded = normalize(text)
        hits: list[KeywordHit] = []
        reach = -1
        for match in self._overlapping.finditer(folded.text):
            if match.end(1) <= reach:
                continue
            reach = match.end(1)
            start, end = folded.span(match.start(1), match.end(1))
            hits.append(KeywordHit(" ".join(match[1].split()), start, end))
        return hits


DEFAULT_TOPICS: dict[str, list[str]] = {
    "đất đai": [
        "đất đai",
        "quyền sử dụng đất",
        "giấy chứng nhận quyền sử dụng đất",
        "sổ đỏ",
        "sổ hồng",
        "thu hồi đất",
        "giải phóng mặt bằng",
        "giải tỏa",
        "bồi thường",
        "tái định cư",
        "lấn chiếm đất",
        "chiếm đất",
        "tranh chấp đất",
        "tranh chấp đất đai",
        "chuyển mục đích",
        "quy hoạch sử dụng đất",
        "giao đất",
        "cấp đất",
        "đất rừng",
        "đất công",
        "đất ở",
        "đất nông nghiệp",
        "đấu giá đất",
        "phân lô",
        "bán nền",
        "địa chính",
        "hiến đất",
    ],
    "môi trường": [
        "môi trường",
        "ô nhiễm",
        "ô nhiễm môi trường",
        "rác thải",
        "chất thải",
        "nước thải",
        "xả thải",
        "khí thải",
        "mùi hôi",
        "bãi rác",
        "thu gom rác",
        "khai thác cát",
        "khai thác khoáng sản",
        "khoáng sản",
        "tài nguyên nước",
        "nguồn nước",
        "nước sạch",
        "biến đổi khí hậu",
        "đa dạng sinh học",
    ],
    "rừng": [
        "rừng",
        "phá rừng",
        "cháy rừng",
        "lâm tặc",
        "đất rừng",
        "kiểm lâm",
        "lâm nghiệp",
        "trồng rừng",
        "bảo vệ rừng",
        "giữ rừng",
        "khai thác gỗ",
        "gỗ lậu",
        "lâm sản",
        "vườn quốc gia",
        "khu bảo tồn",
        "khu bảo tồn thiên nhiên",
        "chi trả dịch vụ môi trường rừng",
    ],
    "giáo dục": [
        "giáo dục",
        "trường học",
        "ngôi trường",
        "nhà trường",
        "điểm trường",
        "trường mầm non",
        "trường tiểu học",
        "trường thcs",
        "trường thpt",
        "phổ thông dân tộc nội trú",
        "phổ thông dân tộc bán trú",
        "bán trú",
        "học sinh",
        "giáo viên",
        "sinh viên",
        "mầm non",
        "tiểu học",
        "trung học cơ sở",
        "trung học phổ thông",
        "năm học",
        "khai giảng",
        "thi tốt nghiệp",
        "lớp học",
        "học phí",
        "sách giáo khoa",
        "bỏ học",
        "dạy học",
    ],
    "y tế": [
        "y tế",
        "bệnh viện",
        "trạm y tế",
        "trung tâm y tế",
        "bác sĩ",
        "bệnh nhân",
        "người bệnh",
        "khám chữa bệnh",
        "khám bệnh",
        "dịch bệnh",
        "sốt xuất huyết",
        "bạch hầu",
        "sởi",
        "tay chân miệng",
        "tiêm chủng",
        "vắc xin",
        "vaccine",
        "ngộ độc",
        "ngộ độc thực phẩm",
        "an toàn thực phẩm",
        "bảo hiểm y tế",
        "sức khỏe",
        "thiếu thuốc",
        "cấp cứu",
    ],
    "an ninh trật tự": [
        "an ninh trật tự",
        "an ninh",
        "trật tự xã hội",
        "công an",
        "trộm cắp",
        "trộm",
        "cướp",
        "cướp giật",
        "đánh bạc",
        "ma túy",
        "giết người",
        "án mạng",
        "cố ý gây thương tích",
        "hỗn chiến",
        "đánh nhau",
        "lừa đảo",
        "khởi tố",
        "bắt giữ",
        "tạm giữ",
        "tạm giam",
        "truy nã",
        "tội phạm",
        "vũ khí",
        "vật liệu nổ",
        "tín dụng đen",
        "cho vay nặng lãi",
        "buôn lậu",
        "tàng trữ",
    ],
    "giao thông": [
        "giao thông",
        "tai nạn giao thông",
        "an toàn giao thông",
        "quốc lộ",
        "tỉnh lộ",
        "đường tỉnh",
        "đường hồ chí minh",
        "đường giao thông nông thôn",
        "tuyến đường",
        "đường liên xã",
        "đường liên thôn",
        "đường liên huyện",
        "đường sá",
        "mặt đường",
        "cây cầu",
        "cầu treo",
        "cầu tràn",
        "ùn tắc",
        "xe tải",
        "xe khách",
        "xe máy",
        "ô tô",
        "tài xế",
        "lái xe",
        "va chạm",
        "đèo",
        "lưu thông",
    ],
    "xây dựng": [
        "xây dựng trái phép",
        "xây dựng không phép",
        "giấy phép xây dựng",
        "công trình",
        "công trình xây dựng",
        "xây dựng cơ bản",
        "thi công",
        "nhà thầu",
        "gói thầu",
        "đấu thầu",
        "chủ đầu tư",
        "nghiệm thu",
        "khởi công",
        "hạ tầng",
        "đầu tư công",
        "giải ngân",
        "kè",
        "xây mới",
        "sửa chữa",
        "chậm tiến độ",
    ],
    "nông nghiệp": [
        "nông nghiệp",
        "nông dân",
        "cây trồng",
        "vật nuôi",
        "chăn nuôi",
        "trồng trọt",
        "cà phê",
        "cao su",
        "sâm ngọc linh",
        "sắn",
        "lúa",
        "hồ tiêu",
        "mắc ca",
        "sầu riêng",
        "thủy lợi",
        "kênh mương",
        "dịch tả lợn châu phi",
        "lở mồm long móng",
        "gia súc",
        "gia cầm",
        "thu hoạch",
        "mùa vụ",
        "phân bón",
        "hợp tác xã",
        "ocop",
        "khuyến nông",
    ],
    "thiên tai": [
        "thiên tai",
        "bão",
        "áp thấp nhiệt đới",
        "lũ",
        "lũ quét",
        "lũ ống",
        "lụt",
        "ngập lụt",
        "mưa lớn",
        "mưa lũ",
        "sạt lở",
        "sạt lở đất",
        "lốc",
        "lốc xoáy",
        "giông lốc",
        "mưa đá",
        "hạn hán",
        "động đất",
        "rét đậm",
        "rét hại",
        "phòng chống thiên tai",
    ],
}


@dataclass(frozen=True)
class TopicHit:
    """A keyword of a topic found in the text; `start`/`end` index the original text."""

    topic: str
    keyword: str
    start: int
    end: int


class Topics:
    """Keyword lists per field, matched in one pass."""

    def __init__(self, mapping: Mapping[str, Iterable[str]]) -> None:
        self._topics: dict[str, list[str]] = {}
        keywords: list[str] = []
        for topic, words in mapping.items():
            name = " ".join(unicodedata.normalize("NFC", topic).split())
            for word in words:
                key = " ".join(fold(word).split())
                if key and name not in self._topics.setdefault(key, []):
                    self._topics[key].append(name)
                    keywords.append(key)
        self.names = [" ".join(unicodedata.normalize("NFC", t).split()) for t in mapping]
        self._matcher = KeywordMatcher(keywords)

    @classmethod
    def from_config(cls, mapping: Mapping[str, Iterable[str]] | None) -> Topics:
        """From the config's `topics:` lists; an empty or absent mapping means the defaults."""
        return cls(mapping) if mapping else cls(DEFAULT_TOPICS)

    def topics(self, text: str) -> list[TopicHit]:
        """Every maximal keyword hit, in text order; a keyword listed under two topics gives two
        hits."""
        return [
            TopicHit(topic, hit.keyword, hit.start, hit.end)
            for hit in self._matcher.find_maximal(text)
            for topic in self._topics[hit.keyword]
        ]

    def labels(self, text: str) -> list[str]:
        """The topics of `text`, most hits first (ties in order of first appearance)."""
        counts: dict[str, int] = {}
        for hit in self.topics(text):
            counts[hit.topic] = counts.get(hit.topic, 0) + 1
        return sorted(counts, key=lambda t: -counts[t])


@cache
def default_topics() -> Topics:
    """The shared `Topics` built from `DEFAULT_TOPICS`."""
    return Topics(DEFAULT_TOPICS)


def topics(text: str) -> list[TopicHit]:
    """Topic hits of `text` with the default keyword lists."""
    return default_topics().topics(text)
