"""What spread and spike detection read (an area's recent stories and their copies) and the
spike episodes they open, each alerting once (`alerts/spread.py`, `alerts/spikes.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.base import IN_BATCH, StoreBase, chunks, require_aware
from storage.models import Article, ArticleArea, Source, SpikeEpisode
from storage.outbox import enqueue
from storage.records import AreaStory, OutboxEntry, StoryCopy


def spike_story(episode_id: int) -> str:
    """The outbox story key of a spike episode's alerts: one per episode and chat."""
    return f"spike:{episode_id}"


class EpisodeQueries(StoreBase):
    """Spread and spike detection's part of `Store`."""

    def watching_since(self) -> datetime | None:
        """When the first article was seen: the start of the history daily counts may read."""
        with self._read() as session:
            return session.scalar(select(func.min(Article.first_seen_at)))

    def _area_clusters(self, session: Session, area: str, since: datetime) -> list[int]:
        """The stories with a relevant copy in `area`, not backfill, first seen since `since`."""
        return sorted(
            set(
                session.scalars(
                    select(Article.cluster_id)
                    .join(ArticleArea, ArticleArea.article_id == Article.id)
                    .where(
                        ArticleArea.area == area,
                        Article.relevant.is_(True),
                        Article.backfill.is_(False),
                        Article.first_seen_at >= since,
                    )
                ).all()
            )
        )

    def spread_copies(self, area: str, since: datetime) -> dict[int, list[StoryCopy]]:
        """Every copy (any outlet, backfill marked) of the stories of `area` that have a
        relevant copy first seen since `since`, by story, in the order they were seen."""
        require_aware(since, "since")
        out: dict[int, list[StoryCopy]] = {}
        with self._read() as session:
            clusters = self._area_clusters(session, area, since)
            for batch in chunks(clusters, IN_BATCH):
                rows = session.execute(
                    select(
                        Article.id,
                        Article.cluster_id,
                        Source.name,
                        Source.title,
                        Article.title,
                        Article.url,
                        Article.published_at,
                        Article.published_precision,
                        Article.first_seen_at,
                        Article.backfill,
                    )
                    .join(Source, Source.id == Article.source_id)
                    .where(Article.cluster_id.in_(batch))
                    .order_by(Article.first_seen_at, Article.id)
                )
                for ident, cluster, name, outlet, title, url, at, precision, seen, back in rows:
                    out.setdefault(cluster, []).append(
                        StoryCopy(
                            ident, cluster, name, outlet, title, url, at, precision, seen, back
                        )
                    )
        return out

    def area_stories(self, area: str, since: datetime) -> list[AreaStory]:
        """The stories of `area` (relevant copies in it, not backfill) whose first such copy
        was seen since `since`, oldest first: when, tone (negative when any copy is), topics
        (of every copy), and the first copy's outlet, headline and link."""
        require_aware(since, "since")
        stories: dict[int, AreaStory] = {}
        with self._read() as session:
            clusters = self._area_clusters(session, area, since)
            for batch in chunks(clusters, IN_BATCH):
                rows = session.execute(
                    select(
                        Article.cluster_id,
                        Article.first_seen_at,
                        Article.tone,
                        Article.topics,
                        Source.title,
                        Article.title,
                        Article.url,
                    )
                    .join(Source, Source.id == Article.source_id)
                    .join(ArticleArea, ArticleArea.article_id == Article.id)
                    .where(
                        Article.cluster_id.in_(batch),
                        ArticleArea.area == area,
                        Article.relevant.is_(True),
                        Article.backfill.is_(False),
                    )
                    .order_by(Article.first_seen_at, Article.id)
                )
                for cluster, seen, tone, topics, outlet, title, url in rows:
                    found = stories.get(cluster)
                    if found is None:
                        stories[cluster] = AreaStory(
                            cluster,
                            seen,
                            tone or "neutral",
                            tuple(topics or ()),
                            outlet,
                            title,
                            url,
                        )
                        continue
                    merged = tuple(dict.fromkeys((*found.topics, *(topics or ()))))
                    worse = "negative" if "negative" in (found.tone, tone) else found.tone
                    stories[cluster] = replace(found, tone=worse, topics=merged)
        kept = [s for s in stories.values() if s.first_seen_at >= since]
        return sorted(kept, key=lambda s: (s.first_seen_at, s.cluster_id))

    def open_spike_episode(
        self,
        area: str,
        series: str,
        day: date,
        count: int,
        expected: float,
        alerts: Sequence[OutboxEntry],
        at: datetime,
    ) -> bool:
        """Record that `series` of `area` is far above usual on `day`: an episode running to
        the day before (or already to `day`) goes on, silently, with its peak kept; else a new
        episode begins and its `alerts` are queued in the same transaction, with the
        episode's story key. Returns whether one began (not when another process began the
        same one at the same moment: the second insert breaks the table's uniqueness)."""
        require_aware(at, "at")

        def work(session: Session) -> bool:
            running = session.execute(
                select(SpikeEpisode.id, SpikeEpisode.last_on, SpikeEpisode.peak)
                .where(
                    SpikeEpisode.area == area,
                    SpikeEpisode.series == series,
                    SpikeEpisode.last_on >= day - timedelta(days=1),
                    SpikeEpisode.started_on <= day,
                )
                .order_by(SpikeEpisode.id.desc())
                .limit(1)
            ).first()
            if running is not None:
                episode, last_on, peak = running
                session.execute(
                    update(SpikeEpisode)
                    .where(SpikeEpisode.id == episode)
                    .values(last_on=max(last_on, day), peak=max(peak, count))
                )
                return False
            episode = session.execute(
                insert(SpikeEpisode)
                .values(
                    area=area,
                    series=series,
                    started_on=day,
                    last_on=day,
                    peak=count,
                    expected=expected,
                )
                .returning(SpikeEpisode.id)
            ).scalar_one()
            story = spike_story(episode)
            enqueue(session, [replace(a, story=story) for a in alerts], at)
            return True

        try:
            return self._writing(work)
        except IntegrityError:  # another process (`duluan tag` beside the daemon) opened it
            return False
