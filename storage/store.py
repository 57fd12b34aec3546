"""`Store`: the only door to the database for the rest of duluan, made of one query class per
aggregate, each on `StoreBase` (`storage/base.py`)."""

from __future__ import annotations

from storage.articles import ArticleQueries
from storage.cases import CaseQueries
from storage.corrections import CorrectionQueries
from storage.digests import DigestQueries
from storage.episodes import EpisodeQueries
from storage.jobs import JobQueries
from storage.leases import LeaseQueries
from storage.outbox import OutboxQueries
from storage.queue import QueueQueries
from storage.quota import QuotaQueries
from storage.reviews import ReviewQueries
from storage.rules import RuleQueries
from storage.search import SearchQueries
from storage.sources import SourceQueries
from storage.submissions import SubmissionQueries
from storage.tags import TagQueries
from storage.users import UserQueries


class Store(
    ArticleQueries,
    SourceQueries,
    TagQueries,
    OutboxQueries,
    ReviewQueries,
    JobQueries,
    DigestQueries,
    UserQueries,
    QueueQueries,
    CaseQueries,
    SearchQueries,
    SubmissionQueries,
    CorrectionQueries,
    QuotaQueries,
    EpisodeQueries,
    RuleQueries,
    LeaseQueries,
):
    """The one door to the database, SQLite or PostgreSQL: articles (`storage/articles.py`),
    sources and HTTP validators (`sources.py`), tags (`tags.py`), the outbox (`outbox.py`),
    reviews (`reviews.py`), the daemon's jobs (`jobs.py`), digests (`digests.py`), the console's
    users, sessions and audit (`users.py`) and review queue (`queue.py`), cases and their
    evidence (`cases.py`), article search (`search.py`), who reported an item
    (`submissions.py`) and the corrections made to it (`corrections.py`), daily API quotas
    (`quota.py`), what spread and spike detection read and their episodes (`episodes.py`),
    watch rules made in the console and the rules each article matched (`rules.py`), leases
    held by one process at a time across processes (`leases.py`)."""
