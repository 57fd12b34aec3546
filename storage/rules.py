"""Watch rules made in the console (issue 16), and the rules each tagged article matched:
written by the tag pass with its tags (`save_rule_hits`), read by `duluan explain`, the item
page and the queue's "quy tắc" filter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from storage.base import IN_BATCH, StoreBase, chunks, require_aware
from storage.models import RuleHitRow, WatchRuleRow
from storage.records import RuleHit, TagRecord


@dataclass(frozen=True)
class StoredRule:
    """A console watch rule. `area` None: every area."""

    id: int
    name: str
    query: str
    scope: str
    chats: tuple[str, ...]
    units: tuple[str, ...]
    area: str | None
    enabled: bool
    created_by: str
    created_at: datetime
    updated_at: datetime
    zalo_chats: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleDraft:
    """What an admin writes of a rule (new or edited)."""

    name: str
    query: str
    scope: str = "area"
    chats: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    area: str | None = None
    zalo_chats: tuple[str, ...] = ()


def _stored(row: WatchRuleRow) -> StoredRule:
    return StoredRule(
        row.id,
        row.name,
        row.query,
        row.scope,
        tuple(row.chats or ()),
        tuple(row.units or ()),
        row.area,
        bool(row.enabled),
        row.created_by,
        row.created_at,
        row.updated_at,
        tuple(row.zalo_chats or ()),
    )


class RuleQueries(StoreBase):
    """The watch rules' part of `Store`."""

    def watch_rules(self, *, enabled_only: bool = False) -> list[StoredRule]:
        """The console's rules, by name (the enabled ones only for a tag pass)."""
        stmt = select(WatchRuleRow).order_by(WatchRuleRow.name, WatchRuleRow.id)
        if enabled_only:
            stmt = stmt.where(WatchRuleRow.enabled.is_(True))
        with self._read() as session:
            return [_stored(row) for row in session.scalars(stmt)]

    def watch_rule(self, rule_id: int) -> StoredRule | None:
        with self._read() as session:
            row = session.get(WatchRuleRow, rule_id)
            return None if row is None else _stored(row)

    def add_watch_rule(self, draft: RuleDraft, by: str, at: datetime) -> int:
        """Store a new enabled rule; returns its id."""
        require_aware(at, "at")

        def work(session: Session) -> int:
            row = WatchRuleRow(
                name=draft.name,
                query=draft.query,
                scope=draft.scope,
                chats=list(draft.chats),
                units=list(draft.units),
                area=draft.area,
                zalo_chats=list(draft.zalo_chats),
                enabled=True,
                created_by=by[:100],
                created_at=at,
                updated_at=at,
            )
            session.add(row)
            session.flush()
            return row.id

        return self._writing(work)

    def update_watch_rule(self, rule_id: int, draft: RuleDraft, at: datetime) -> bool:
        """Replace a rule's settings; False when there is no such rule."""
        require_aware(at, "at")

        def work(session: Session) -> bool:
            row = session.get(WatchRuleRow, rule_id)
            if row is None:
                return False
            row.name, row.query, row.scope = draft.name, draft.query, draft.scope
            row.chats, row.units, row.area = list(draft.chats), list(draft.units), draft.area
            row.zalo_chats = list(draft.zalo_chats)
            row.updated_at = at
            return True

        return self._writing(work)

    def set_watch_rule_enabled(self, rule_id: int, enabled: bool, at: datetime) -> bool:
        require_aware(at, "at")

        def work(session: Session) -> bool:
            row = session.get(WatchRuleRow, rule_id)
            if row is None:
                return False
            row.enabled, row.updated_at = enabled, at
            return True

        return self._writing(work)

    def delete_watch_rule(self, rule_id: int) -> bool:
        """Delete a rule (the hits it left stay, under its name)."""

        def work(session: Session) -> bool:
            done = session.execute(delete(WatchRuleRow).where(WatchRuleRow.id == rule_id))
            return bool(getattr(done, "rowcount", 0))

        return self._writing(work)

    def rule_hits(self, article_ids: Sequence[int]) -> dict[int, list[RuleHit]]:
        """The rules each article matched at its last tag pass."""
        with self._read() as session:
            return rule_hits_of(session, article_ids)

    def hit_rule_names(self) -> list[str]:
        """Every rule name some article matched (the queue's filter choices)."""
        with self._read() as session:
            return sorted(set(session.scalars(select(RuleHitRow.rule).distinct())))


def rule_hits_of(session: Session, article_ids: Sequence[int]) -> dict[int, list[RuleHit]]:
    """`RuleQueries.rule_hits` inside a session (the tags' read)."""
    out: dict[int, list[RuleHit]] = {}
    for batch in chunks(list(dict.fromkeys(article_ids)), IN_BATCH):
        rows = session.scalars(
            select(RuleHitRow)
            .where(RuleHitRow.article_id.in_(batch))
            .order_by(RuleHitRow.article_id, RuleHitRow.id)
        )
        for row in rows:
            spans = tuple((str(f), int(s), int(e), str(t)) for f, s, e, t in row.spans)
            out.setdefault(row.article_id, []).append(RuleHit(row.rule, row.area, spans))
    return out


def save_rule_hits(session: Session, tags: Sequence[TagRecord]) -> None:
    """Replace the rule hits of these articles by their new ones (inside the tags' transaction)."""
    ids = [tag.article_id for tag in tags]
    for batch in chunks(ids, IN_BATCH):
        session.execute(delete(RuleHitRow).where(RuleHitRow.article_id.in_(batch)))
    rows = [
        {
            "article_id": tag.article_id,
            "rule": hit.rule[:100],
            "area": hit.area,
            "spans": [list(span) for span in hit.spans],
            "tagged_at": tag.tagged_at,
        }
        for tag in tags
        for hit in tag.rules
    ]
    if rows:
        session.connection().execute(insert(RuleHitRow), rows)
