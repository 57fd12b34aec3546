"""MinHash fingerprints: stable values, and similarity that tells copies from other stories."""

from __future__ import annotations

import unicodedata

import pytest

from crawler.fingerprint import NUM_PERM, content_hash, lsh_bands, minhash, similarity
from storage.minhash import pack, unpack

SENTENCES = [
    "Sáng 12/11, UBND xã Đăk Pxi tổ chức lễ khởi công tuyến đường bê tông nối trung tâm xã "
    "với thôn Kon Gung.",
    "Tuyến đường dài gần 6 km, rộng 5 m, được đầu tư từ nguồn vốn chương trình mục tiêu quốc "
    "gia phát triển kinh tế xã hội vùng đồng bào dân tộc thiểu số.",
    "Tổng mức đầu tư của công trình khoảng 14 tỷ đồng, thời gian thi công dự kiến 10 tháng.",
    "Trước đây, mỗi mùa mưa con đường đất đỏ trở nên lầy lội, xe máy không thể đi qua.",
    "Nhiều học sinh phải nghỉ học hàng tuần vì nước suối dâng cao chắn ngang lối đi.",
    "Người dân trong thôn chủ yếu trồng cà phê, mì và lúa nước, nông sản thường bị thương lái "
    "ép giá vì đường khó đi.",
    "Ông Y Bình, trưởng thôn Kon Gung, cho biết bà con đã tự nguyện hiến hơn 3 ha đất để mở "
    "rộng nền đường.",
    "Theo ông, có đường tốt thì xe tải vào tận rẫy, cà phê bán được giá hơn trước.",
    "Đơn vị thi công cam kết bố trí đủ máy móc, nhân lực để hoàn thành đúng tiến độ.",
    "Ban quản lý dự án xã sẽ giám sát chặt chẽ chất lượng vật liệu và khối lượng thi công.",
    "Trong giai đoạn thi công, xã bố trí đường tránh tạm để người dân đi lại an toàn.",
    "Lực lượng công an xã được giao phối hợp bảo đảm trật tự, an toàn giao thông tại công trường.",
    "Năm nay, xã Đăk Pxi còn triển khai thêm hai công trình thủy lợi nhỏ phục vụ tưới tiêu.",
    "Lãnh đạo xã đề nghị người dân tiếp tục đồng hành, giám sát cộng đồng đối với các công trình.",
    "Dự kiến cuối năm 2027, tuyến đường sẽ được đưa vào sử dụng.",
]
REWORDED = {
    2: "Công trình có tổng vốn đầu tư khoảng 14 tỷ đồng và được thi công trong 10 tháng.",
    6: "Theo trưởng thôn Kon Gung Y Bình, người dân đã tự nguyện hiến trên 3 ha đất để làm "
    "rộng nền đường.",
    11: "Công an xã phối hợp giữ gìn trật tự, an toàn giao thông khu vực công trường.",
}
ORIGINAL = " ".join(SENTENCES)
EDITED = " ".join(REWORDED.get(i, s) for i, s in enumerate(SENTENCES))
FESTIVAL = (
    "Tối 20/11, Trường Tiểu học xã Đăk Hà tổ chức buổi văn nghệ chào mừng Ngày Nhà giáo Việt "
    "Nam. Các em học sinh biểu diễn múa xoang, hát dân ca và đánh cồng chiêng. Phụ huynh và "
    "giáo viên cùng tham gia trò chơi dân gian, không khí vui tươi kéo dài đến khuya. Nhà "
    "trường trao phần thưởng cho những học sinh có thành tích học tập tốt trong năm học trước."
)
MARKET = (
    "Giá cà phê nhân xô tại các địa phương Tây Nguyên tuần qua tăng mạnh, có nơi vượt 120.000 "
    "đồng mỗi kg. Nhiều hộ nông dân ở Đăk Hà tranh thủ thu hoạch và phơi sấy để bán sớm. Các "
    "doanh nghiệp thu mua cho biết nguồn cung vụ mới còn ít do mưa kéo dài. Ngành nông nghiệp "
    "khuyến cáo người dân hái quả chín, không thu hoạch xanh để giữ chất lượng hạt."
)
PINNED_SLOTS = (14749573, 25001614, 134708, 6059987)
PINNED_BANDS = (5267891376275695157, 3497254215355965869)


