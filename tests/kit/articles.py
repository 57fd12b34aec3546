"""Article and tag records for storage-level tests: `record(n)` is article n published at `T0`,
with a synthetic MinHash `signature(n)` that shares nothing with any other n; `tag(id)` is the
tagger's result for it (relevant, negative, in Xã Đăk Pxi)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from crawler.fingerprint import NUM_PERM
from storage import ArticleRecord, MentionRecord, TagRecord, UnitRecord

ICT = timezone(timedelta(hours=7))
T0 = datetime(2026, 3, 2, 8, 30, tzinfo=ICT)


def signature(n: int) -> tuple[int, ...]:
    """A synthetic MinHash signature sharing no slot with that of any other `n`."""
    return tuple(n * 1000 + i for i in range(NUM_PERM))


def edited(base: tuple[int, ...], slots: range) -> tuple[int, ...]:
    """`base` with the given slots changed: similarity 1 - len(slots) / NUM_PERM."""
    return tuple(v + 500 if i in slots else v for i, v in enumerate(base))


def record(n: int = 1, **changes: object) -> ArticleRecord:
    """Article n of `baoquangngai`, published at `T0`, fetched an hour later, fingerprint
    `signature(n)`; `changes` replace fields."""
    base = ArticleRecord(
        source="baoquangngai",
        url=f"https://baoquangngai.vn/bai-{n}.htm",
        canonical_url=f"https://baoquangngai.vn/bai-{n}.htm",
        title=f"Tiêu đề {n}",
        lead="Sa pô",
        text=f"Nội dung bài {n} về xã Đăk Pxi.",
        author="Phóng viên",
        section="Thời sự",
        language="vi",
        published_at=T0,
        fetched_at=T0 + timedelta(hours=1),
        via="feed",
        extraction="page",
        content_hash=f"hash-{n}",
        fingerprint=signature(n),
        backfill=False,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


DAK_HA = UnitRecord("district", "Huyện Đăk Hà", "Tỉnh Kon Tum", None, None, None, True)
DAK_PXI = UnitRecord(
    "commune", "Xã Đăk Pxi", "Tỉnh Kon Tum", "Huyện Đăk Hà", "Xã Đăk Pxi", "Tỉnh Quảng Ngãi", True
)


def tag(article_id: int, **changes: object) -> TagRecord:
    """The tagger's result for an article: relevant, negative, in Xã Đăk Pxi of Huyện Đăk Hà;
    `changes` replace fields."""
    base = {
        "article_id": article_id,
        "relevant": True,
        "relevance": 0.93,
        "tone": "negative",
        "needs_verification": True,
        "topics": ("rừng",),
        "reasons": ("'phá rừng' near 'xã Đăk Pxi'",),
        "units": (DAK_HA, DAK_PXI),
        "mentions": (
            MentionRecord(
                "text", 120, 130, "xã Đăk Pxi", "Xã Đăk Pxi", "commune", "prefixed", 0.97
            ),
        ),
        "tagged_at": T0 + timedelta(hours=2),
        "tagger_version": "1",
    }
    base.update(changes)
    return TagRecord(**base)  # type: ignore[arg-type]
