"""Tone of Vietnamese press text: lexicon, negation, denial, quotes, anchors and title weight."""

from __future__ import annotations

import unicodedata

import pytest

from nlp.tone import Reason, lexicon_from_config, lexicon_tone, tone

FILLER = (
    " Theo kế hoạch, các đơn vị tiếp tục rà soát danh sách và báo cáo kết quả về huyện trước "
    "cuối tháng, đồng thời phối hợp với các thôn làng tổ chức họp dân để thông báo lịch làm việc."
)


def words(reasons: list[Reason]) -> list[str]:
    return [r.word for r in reasons]


@pytest.mark.parametrize(
    "text",
    [
        "Người dân phản ánh đường liên xã xuống cấp nghiêm trọng\nMặt đường đầy ổ gà.",
        "Phát hiện nhiều sai phạm tại dự án cấp nước\nĐoàn thanh tra đã làm việc với chủ đầu tư.",
        "Sạt lở đất vùi lấp nhà dân\nHai người thiệt mạng trong đêm mưa lớn.",
        "Tai nạn giao thông trên quốc lộ 14\nMột người tử vong tại chỗ.",
        "Lâm tặc phá rừng phòng hộ\nHơn 3 ha rừng bị chặt hạ.",
        "Dự án bỏ hoang gây lãng phí hàng chục tỷ đồng\nNhiều hạng mục đã hư hỏng.",
        "Cả thôn thiếu nước sinh hoạt suốt mùa khô\nNgười dân phải đi xa để lấy nước.",
        "Khởi tố nguyên chủ tịch xã về tội tham ô\nCơ quan điều tra đã vào cuộc.",
        "Hàng chục hộ dân khiếu nại, tố cáo việc thu hồi đất\nVụ việc kéo dài nhiều năm.",
        "Cháy nhà trong đêm, một gia đình mất trắng tài sản",
    ],
)
def test_clear_negatives(text: str) -> None:
    result = tone(text)
    assert result.label == "negative"
    assert result.score < 0
    assert all(r.weight < 0 for r in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "Khánh thành trường mầm non mới cho con em đồng bào\nNgôi trường có 6 phòng học.",
        "Xã Đăk Ui đạt chuẩn nông thôn mới\nĐây là xã thứ năm của huyện.",
        "Gương người tốt việc tốt\nAnh A nhặt được ví và trả lại cho người đánh mất.",
        "Trao tặng bằng khen cho các điển hình tiên tiến\nHội nghị biểu dương 30 tập thể.",
        "Trao quà hỗ trợ hộ nghèo dịp Tết\nMỗi suất quà trị giá 500 nghìn đồng.",
    ],
)
def test_clear_positives(text: str) -> None:
    result = tone(text)
    assert result.label == "positive"
    assert result.score > 0


@pytest.mark.parametrize(
    "text",
    [
        "Huyện tổ chức hội nghị triển khai nhiệm vụ năm 2026\nCác đại biểu đã thảo luận.",
        "Thời tiết Tây Nguyên hôm nay có mưa rào vài nơi",
        "Hội nghị phòng, chống tham nhũng năm 2026\nCác đơn vị báo cáo kết quả thực hiện.",
        "Tập huấn phòng cháy chữa cháy cho lực lượng dân phòng",
        "",
    ],
)
def test_neutral_reports(text: str) -> None:
    assert tone(text).label == "neutral"
    assert -0.2 < lexicon_tone(text).score < 0.2


def test_prevention_weighs_less_than_the_event() -> None:
    event = tone("Nhiều vụ tham nhũng bị phát hiện").reasons[0]
    prevention = tone("Hội nghị phòng, chống tham nhũng").reasons[0]
    assert words([event]) == words([prevention]) == ["tham nhũng"]
    assert abs(prevention.weight) < abs(event.weight)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Kết luận thanh tra: không có sai phạm trong dự án", "sai phạm"),
        ("Đoàn kiểm tra không phát hiện dấu hiệu vi phạm", "vi phạm"),
        ("Suốt mùa khô năm nay không để xảy ra cháy rừng", "cháy rừng"),
        ("UBND huyện bác bỏ thông tin sai phạm tại dự án", "sai phạm"),
        ("Thông tin chủ tịch xã tham nhũng là sai sự thật", "tham nhũng"),
        ("Công an phủ nhận tin đồn về vụ tai nạn", "tai nạn"),
    ],
)
def test_negation_and_denial_cancel_negative_words(text: str, word: str) -> None:
    result = tone(text)
    assert result.label == "neutral"
    assert words(result.reasons) == [word]
    assert result.reasons[0].negated is True
    assert result.reasons[0].weight == 0


