"""duluan storage: every SQL statement of the project lives behind `Store`."""

from storage.db import StorageError, database_url
from storage.records import (
    ArticleDetail,
    ArticleRecord,
    ArticleSummary,
    FetchError,
    SaveOutcome,
    SourceHealth,
    SourceRun,
    Validator,
)
from storage.store import Store

__all__ = [
    "ArticleDetail",
    "ArticleRecord",
    "ArticleSummary",
    "FetchError",
    "SaveOutcome",
    "SourceHealth",
    "SourceRun",
    "StorageError",
    "Store",
    "Validator",
    "database_url",
]
