"""duluan storage: every SQL statement of the project lives behind `Store`."""

from storage.db import DatabaseUrlError, StorageError
from storage.quota import QuotaUse
from storage.records import (
    AlertBrief,
    AreaStory,
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
    StoryCopy,
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
    "AreaStory",
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
    "StoryCopy",
    "StoryMessage",
    "TagRecord",
    "UnitRecord",
    "Validator",
]
