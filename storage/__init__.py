"""duluan storage: every SQL statement of the project lives behind `Store`."""

from storage.db import DatabaseUrlError, StorageError
from storage.quota import QuotaUse
from storage.records import (
    AlertBrief,
    ArticleDetail,
    ArticleRecord,
    ArticleSummary,
    ArticleText,
    FetchError,
    MentionRecord,
    OutboxCount,
    OutboxEntry,
    OutboxItem,
    SaveOutcome,
    SourceHealth,
    SourceRun,
    StoryMessage,
    TagRecord,
    UnitRecord,
    Validator,
)
from storage.reviews import (
    AssignmentRecord,
    ReviewActionRecord,
    ReviewDetail,
    ReviewState,
    StaleReview,
)
from storage.store import Store

__all__ = [
    "AlertBrief",
    "ArticleDetail",
    "ArticleRecord",
    "ArticleSummary",
    "ArticleText",
    "AssignmentRecord",
    "DatabaseUrlError",
    "FetchError",
    "MentionRecord",
    "OutboxCount",
    "OutboxEntry",
    "OutboxItem",
    "QuotaUse",
    "ReviewActionRecord",
    "ReviewDetail",
    "ReviewState",
    "SaveOutcome",
    "SourceHealth",
    "SourceRun",
    "StaleReview",
    "StorageError",
    "Store",
    "StoryMessage",
    "TagRecord",
    "UnitRecord",
    "Validator",
]
