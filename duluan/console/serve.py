"""Serving the console with uvicorn: alone (`duluan web`) or on the daemon's asyncio loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Generator
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn

from cases.evidence import fetcher_for
from duluan.config import Config
from duluan.console.app import build_app, load_secret

log = logging.getLogger(__name__)

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


class WebError(RuntimeError):
    """The console could not start (e.g. its port is taken), explained in Vietnamese."""


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to its host (the daemon)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


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
    return uvicorn.Config(
        app,
        host=host or config.web.host,
        port=config.web.port if port is None else port,
        log_config=None,
        access_log=False,
        lifespan="off",
        proxy_headers=False,
        server_header=False,
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
    server = _EmbeddedServer(settings)

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
    """The console running as a task on the current asyncio loop."""

    def __init__(self, server: uvicorn.Server, task: asyncio.Task[None]) -> None:
        self.server = server
        self.task = task

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
        """Start serving; `WebError` if it is not listening within a few seconds."""
        settings = server_config(config, store, now, data_dir, host, port)
        server = _EmbeddedServer(settings)
        task = asyncio.create_task(_serve(server), name="duluan-web")
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT
        while not server.started:
            if task.done() or asyncio.get_running_loop().time() > deadline:
                server.should_exit = True
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(task, STOP_TIMEOUT)
                raise WebError(
                    f"không mở được trang rà soát tại {settings.host}:{settings.port} "
                    "(cổng đang bận hoặc địa chỉ sai?); đổi web.port hoặc đặt web.enabled: false"
                )
            await asyncio.sleep(0.05)
        log.info(
            "Trang rà soát đang chạy tại http://%s:%d%s/",
            settings.host,
            settings.port,
            config.web.base_path,
        )
        return cls(server, task)

    @property
    def app(self) -> Any:
        """The console's Starlette application (its `state` takes the daemon's hooks)."""
        return self.server.config.app

    @property
    def port(self) -> int:
        """The port actually bound (useful when configured as 0)."""
        for server in self.server.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return int(self.server.config.port)

    async def stop(self) -> None:
        """Stop accepting, finish requests in flight (a few seconds at most)."""
        self.server.should_exit = True
        try:
            await asyncio.wait_for(self.task, STOP_TIMEOUT)
        except TimeoutError:
            self.server.force_exit = True
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        log.info("Đã dừng trang rà soát")


async def _serve(server: uvicorn.Server) -> None:
    try:
        await server.serve()
    except SystemExit:
        log.error("Trang rà soát không khởi động được")