def test_signature_is_stable_and_pinned() -> None:
    first = minhash(ORIGINAL)
    assert len(first) == NUM_PERM == 128
    assert first == minhash(ORIGINAL)
    assert all(0 <= v < 1 << 32 for v in first)
    # Stored signatures are compared with new ones: a change here silently breaks clustering.
    assert first[:4] == PINNED_SLOTS
    assert lsh_bands(first, 4)[:2] == PINNED_BANDS
    assert minhash(ORIGINAL, num_perm=16) == first[:16]


def test_identical_texts_score_one_whatever_the_case_and_unicode_form() -> None:
    nfd = unicodedata.normalize("NFD", ORIGINAL.upper())
    assert nfd != ORIGINAL
    assert similarity(minhash(nfd), minhash(ORIGINAL)) == 1.0


def test_lightly_reworded_copy_is_similar() -> None:
    score = similarity(minhash(ORIGINAL), minhash(EDITED))
    assert 0.6 <= score < 1.0


def test_shared_bands_for_copies_and_none_for_unrelated_texts() -> None:
    original = set(lsh_bands(minhash(ORIGINAL), 4))
    assert len(original) == NUM_PERM // 4
    assert original & set(lsh_bands(minhash(EDITED), 4))
    assert not original & set(lsh_bands(minhash(FESTIVAL), 4))


@pytest.mark.parametrize(("a", "b"), [(ORIGINAL, FESTIVAL), (ORIGINAL, MARKET), (FESTIVAL, MARKET)])
def test_unrelated_vietnamese_texts_are_dissimilar(a: str, b: str) -> None:
    assert similarity(minhash(a), minhash(b)) < 0.3


def test_short_and_empty_texts() -> None:
    assert minhash("") == minhash("  … — ") == ()
    assert similarity((), ()) == 0.0
    assert lsh_bands((), 4) == ()
    assert len(minhash("Đăk Pxi")) == NUM_PERM
    assert similarity(minhash("Đăk Pxi"), minhash("đăk  PXI")) == 1.0


def test_similarity_of_signatures() -> None:
    assert similarity((1, 2, 3, 4), (1, 2, 0, 0)) == 0.5
    assert similarity((1, 2, 3, 4), (1, 2, 3)) == 0.0
    assert lsh_bands((1, 2, 3, 4, 5), 2) == lsh_bands((1, 2, 3, 4, 9), 2)
    assert lsh_bands((1, 2, 3, 4), 2)[0] != lsh_bands((3, 4, 1, 2), 2)[1]
    assert all(0 <= k < 1 << 63 for k in lsh_bands(minhash(MARKET), 4))
    with pytest.raises(ValueError):
        lsh_bands((1, 2), 0)
    with pytest.raises(ValueError):
        minhash(ORIGINAL, num_perm=0)


def test_pack_round_trip() -> None:
    signature = minhash(ORIGINAL)
    assert len(pack(signature)) == 4 * NUM_PERM
    assert unpack(pack(signature)) == signature
    assert unpack(pack((0, 0xFFFF_FFFF))) == (0, 0xFFFF_FFFF)
    assert unpack(b"") == ()
    with pytest.raises(ValueError, match="32 bit"):
        pack((1 << 32,))
    with pytest.raises(ValueError, match="32 bit"):
        pack((-1,))


def test_content_hash_tells_edits_from_refetches() -> None:
    assert content_hash("a", "b") == content_hash("a", "b")
    assert content_hash("a", "b") != content_hash("ab", "")
    assert content_hash(unicodedata.normalize("NFD", "Đăk Hà")) == content_hash("Đăk Hà")
