"""Topics from keyword lists: whole words, NFC, case, tone placement and original offsets."""

from __future__ import annotations

import unicodedata

import pytest

from nlp.topics import DEFAULT_TOPICS, Topics, fold, topics

TEN = [
    "đất đai",
    "môi trường",
    "rừng",
    "giáo dục",
    "y tế",
    "an ninh trật tự",
    "giao thông",
    "xây dựng",
    "nông nghiệp",
    "thiên tai",
]


def labels(text: str) -> set[str]:
    return {hit.topic for hit in topics(text)}


def test_defaults_cover_the_ten_fields() -> None:
    assert list(DEFAULT_TOPICS) == TEN
    assert all(len(words) >= 10 for words in DEFAULT_TOPICS.values())


def test_every_default_keyword_finds_its_own_topic() -> None:
    for topic, keywords in DEFAULT_TOPICS.items():
        for keyword in keywords:
            assert topic in labels(f"Nội dung: {keyword}."), (topic, keyword)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lâm tặc phá rừng phòng hộ ở xã Đăk Pxi", {"rừng"}),
        ("Học sinh điểm trường phải học nhờ nhà văn hóa", {"giáo dục"}),
        ("Trạm y tế xã thiếu thuốc, bệnh nhân phải lên tuyến trên", {"y tế"}),
        ("Mưa lớn gây sạt lở đất trên đèo", {"thiên tai", "giao thông"}),
        ("Công an bắt giữ nhóm đối tượng đánh bạc", {"an ninh trật tự"}),
        ("Nông dân thu hoạch cà phê sớm vì hạn hán", {"nông nghiệp", "thiên tai"}),
        ("Nhà thầu thi công chậm tiến độ", {"xây dựng"}),
        ("Đường liên xã xuống cấp, người dân phản ánh", {"giao thông"}),
    ],
)
def test_default_topics(text: str, expected: set[str]) -> None:
    assert labels(text) == expected


def test_keyword_in_two_topics_gives_two_hits() -> None:
    hits = topics("Hộ dân lấn chiếm đất rừng để trồng cà phê")
    assert [(h.topic, h.keyword) for h in hits] == [
        ("đất đai", "lấn chiếm đất"),
        ("đất đai", "đất rừng"),
        ("rừng", "đất rừng"),
        ("nông nghiệp", "cà phê"),
    ]


def test_longest_keyword_wins() -> None:
    hits = topics("Xảy ra tai nạn giao thông trên quốc lộ 14")
    assert [h.keyword for h in hits] == ["tai nạn giao thông", "quốc lộ"]


@pytest.mark.parametrize(
    "text",
    [
        "Huyện yêu cầu các xã báo cáo thị trường hàng hóa",
        "Bảo vệ đất nước, giữ gìn truyền thống",
        "Du khách lên Lũng Cú ngắm lũy tre làng",
        "Bảo đảm chất lượng hồ sơ",
    ],
)
def test_no_hits_inside_other_words(text: str) -> None:
    assert topics(text) == []


def test_offsets_point_into_original_nfd_text() -> None:
    text = unicodedata.normalize("NFD", "Tin mới: ô nhiễm nguồn nước ở thôn 2")
    hits = topics(text)
    assert [h.keyword for h in hits] == ["ô nhiễm", "nguồn nước"]
    assert [unicodedata.normalize("NFC", text[h.start : h.end]) for h in hits] == [
        "ô nhiễm",
        "nguồn nước",
    ]


def test_case_tone_placement_and_spacing() -> None:
    hits = topics("BẮT GIỮ đối tượng tàng trữ MA TÚY; ma tuý\ntổng hợp;  thủy   lợi")
    assert [(h.topic, h.keyword) for h in hits] == [
        ("an ninh trật tự", "bắt giữ"),
        ("an ninh trật tự", "tàng trữ"),
        ("an ninh trật tự", "ma túy"),
        ("an ninh trật tự", "ma túy"),
        ("nông nghiệp", "thủy lợi"),
    ]


def test_from_config_uses_its_own_lists() -> None:
    custom = Topics.from_config(
        {"Tôn giáo": ["Nhà thờ", unicodedata.normalize("NFD", "chùa")], "khác": ["đất đai"]}
    )
    text = "Xây nhà thờ trên đất đai của chùa"
    hits = custom.topics(text)
    assert [(h.topic, h.keyword, text[h.start : h.end]) for h in hits] == [
        ("Tôn giáo", "nhà thờ", "nhà thờ"),
        ("khác", "đất đai", "đất đai"),
        ("Tôn giáo", "chùa", "chùa"),
    ]
    assert custom.names == ["Tôn giáo", "khác"]
    assert custom.topics("Lâm tặc phá rừng") == []


def test_empty_config_means_defaults() -> None:
    assert Topics.from_config({}).labels("phá rừng") == ["rừng"]
    assert Topics.from_config(None).labels("phá rừng") == ["rừng"]


def test_topic_without_keywords_never_hits() -> None:
    assert Topics.from_config({"trống": [], "rừng": ["rừng"]}).labels("rừng và trống") == ["rừng"]


def test_labels_sorted_by_count() -> None:
    text = "Giáo viên và học sinh. Trồng rừng, giữ rừng, bảo vệ rừng."
    assert Topics.from_config(DEFAULT_TOPICS).labels(text) == ["rừng", "giáo dục"]


def test_fold() -> None:
    assert fold(unicodedata.normalize("NFD", "Hoà Bình THUỶ")) == "hòa bình thủy"
    assert fold("quý khoẻ hoàng") == fold("quý khỏe hoàng") == "quý khỏe hoàng"
