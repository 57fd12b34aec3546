"""The watch rules page (`/rules`, issue 16): the rules of config.yaml (read-only) and those
made in the console, which admins add, edit, switch on and off and delete (each change in the
audit log); staff may read them. A "thử" box tries a query on the newest stored articles.
Console rules work from the daemon's next tag pass: each pass reads them again."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from duluan.config import MAX_RULE_QUERY, Config, query_error
from duluan.console.areas import form_area, several
from duluan.console.auth import ADMIN, STAFF, WebUser, flash, require
from duluan.console.render import (
    audit,
    config_of,
    form_with_csrf,
    not_found,
    render,
    store_of,
    url,
)
from duluan.console.state import state_of
from duluan.rules import (
    SCOPE_LABELS,
    WatchRule,
    config_rules,
    console_rules,
    draft_problem,
    rule_document,
    spans_text,
)
from duluan.tagging import article_text
from storage.rules import RuleDraft, StoredRule

log = logging.getLogger(__name__)

TRIAL_ARTICLES = 300  # the newest stored articles a "thử" query reads
TRIAL_SHOWN = 30
_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class Trial:
    """A query tried on the newest articles: its error, or the articles it matched."""

    query: str
    error: str = ""
    read: int = 0
    found: tuple[tuple[str, str, str], ...] = ()  # (title, url, where)


def _visible(user: WebUser, rule: WatchRule) -> bool:
    """A rule of every area, or of the account's area (every rule for an account of all)."""
    return user.area is None or rule.area in (None, user.area)


def _page(
    request: Request,
    user: WebUser,
    *,
    draft: RuleDraft | None = None,
    editing: StoredRule | None = None,
    error: str = "",
    trial: Trial | None = None,
    status: int = 200,
) -> Response:
    config = config_of(request)
    stored = store_of(request).watch_rules()
    return render(
        request,
        "rules.html",
        {
            "config_rules": [r for r in config_rules(config) if _visible(user, r)],
            "console_rules": [r for r in console_rules(stored) if _visible(user, r)],
            "can_edit": user.role == ADMIN,
            "draft": draft or RuleDraft("", "", "area"),
            "editing": editing,
            "error": error,
            "trial": trial,
            "scopes": SCOPE_LABELS,
            "units": sorted({u.name for a in config.watch_areas() for u in a.units}),
            "areas": [(a.name, a.title) for a in config.watch_areas()] if several(config) else [],
            "max_query": MAX_RULE_QUERY,
        },
        status=status,
    )


async def rules(request: Request) -> Response:
    """The rules; with `?thu=QUERY`, that query tried on the newest stored articles."""
    user = require(request, STAFF)
    tried = (request.query_params.get("thu") or "").replace("\x00", "")
    trial = _trial(request, tried) if tried.strip() else None
    return _page(request, user, trial=trial)


def _trial(request: Request, query: str) -> Trial:
    from nlp.query import parse

    if len(query) > MAX_RULE_QUERY:
        return Trial(query[:MAX_RULE_QUERY], error=f"Truy vấn dài quá {MAX_RULE_QUERY} ký tự.")
    error = query_error(query)
    if error is not None:
        return Trial(query, error=f"Truy vấn sai ở {error}.")
    parsed = parse(query)
    store = store_of(request)
    articles = store.articles_to_tag(TRIAL_ARTICLES, retag=True, newest=True)
    tagged = store.places_and_topics([a.id for a in articles])
    found = []
    for article in articles:
        places, topics = tagged.get(article.id, ((), ()))
        spans = parsed.match(rule_document(article, article_text(article)[0], places, topics))
        if spans is not None:
            where = spans_text((s.field, s.start, s.end, s.text) for s in spans)
            found.append((article.title, article.url, where))
    return Trial(query, read=len(articles), found=tuple(found[:TRIAL_SHOWN]))


def _draft(form: FormData, config: Config) -> RuleDraft:
    def text(key: str) -> str:
        value = form.get(key)
        return value.replace("\x00", "") if isinstance(value, str) else ""

    units = tuple(dict.fromkeys(u for u in form.getlist("units") if isinstance(u, str) and u))
    return RuleDraft(
        name=" ".join(text("name").split()),
        query=text("query").strip(),
        scope=text("scope") or "area",
        chats=tuple(dict.fromkeys(c for c in _SEPARATORS.split(text("chats")) if c)),
        units=units,
        area=(form_area(form) or None) if several(config) else None,
        zalo_chats=tuple(dict.fromkeys(c for c in _SEPARATORS.split(text("zalo_chats")) if c)),
    )


