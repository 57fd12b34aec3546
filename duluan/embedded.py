"""A uvicorn server on the daemon's own asyncio loop: the console (`duluan.console.serve`),
Telegram's webhook (`review.bot`) and Zalo's (`review.zalo_bot`) each run in one of these.

Signals are left to the daemon; a port that cannot be bound is a `ServerError` in Vietnamese
naming what did not start and the setting to change, raised within a few seconds, with nothing
left running."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Generator
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import Response

log = logging.getLogger(__name__)

MAX_WEBHOOK_BYTES = 1_000_000  # a webhook body: an update is a few hundred bytes to a few KB
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


class ServerError(RuntimeError):
    """An embedded server could not start (its port taken, a wrong address), in Vietnamese."""


class SignalFreeServer(uvicorn.Server):
    """uvicorn leaving signals to its host (the daemon, or `duluan web`'s own handlers)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


async def _serve(server: uvicorn.Server) -> None:
    with contextlib.suppress(SystemExit):  # uvicorn exits when it cannot bind: start() reports
        await server.serve()


def settings(app: Any, host: str, port: int) -> uvicorn.Config:
    """uvicorn's settings for all of ours: no access log, no lifespan, no server header, and no
    forwarding header trusted (the console reads X-Forwarded-For itself, from its proxies)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="off",
        proxy_headers=False,
        server_header=False,
    )


class EmbeddedServer:
    """One application listening on `host:port` as a task of the running loop."""

    def __init__(self, server: uvicorn.Server, task: asyncio.Task[None]) -> None:
        self.server = server
        self.task = task

    @classmethod
    async def start(
        cls, app: Any, host: str, port: int, *, name: str, what: str, fix: str
    ) -> EmbeddedServer:
        """Serve `app`; `ServerError` ("không mở được `what` tại host:port …; `fix`") if it is
        not listening within `START_TIMEOUT` seconds."""
        server = SignalFreeServer(settings(app, host, port))
        running = cls(server, asyncio.create_task(_serve(server), name=name))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while not server.started:
            if running.task.done() or loop.time() > deadline:
                await running.stop()
                raise ServerError(
                    f"không mở được {what} tại {host}:{port} (cổng đang bận hoặc địa chỉ sai?); "
                    f"{fix}"
                )
            await asyncio.sleep(0.05)
        return running

    @property
    def app(self) -> Any:
        return self.server.config.app

    @property
    def port(self) -> int:
        """The port actually bound (useful when configured as 0)."""
        for server in self.server.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return int(self.server.config.port)

    async def stop(self) -> None:
        """Stop accepting, let requests in flight finish (`STOP_TIMEOUT` seconds at most)."""
        self.server.should_exit = True
        try:
            await asyncio.wait_for(self.task, STOP_TIMEOUT)
        except TimeoutError:
            self.server.force_exit = True
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


async def guarded_body(
    request: Request,
    header: str,
    secret: bytes,
    *,
    refused: int,
    who: str,
    limit: int = MAX_WEBHOOK_BYTES,
) -> bytes | Response:
    """A webhook request's body if it carries `secret` in `header` (compared in constant
    time), else the answer `refused` (logged without the token); 413 past `limit` bytes. The
    one check Telegram's webhook (`review.bot`) and Zalo's (`review.zalo_bot`) make."""
    given = request.headers.get(header, "").encode("utf-8", "replace")
    if not secret or not hmac.compare_digest(given, secret):
        host = request.client.host if request.client else "?"
        log.warning("Webhook %s: bỏ qua yêu cầu từ %s không có đúng mã bí mật", who, host)
        return Response(status_code=refused)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return Response(status_code=413)
    return bytes(body)
