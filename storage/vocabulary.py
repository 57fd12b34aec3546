"""The words duluan stores and shows, in one place: story keys, review and assignment statuses,
outbox statuses, case steps, console actions, tones, and their Vietnamese labels per audience.

The wording differs on purpose where the audience does: a reviewer's button says "Đúng sự thật",
the Thursday report says "Đơn vị xác nhận đúng sự thật"; the console writes outbox statuses with
a capital, the CLI's table in lower case. Every variant lives here, next to the others."""

from __future__ import annotations

import re

# A story is a cluster of copies of one article; alerts, reviews and cases are per story.
STORY_PREFIX = "cluster:"
_STORY = re.compile(r"cluster:(\d{1,10})")
# A cluster is named after its first article, whose id is a 32-bit INTEGER on PostgreSQL.
MAX_CLUSTER = 2**31 - 1


def story_key(cluster_id: int) -> str:
    """The story key of a cluster (an article alone is its own cluster): "cluster:42"."""
    return f"{STORY_PREFIX}{cluster_id}"


def story_cluster(story: str) -> int | None:
    """The cluster id in a story key; None when `story` is not one ("edit:…", a digest key,
    a number no article id can be)."""
    match = _STORY.fullmatch(story)
    cluster = int(match.group(1)) if match else None
    return cluster if cluster is not None and 0 < cluster <= MAX_CLUSTER else None


TONES = ("negative", "neutral", "positive")
TONE_LABELS = {"negative": "Tiêu cực", "neutral": "Trung tính", "positive": "Tích cực"}

# Review statuses of a story, as the review group's buttons and status block say them.
STATUS_LABELS = {
    "new": "Chưa rà soát",
    "relevant": "Liên quan",
    "irrelevant": "Không liên quan",
    "assigned": "Đã giao đơn vị xác minh",
    "false_info": "Thông tin sai sự thật – cần phản hồi",
    "true": "Đúng sự thật",
    "false": "Sai sự thật",
    "reported": "Đã báo cáo",
}
# The same statuses as the weekly report writes them (the unit's answer said in full).
REPORT_STATUS_LABELS = {
    **STATUS_LABELS,
    "true": "Đơn vị xác nhận đúng sự thật",
    "false": "Đơn vị xác nhận sai sự thật",
    "reported": "Đơn vị đã báo cáo",
}
# A unit's answer to an assignment: in a Telegram status line ("chưa trả lời", lower case), and
# as a label of its own in the console and the report.
ASSIGNMENT_LABELS = {
    "open": "chưa trả lời",
    "true": "Đúng sự thật",
    "false": "Sai sự thật",
    "reported": "Đã báo cáo",
}
ASSIGNMENT_TITLES = {**ASSIGNMENT_LABELS, "open": "Chưa trả lời"}

# What the console's history lists for each review action.
ACTION_LABELS = {
    "relevant": "Liên quan",
    "irrelevant": "Không liên quan",
    "false_info": "Thông tin sai sự thật",
    "assign": "Giao đơn vị xác minh",
    "answer": "Đơn vị trả lời",
    "report": "Đơn vị báo cáo",
}

# Outbox statuses: the console's labels, and the CLI's shorter lower-case ones.
OUTBOX_LABELS = {
    "pending": "Đang chờ gửi",
    "sending": "Đang gửi",
    "uncertain": "Chưa rõ đã đến",
    "sent": "Đã gửi",
    "failed": "Không gửi được",
}
# The messenger of an outbox row, as the console shows it.
MESSENGER_LABELS = {"telegram": "Telegram", "zalo": "Zalo"}
OUTBOX_CLI_LABELS = {
    "pending": "đang chờ",
    "sending": "đang gửi",
    "uncertain": "chưa rõ đã đến",
    "sent": "đã gửi",
    "failed": "không gửi được",
}

# The steps of a case of false reporting.
STEP_LABELS = {
    "detected": "Phát hiện",
    "verified": "Đã xác minh",
    "document": "Đã có văn bản phản hồi",
    "sent": "Đã gửi tòa soạn",
    "corrected": "Đã cải chính",
    "not_corrected": "Không cải chính",
}