def test_denial_stays_in_its_sentence() -> None:
    result = tone("Huyện bác bỏ tin đồn. Tuy nhiên, người dân vẫn bức xúc vì ô nhiễm.")
    assert result.label == "negative"
    assert [r.negated for r in result.reasons] == [False, False]


def test_negated_praise_turns_negative_in_the_lexicon() -> None:
    # The lexicon reads it so; the model, which weighs the words too, calls this text neutral.
    result = lexicon_tone("Công trình trường học chưa hoàn thành sau 5 năm\nPhụ huynh lo lắng.")
    assert result.label == "negative"
    assert result.reasons[0].word == "hoàn thành"
    assert result.reasons[0].negated is True
    assert result.reasons[0].weight < 0


def test_negation_is_read_from_the_words_before() -> None:
    later = tone("Xã chưa xử lý dứt điểm tình trạng lấn chiếm hành lang đường")
    assert later.reasons[0].word == "lấn chiếm"
    assert later.reasons[0].negated is False
    assert later.label == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "Không chỉ vi phạm quy định, doanh nghiệp còn gây ô nhiễm",
        "Không ít hộ dân bức xúc vì tiền đền bù",
        "Không khí ô nhiễm nặng vào sáng sớm",
    ],
)
def test_phrases_that_only_look_negated(text: str) -> None:
    result = tone(text)
    assert result.label == "negative"
    assert not any(r.negated for r in result.reasons)


def test_quoted_word_weighs_half() -> None:
    plain = lexicon_tone("Tiếp xúc cử tri\nÔng A nói dự án này rất lãng phí.")
    quoted = lexicon_tone("Tiếp xúc cử tri\nÔng A nói: “dự án này rất lãng phí”.")
    assert plain.reasons[0].quoted is False
    assert quoted.reasons[0].quoted is True
    assert quoted.reasons[0].weight == pytest.approx(plain.reasons[0].weight / 2)
    assert abs(quoted.score) < abs(plain.score)


def test_straight_quotes_count_too() -> None:
    result = tone('Tiếp xúc cử tri\nCó ý kiến nói "dự án chậm trễ" là do thiếu vốn.')
    assert result.reasons[0].word == "chậm trễ"
    assert result.reasons[0].quoted is True


def test_words_near_an_anchor_weigh_more() -> None:
    text = (
        "Tin địa phương\nNgười dân xã Đăk Pxi phản ánh."
        + FILLER * 2
        + " Nơi khác có người phản ánh."
    )
    anchor = (text.index("xã Đăk Pxi"), text.index("xã Đăk Pxi") + len("xã Đăk Pxi"))
    result = tone(text, [anchor])
    near, far = result.reasons
    assert near.near == anchor
    assert far.near is None
    assert near.weight == pytest.approx(2 * far.weight)
    assert text[near.near[0] : near.near[1]] == "xã Đăk Pxi"


def test_anchor_can_decide_the_label() -> None:
    text = (
        "Tin tổng hợp\nKhánh thành cầu treo ở xã Đăk Pxi."
        + FILLER * 3
        + " Ở một tỉnh phía Bắc, xảy ra vụ cháy chợ."
    )
    start = text.index("xã Đăk Pxi")
    assert tone(text).label == "neutral"
    anchored = tone(text, [(start, start + len("xã Đăk Pxi"))])
    assert anchored.label == "positive"
    assert [r.near is not None for r in anchored.reasons] == [True, False]


def test_title_weighs_more_than_body() -> None:
    in_title = tone("Đường liên thôn xuống cấp\nXe qua lại khó khăn.")
    in_body = tone("Tin giao thông\nĐường liên thôn xuống cấp.")
    title_word = next(r for r in in_title.reasons if r.word == "xuống cấp")
    body_word = next(r for r in in_body.reasons if r.word == "xuống cấp")
    assert title_word.weight == pytest.approx(1.5 * body_word.weight)


def test_longest_term_wins() -> None:
    result = tone("Tin bạn đọc\nNgười dân phản ánh nhiều lần nhưng chưa có hồi âm.")
    assert words(result.reasons) == ["người dân phản ánh"]


def test_whole_words_only() -> None:
    assert tone("#cháyrừng #phảnánh").reasons == []
    assert words(tone("Xe chạy ngang qua; nhà cháy.").reasons) == ["cháy"]


def test_nfd_text_reports_original_offsets() -> None:
    text = unicodedata.normalize("NFD", "Tin mới\nĐêm qua xảy ra cháy rừng ở xã Đăk Ui.")
    result = tone(text)
    assert result.label == "negative"
    (reason,) = result.reasons
    assert reason.word == "cháy rừng"
    assert unicodedata.normalize("NFC", text[reason.start : reason.end]) == "cháy rừng"


