"""Serving the console with uvicorn: alone (`duluan web`) or on the daemon's asyncio loop."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn

from cases.evidence import fetcher_for
from duluan.config import Config
from duluan.console.app import build_app, load_secret
from duluan.embedded import EmbeddedServer, SignalFreeServer
from duluan.embedded import settings as embedded_settings

log = logging.getLogger(__name__)


def server_config(
    config: Config,
    store: Any,
    now: Callable[[], datetime],
    data_dir: Path,
    host: str | None = None,
    port: int | None = None,
) -> uvicorn.Config:
    """uvicorn's settings for the console. uvicorn trusts no forwarding header: the console
    itself takes the client address from X-Forwarded-For only when the peer is one of
    `web.trusted_proxies` (the login throttle counts by address). The console fetches flagged
    pages itself, as the daemon's evidence job does."""
    app = build_app(
        config,
        store,
        now,
        load_secret(config, data_dir),
        data_dir=data_dir,
        fetch=fetcher_for(config),
    )
    return embedded_settings(
        app, host or config.web.host, config.web.port if port is None else port
    )


def run_web(
    config: Config,
    store: Any,
    now: Callable[[], datetime],
    data_dir: Path,
    host: str | None = None,
    port: int | None = None,
) -> int:
    """Serve until Ctrl-C or SIGTERM; 0 on a clean stop, 1 if the server could not start."""
    settings = server_config(config, store, now, data_dir, host, port)
    log.info("Trang rà soát: http://%s:%d%s/", settings.host, settings.port, config.web.base_path)
    server = SignalFreeServer(settings)

    async def serve() -> bool:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, _stop_on, server, signum)
        try:
            await server.serve()
        except SystemExit:
            return False
        return server.started

    if asyncio.run(serve()):
        log.info("Đã dừng trang rà soát")
        return 0
    log.error(
        "Không mở được trang rà soát tại %s:%d (cổng đang bận?)", settings.host, settings.port
    )
    return 1


def _stop_on(server: uvicorn.Server, signum: int) -> None:
    log.info("Nhận tín hiệu %s: dừng trang rà soát", signal.Signals(signum).name)
    server.should_exit = True


class WebServer:
    """The console running as a task on the current asyncio loop (`duluan.embedded`)."""

    def __init__(self, running: EmbeddedServer) -> None:
        self.running = running

    @classmethod
    async def start(
        cls,
        config: Config,
        store: Any,
        now: Callable[[], datetime],
        data_dir: Path,
        host: str | None = None,
        port: int | None = None,
    ) -> WebServer:
        """Start serving; `ServerError` if it is not listening within a few seconds."""
        settings = server_config(config, store, now, data_dir, host, port)
        running = await EmbeddedServer.start(
            settings.app,
            settings.host,
            settings.port,
            name="duluan-web",
            what="trang rà soát",
            fix="đổi web.port hoặc đặt web.enabled: false",
        )
        log.info(
            "Trang rà soát đang chạy tại http://%s:%d%s/",
            settings.host,
            settings.port,
            config.web.base_path,
        )
        return cls(running)

    @property
    def app(self) -> Any:
        """The console's Starlette application (its `state` takes the daemon's hooks)."""
        return self.running.app

    @property
    def port(self) -> int:
        """The port actually bound (useful when configured as 0)."""
        return self.running.port

    async def stop(self) -> None:
        """Stop accepting, finish requests in flight (a few seconds at most)."""
        await self.running.stop()
        log.info("Đã dừng trang rà soát")
