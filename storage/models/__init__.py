"""SQLAlchemy models, one module per aggregate: private to the storage package, reached only
through `Store`. Importing the package registers every table on `Base.metadata`."""

from __future__ import annotations

from storage.models.articles import Article, ArticleBand, Source, SourceRunRow, UrlValidator
from storage.models.base import NAMING_CONVENTION, Base, UTCDateTime
from storage.models.cases import FTS_TABLE, ArticleSearch, Case, CaseStep, Evidence, include_name
from storage.models.corrections import Correction
from storage.models.digests import Digest
from storage.models.episodes import SpikeEpisode
from storage.models.jobs import JobRun
from storage.models.leases import Lease
from storage.models.outbox import OutboxMessage
from storage.models.pages import ArticlePage
from storage.models.quota import ApiQuota
from storage.models.reviews import Assignment, Review, ReviewAction
from storage.models.rules import RuleHitRow, WatchRuleRow
from storage.models.submissions import Submission
from storage.models.tags import ArticleArea, ArticleUnit, Mention
from storage.models.users import AuditRow, LoginAttemptRow, WebUserRow

__all__ = [
    "FTS_TABLE",
    "NAMING_CONVENTION",
    "ApiQuota",
    "Article",
    "ArticleArea",
    "ArticleBand",
    "ArticlePage",
    "ArticleSearch",
    "ArticleUnit",
    "Assignment",
    "AuditRow",
    "Base",
    "Case",
    "CaseStep",
    "Correction",
    "Digest",
    "Evidence",
    "JobRun",
    "Lease",
    "LoginAttemptRow",
    "Mention",
    "OutboxMessage",
    "Review",
    "ReviewAction",
    "RuleHitRow",
    "Source",
    "SourceRunRow",
    "SpikeEpisode",
    "Submission",
    "UTCDateTime",
    "UrlValidator",
    "WatchRuleRow",
    "WebUserRow",
    "include_name",
]
