"""Console accounts: who is logged in, what their role allows, and password hashing.

Roles: `admin` (everything, and accounts), `staff` (the queue and every action), `unit` (only
the items assigned to its unit) and `viewer` (read-only). An admin passes every `require`.

Sessions are signed cookies, which the server cannot revoke one by one. Each session therefore
carries the account's session epoch from login, and a request whose epoch is no longer the
account's (after a logout, a new password, or disabling) is treated as logged out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.requests import Request

from duluan.console.state import state_of

ADMIN, STAFF, UNIT, VIEWER = "admin", "staff", "unit", "viewer"
ROLES = (ADMIN, STAFF, UNIT, VIEWER)
ROLE_LABELS = {
    ADMIN: "Quản trị",
    STAFF: "Cán bộ Trung tâm",
    UNIT: "Cán bộ đơn vị",
    VIEWER: "Chỉ xem",
}
SESSION_KEY = "uid"
EPOCH_KEY = "epoch"
SESSION_ENDED = (
    "Phiên đăng nhập đã kết thúc (tài khoản vừa đăng xuất, đổi mật khẩu hoặc bị khóa). "
    "Hãy đăng nhập lại."
)

log = logging.getLogger(__name__)
FLASH_KEY = "flash"

_hasher = PasswordHasher()


@dataclass(frozen=True)
class WebUser:
    """A logged-in console user."""

    id: int
    name: str
    role: str
    unit: str | None
    area: str | None = None  # its watch area; None: every area

    @property
    def label(self) -> str:
        """How actions by this user are named in the review history."""
        return f"{self.name} (trang web)"

    @property
    def history_id(self) -> int:
        """The id stored with review actions: negative, so it never collides with Telegram's."""
        return -self.id


class LoginRequired(Exception):
    """Raised when a page needs a logged-in user; answered with a redirect to the login page."""

    def __init__(self, next_path: str = "") -> None:
        super().__init__("cần đăng nhập")
        self.next_path = next_path


class Forbidden(Exception):
    """Raised when the user's role does not allow the page; answered with a 403 page."""

    def __init__(self, message: str = "Tài khoản của bạn không có quyền xem trang này.") -> None:
        super().__init__(message)
        self.message = message


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_check(password: str) -> None:
    """Spend the time of a real check, so an unknown name is not told apart by timing."""
    check_password(_DUMMY, password)


_DUMMY = _hasher.hash("duluan-dummy-password")


def optional_user(request: Request) -> WebUser | None:
    """The logged-in user, or None. A disabled or deleted account, or a session opened before
    the account's sessions were ended, counts as logged out, and the next page says why."""
    cached = request.scope.get("duluan.user")
    if isinstance(cached, WebUser):
        return cached
    if "session" not in request.scope:
        return None
    uid = request.session.get(SESSION_KEY)
    if not isinstance(uid, int):
        return None
    record = state_of(request).store.get_web_user(uid)
    if record is None:
        reason = "không còn tài khoản"
    elif not record.active:
        reason = "tài khoản bị khóa"
    elif request.session.get(EPOCH_KEY) != record.session_epoch:
        reason = "phiên đã bị kết thúc"
    else:
        reason = ""
    if reason or record is None:
        end_session(request)
        flash(request, SESSION_ENDED)
        log.info("[web] phiên của tài khoản số %s không còn hiệu lực: %s", uid, reason)
        return None
    user = WebUser(record.id, record.name, record.role, record.unit, record.area)
    request.scope["duluan.user"] = user
    return user


def start_session(request: Request, user_id: int, epoch: int) -> None:
    """Log `user_id` in on a fresh session that stays valid while the account's epoch is
    `epoch`."""
    request.session.clear()
    request.session[SESSION_KEY] = user_id
    request.session[EPOCH_KEY] = epoch
    request.scope.pop("duluan.user", None)


def end_session(request: Request) -> None:
    """Forget the login in this browser (the account's other sessions are ended by raising its
    epoch in the store)."""
    request.session.pop(SESSION_KEY, None)
    request.session.pop(EPOCH_KEY, None)
    request.scope.pop("duluan.user", None)


def current_user(request: Request) -> WebUser:
    """The logged-in user; raises `LoginRequired` (a redirect to the login page) otherwise."""
    user = optional_user(request)
    if user is None:
        path = request.url.path
        if request.url.query:
            path += "?" + request.url.query
        raise LoginRequired(path if request.method == "GET" else "")
    return user


def require(request: Request, *roles: str) -> WebUser:
    """The logged-in user if their role is one of `roles` (an admin always is); else 403."""
    user = current_user(request)
    if roles and user.role != ADMIN and user.role not in roles:
        raise Forbidden()
    return user


def flash(request: Request, message: str) -> None:
    """A message shown once, on the next page rendered for this session."""
    messages = list(request.session.get(FLASH_KEY) or [])
    messages.append(message)
    request.session[FLASH_KEY] = messages[-10:]
