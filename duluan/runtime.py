"""What one duluan process runs with, read from the environment once, at start.

`Runtime.from_environ` is the only reader of the process environment: the config file's path,
the database URL, the bot token, Telegram's address, the clock (`DULUAN_NOW`), and the
variables that `env:NAME` values of the config name. `duluan.cli` builds it and passes it down
to the commands, the daemon and (as the clock and the database URL) the crawl's child process;
nothing below reads `os.environ`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from pydantic import SecretStr

from duluan.clock import ENV_VAR as NOW_VAR
from duluan.clock import Clock

CONFIG_VAR = "DULUAN_CONFIG"
DATABASE_VAR = "DULUAN_DATABASE_URL"
TOKEN_VAR = "TELEGRAM_BOT_TOKEN"
API_BASE_VAR = "TELEGRAM_API_BASE_URL"
DEFAULT_CONFIG = "config.yaml"
DEFAULT_API_BASE = "https://api.telegram.org/bot"
ZALO_TOKEN_VAR = "ZALO_BOT_TOKEN"
ZALO_API_BASE_VAR = "ZALO_API_BASE_URL"
DEFAULT_ZALO_API_BASE = "https://bot-api.zaloplatforms.com"  # alerts.zalo.DEFAULT_BASE_URL

# What `duluan --help` and the README say about each variable.
VARIABLES: tuple[tuple[str, str], ...] = (
    (CONFIG_VAR, "mặc định ./config.yaml"),
    (DATABASE_VAR, "mặc định SQLite trong ./data/"),
    (TOKEN_VAR, "không đặt: cảnh báo in ra màn hình"),
    (API_BASE_VAR, "mặc định máy chủ của Telegram"),
    (ZALO_TOKEN_VAR, "không đặt: tin cho Zalo in ra màn hình"),
    (ZALO_API_BASE_VAR, "mặc định máy chủ của Zalo Bot Platform"),
    (NOW_VAR, "đóng băng đồng hồ, dùng khi kiểm thử"),
)


@dataclass(frozen=True)
class Runtime:
    """The environment of one process, typed; the bot token is a secret (masked when shown)."""

    config_path: str = DEFAULT_CONFIG
    # May hold a password: never in repr; `describe()` shows it masked.
    database_url: str = field(default_factory=lambda: _database_url(None), repr=False)
    bot_token: SecretStr | None = None
    api_base_url: str = DEFAULT_API_BASE
    zalo_token: SecretStr | None = field(default=None, repr=False)
    zalo_api_base_url: str = DEFAULT_ZALO_API_BASE
    clock: Clock = field(default_factory=Clock)
    log_level: str = "WARNING"
    # The variables `env:NAME` values of the config may name (a frozen copy, never shown).
    variables: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), repr=False, compare=False
    )

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str] | None = None, *, log_level: str = "WARNING"
    ) -> Runtime:
        """Read the environment (default: this process's) once; `ClockError` for a wrong
        DULUAN_NOW, so that no command starts on a clock it cannot read."""
        env = dict(os.environ if environ is None else environ)
        token = env.get(TOKEN_VAR) or None
        return cls(
            config_path=env.get(CONFIG_VAR) or DEFAULT_CONFIG,
            database_url=_database_url(env.get(DATABASE_VAR)),
            bot_token=SecretStr(token) if token else None,
            api_base_url=env.get(API_BASE_VAR) or DEFAULT_API_BASE,
            zalo_token=SecretStr(env[ZALO_TOKEN_VAR]) if env.get(ZALO_TOKEN_VAR) else None,
            zalo_api_base_url=env.get(ZALO_API_BASE_VAR) or DEFAULT_ZALO_API_BASE,
            clock=Clock.parse(env.get(NOW_VAR)),
            log_level=log_level,
            variables=MappingProxyType(env),
        )

    @property
    def console(self) -> bool:
        """Console mode: no bot token, so alerts are printed and written to a file."""
        return self.bot_token is None

    @property
    def token(self) -> str | None:
        """The bot token itself, for the Telegram client only."""
        return self.bot_token.get_secret_value() if self.bot_token is not None else None

    def now(self) -> datetime:
        """The current time on this process's clock."""
        return self.clock.now()

    def describe(self) -> dict[str, str]:
        """What `duluan config check` prints of the runtime: secrets masked."""
        from duluan.config import mask
        from storage.db import mask_url

        return {
            "config": self.config_path,
            "database": mask_url(self.database_url),
            "telegram_bot_token": mask(self.token)
            if self.token
            else "chưa đặt: cảnh báo in ra màn hình và tệp / not set: alerts go to the console",
            "telegram_api_base_url": self.api_base_url,
            "zalo_bot_token": mask(self.zalo_token.get_secret_value())
            if self.zalo_token
            else "chưa đặt: tin cho Zalo in ra màn hình / not set: Zalo messages go to the console",
            "zalo_api_base_url": self.zalo_api_base_url,
        }


def _database_url(raw: str | None) -> str:
    # storage (and SQLAlchemy) only when a command runs, not for `duluan --help`.
    from storage.db import database_url

    return database_url(raw)