@pytest.mark.parametrize("text", ["Hỏa hoạn ở kho hàng", "Hoả hoạn ở kho hàng"])
def test_old_and_new_tone_placement(text: str) -> None:
    result = tone(text)
    assert result.label == "negative"
    assert words(result.reasons) == ["hỏa hoạn"]


def test_case_and_spacing() -> None:
    result = tone("Tin mới\nTAI  NẠN GIAO\tTHÔNG")
    assert words(result.reasons) == ["tai nạn giao thông"]
    split = tone("TAI NẠN GIAO\nTHÔNG")  # a line break ends the title, so the phrase too
    assert words(split.reasons) == ["tai nạn"]


def test_score_stays_in_range() -> None:
    text = "Tham nhũng, lãng phí, sai phạm, ô nhiễm, cháy rừng, sạt lở. " * 20
    result = tone(text)
    assert -1.0 <= result.score < -0.99
    assert len(result.reasons) == 120


def test_explain_follows_the_json_contract() -> None:
    text = "Tin rừng\nCó người phá rừng ở xã Đăk Pxi."
    start = text.index("xã Đăk Pxi")
    result = tone(text, [(start, start + len("xã Đăk Pxi"))])
    assert result.explain(text) == ["'phá rừng' near 'xã Đăk Pxi'"]


def test_config_words_extend_the_lexicon() -> None:
    lexicon = lexicon_from_config(["nước đục"], {"được khen": 2.0})
    result = tone("Tin bạn đọc\nNước đục ở thôn 1, đội y tế được khen.", lexicon=lexicon)
    assert [(r.word, r.weight) for r in result.reasons] == [("nước đục", -1.5), ("được khen", 2.0)]
    assert tone("Tin bạn đọc\nNước đục ở thôn 1.").reasons == []


@pytest.mark.parametrize(
    "text",
    [
        "Dịch tả lợn châu Phi bùng phát ở xã Hà Mòn\nĐã tiêu hủy hơn 200 con lợn.",
        "Ghi nhận 2.000 ca sốt xuất huyết\nNhiều bệnh nhân phải nhập viện.",
        "Bão gây thiệt hại nặng\nNhiều nhà tốc mái, một người chết.",
        "Hai học sinh chết đuối khi tắm suối",
        "Bắt giữ đối tượng chém người trong đêm",
        "Phát hiện gỗ khai thác trái phép trong rừng phòng hộ",
    ],
)
def test_events_are_negative(text: str) -> None:
    """Real-text misses were events, not judgement words (issue 12, section 3)."""
    assert tone(text).label == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "Người dân bức xúc vì trại heo gây ô nhiễm\nNhiều lần phản ánh nhưng chưa được xử lý.",
        "Bị tố có dấu hiệu bảo kê xe quá tải\nLãnh đạo huyện nói sẽ kiểm tra.",
        "Rừng bị phá tan hoang sát trụ sở xã\nNgười dân cho rằng chính quyền làm ngơ.",
        "Đường liên xã xuống cấp trầm trọng\nỔ gà, ổ voi như bẫy người đi đường.",
    ],
)
def test_complaints_and_allegations_need_verifying(text: str) -> None:
    result = tone(text)
    assert result.label == "negative" and result.verify is True
    assert any(r.verify > 0 for r in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "Tai nạn giao thông trên quốc lộ 14\nMột người tử vong tại chỗ.",
        "Cháy nhà trong đêm\nLực lượng chữa cháy đã dập tắt đám cháy.",
        "Xét xử vụ tham ô tại xã\nTòa tuyên phạt bị cáo 8 năm tù.",
        "Khánh thành trường mầm non\nNgười dân phản ánh niềm vui.",
    ],
)
def test_handled_events_and_good_news_need_no_verifying(text: str) -> None:
    assert tone(text).verify is False


def test_verification_cues_count_only_in_their_place() -> None:
    denied = tone("Huyện bác bỏ tin tố cáo sai phạm\nKết luận không có sai phạm, khiếu nại sai.")
    assert denied.verify is False
    prevented = tone("Hội nghị phòng, chống tham nhũng\nBàn biện pháp xử lý.")
    assert prevented.verify is False


def test_explain_puts_the_heaviest_words_first() -> None:
    text = "Tin bạn đọc\nĐường khó khăn, người dân phản ánh phá rừng."
    result = tone(text)
    assert result.explain(text)[:2] == ["'phá rừng'", "'người dân phản ánh'"]
    assert result.explain(text)[-1] == "'khó khăn'"


def test_config_verify_words() -> None:
    lexicon = lexicon_from_config(["nước đục"], None, {"nước đục": 4.0})
    result = tone("Tin bạn đọc\nNước đục ở thôn 1.", lexicon=lexicon)
    assert result.label == "negative" and result.verify is True
    assert tone("Tin bạn đọc\nNước đục ở thôn 1.").verify is False
