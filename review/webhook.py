"""A webhook endpoint served by uvicorn on the daemon's own loop: Telegram's (`review.bot`) and
Zalo's (`review.zalo_bot.webhook_app`, started by the daemon) both run in one of these.

Signals are left to the daemon; a port that cannot be bound is a `WebhookError` in Vietnamese
naming the setting to change, raised within a few seconds, with nothing left running."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Generator
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from starlette.applications import Starlette

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


class WebhookError(RuntimeError):
    """The webhook endpoint could not start (its port is taken), explained in Vietnamese."""


class _Server(uvicorn.Server):
    """uvicorn on the daemon's loop, leaving signals to the daemon."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


async def _serve(server: uvicorn.Server) -> None:
    with contextlib.suppress(SystemExit):  # uvicorn exits when it cannot bind: caller reports
        await server.serve()


class WebhookServer:
    """One webhook application listening on `listen:port` as a task of the running loop."""

    def __init__(self, server: uvicorn.Server, task: asyncio.Task[None]) -> None:
        self.server = server
        self.task = task

    @classmethod
    async def start(
        cls, app: Starlette, listen: str, port: int, *, setting: str, name: str
    ) -> WebhookServer:
        """Serve `app`; `WebhookError` (telling to change `setting`, e.g. "zalo_bot.port") if
        it is not listening within `START_TIMEOUT` seconds (its port taken, a wrong address)."""
        server = _Server(
            uvicorn.Config(
                app,
                host=listen,
                port=port,
                log_config=None,
                access_log=False,
                lifespan="off",
                proxy_headers=False,
                server_header=False,
            )
        )
        running = cls(server, asyncio.create_task(_serve(server), name=name))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while not server.started:
            if running.task.done() or loop.time() > deadline:
                await running.stop()
                raise WebhookError(
                    f"không mở được cổng webhook {listen}:{port} (cổng đang bận?); đổi {setting}"
                )
            await asyncio.sleep(0.05)
        return running

    async def stop(self) -> None:
        """Stop accepting, let requests in flight finish (`STOP_TIMEOUT` seconds at most)."""
        self.server.should_exit = True
        try:
            await asyncio.wait_for(self.task, STOP_TIMEOUT)
        except TimeoutError:
            self.server.force_exit = True
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