def _described(draft: RuleDraft) -> str:
    zalo = [f"Zalo {chat}" for chat in draft.zalo_chats]
    whom = ", ".join([*draft.chats, *draft.units, *zalo]) or "nhóm rà soát"
    return f"{draft.name}: {draft.query[:200]} ({draft.scope}; gửi {whom})"


async def rule_add(request: Request) -> Response:
    user = require(request, ADMIN)
    form = await form_with_csrf(request)
    config = config_of(request)
    draft = _draft(form, config)
    store = store_of(request)
    problem = draft_problem(config, draft, store.watch_rules())
    if problem:
        return _page(request, user, draft=draft, error=problem, status=400)
    rule_id = store.add_watch_rule(draft, user.name, state_of(request).now())
    audit(request, "thêm quy tắc theo dõi", f"rule:{rule_id}", _described(draft))
    flash(request, f"Đã thêm quy tắc {draft.name}; quy tắc có hiệu lực từ lần gắn nhãn tới.")
    return RedirectResponse(url(request, "/rules"), status_code=303)


def _stored(request: Request) -> StoredRule:
    rule_id: int = request.path_params["rule"]
    found = store_of(request).watch_rule(rule_id)
    if found is None:
        raise not_found(request, f"quy tắc số {rule_id}")
    return found


async def rule_edit(request: Request) -> Response:
    """The form of one console rule, filled in."""
    user = require(request, ADMIN)
    rule = _stored(request)
    draft = RuleDraft(
        rule.name, rule.query, rule.scope, rule.chats, rule.units, rule.area, rule.zalo_chats
    )
    return _page(request, user, draft=draft, editing=rule)


async def rule_update(request: Request) -> Response:
    user = require(request, ADMIN)
    form = await form_with_csrf(request)
    rule = _stored(request)
    config = config_of(request)
    draft = _draft(form, config)
    store = store_of(request)
    problem = draft_problem(config, draft, store.watch_rules(), editing=rule.id)
    if problem:
        return _page(request, user, draft=draft, editing=rule, error=problem, status=400)
    if not store.update_watch_rule(rule.id, draft, state_of(request).now()):
        raise not_found(request, f"quy tắc số {rule.id}")
    audit(request, "sửa quy tắc theo dõi", f"rule:{rule.id}", _described(draft))
    flash(request, f"Đã lưu quy tắc {draft.name}.")
    return RedirectResponse(url(request, "/rules"), status_code=303)


async def rule_enabled(request: Request) -> Response:
    require(request, ADMIN)
    form = await form_with_csrf(request)
    rule = _stored(request)
    enabled = str(form.get("enabled") or "") == "1"
    store_of(request).set_watch_rule_enabled(rule.id, enabled, state_of(request).now())
    audit(
        request,
        "bật quy tắc theo dõi" if enabled else "tắt quy tắc theo dõi",
        f"rule:{rule.id}",
        rule.name,
    )
    flash(request, f"Đã {'bật' if enabled else 'tắt'} quy tắc {rule.name}.")
    return RedirectResponse(url(request, "/rules"), status_code=303)


async def rule_delete(request: Request) -> Response:
    require(request, ADMIN)
    await form_with_csrf(request)
    rule = _stored(request)
    store_of(request).delete_watch_rule(rule.id)
    audit(request, "xóa quy tắc theo dõi", f"rule:{rule.id}", f"{rule.name}: {rule.query[:200]}")
    flash(request, f"Đã xóa quy tắc {rule.name}.")
    return RedirectResponse(url(request, "/rules"), status_code=303)


routes = [
    Route("/rules", rules, methods=["GET"]),
    Route("/rules", rule_add, methods=["POST"]),
    Route("/rules/{rule:int}", rule_edit, methods=["GET"]),
    Route("/rules/{rule:int}", rule_update, methods=["POST"]),
    Route("/rules/{rule:int}/enabled", rule_enabled, methods=["POST"]),
    Route("/rules/{rule:int}/delete", rule_delete, methods=["POST"]),
]
