"""Which watch areas a console account sees, and which area a page or an action is about.

Without `areas:` there is one area (`DEFAULT_AREA`) and nothing here changes a page. With
`areas:`, an account of one area sees and acts only on its own: a story, case or snapshot of
another area is answered 404, like one that does not exist, so its existence does not leak. An
account of every area (`area` None: a province's staff) sees them all: lists show each row's
area and filter by one (query parameter `area`), and item pages and actions name the area they
act on (`/items/{cluster}?area=NAME`, a hidden `area` field on each form).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request

from duluan.config import Area, Config
from duluan.console.auth import WebUser
from duluan.console.render import BadForm, config_of, not_found, store_of
from duluan.locality import CommuneChoices, commune_choices, tagged_area, watch_area

AREA_PARAM = "area"
AMBIGUOUS = (
    "Tin này thuộc nhiều địa bàn mà yêu cầu không nói địa bàn nào. Chưa có gì thay đổi; hãy "
    "tải lại trang tin rồi thao tác lại."
)


def several(config: Config) -> bool:
    """Whether the deployment has `areas:` (else one area, and pages look as before areas)."""
    return config.areas is not None


def own_areas(config: Config, user: WebUser) -> tuple[Area, ...]:
    """The areas `user` may see: its own, or every area for an account of all areas (and the
    only one without `areas:`)."""
    areas = config.watch_areas()
    if not several(config) or user.area is None:
        return areas
    return tuple(a for a in areas if a.name == user.area)


def all_areas(config: Config, user: WebUser) -> bool:
    """Whether pages show `user` every area, with an area column and filter."""
    return several(config) and user.area is None


def area_choices(request: Request, user: WebUser) -> list[tuple[str, str]]:
    """The area filter's choices (name, title) for an account of all areas; none for any other
    account or without `areas:` (no area column, no filter)."""
    config = config_of(request)
    if not all_areas(config, user):
        return []
    return [(a.name, a.title) for a in config.watch_areas()]


def listed_areas(request: Request, user: WebUser) -> tuple[Area, ...]:
    """The areas a list shows: the account's, narrowed to the one the `area` filter names for an
    account of all areas (an unknown name shows nothing)."""
    config = config_of(request)
    own = own_areas(config, user)
    chosen = (request.query_params.get(AREA_PARAM) or "").strip()
    if chosen and all_areas(config, user):
        return tuple(a for a in own if a.name == chosen)
    return own


def scope(request: Request, user: WebUser) -> tuple[str, ...] | None:
    """The area names a list's storage query keeps; None without `areas:` (every row, as
    before areas)."""
    if not several(config_of(request)):
        return None
    return tuple(a.name for a in listed_areas(request, user))


def communes_of(config: Config, areas: Sequence[Area]) -> CommuneChoices:
    """The commune filter of the listed areas: one area's places, or the union the tagger reads
    when an account of all areas lists them all."""
    if len(areas) == 1:
        return commune_choices(watch_area(areas[0].locality, areas[0].key))
    return commune_choices(tagged_area(config))


def story_area(request: Request, user: WebUser, cluster: int, given: str) -> Area:
    """The area whose review of story `cluster` a page or action is about: `given` (the `area`
    parameter or form field), else the account's own, else the story's only area among the
    account's (its first on a page; a form must name it). A story of none of the account's
    areas, or another area than `given`, is a 404 as if it did not exist."""
    config = config_of(request)
    own = {a.name: a for a in own_areas(config, user)}
    if not several(config):
        return next(iter(own.values()))
    concerned = [name for name in store_of(request).story_areas(cluster) if name in own]
    if given:
        name = given
    elif user.area is not None:
        name = user.area
    elif len(concerned) > 1 and request.method != "GET":
        raise BadForm(AMBIGUOUS)
    else:
        name = next((a for a in own if a in concerned), "")
    if name not in concerned:
        raise not_found(request, f"tin số {cluster}")
    return own[name]


def sees_area(config: Config, user: WebUser, area: str) -> bool:
    """Whether `user` may see what belongs to `area` (always, without `areas:`)."""
    return not several(config) or any(a.name == area for a in own_areas(config, user))


def sees_story(request: Request, user: WebUser, cluster: int) -> tuple[str, ...]:
    """The areas of story `cluster` that `user` may see (empty: none, answer 404); without
    `areas:`, the one area."""
    config = config_of(request)
    if not several(config):
        return tuple(a.name for a in config.watch_areas())
    names = {a.name for a in own_areas(config, user)}
    return tuple(n for n in store_of(request).story_areas(cluster) if n in names)


def area_query(config: Config, area: str) -> str:
    """The query string naming `area` on links to item pages ("" without `areas:`)."""
    return "?" + urlencode({AREA_PARAM: area}) if several(config) else ""


def form_area(form: FormData) -> str:
    """The `area` field of a posted form ("" when absent)."""
    value = form.get(AREA_PARAM)
    return value.strip() if isinstance(value, str) else ""
