"""`JsonApi`: a local HTTP server answering JSON web API calls as the test sets them, and
recording every call (path, query, headers) so tests can check what was asked and sent.

Answers are set per path (without the query): a fixed `(status, body)`, or a function of the
query for answers that depend on it (a page token, a cursor)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, bytes | str | dict[str, Any]]
Route = Answer | Callable[[dict[str, str]], Answer]


@dataclass(frozen=True)
class Call:
    """One call the server answered."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    target: str


class JsonApi:
    """A JSON API on 127.0.0.1; `base` is its address once started."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.calls: list[Call] = []
        self.base = ""
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def answer(self, path: str, route: Route) -> None:
        """Answer calls of `path` (any query) with `route`."""
        self.routes[path] = route

    def __enter__(self) -> JsonApi:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                target = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(target.query).items()}
                with api._lock:
                    api.calls.append(
                        Call(target.path, query, dict(self.headers.items()), self.path)
                    )
                route = api.routes.get(target.path)
                status, body = (
                    (404, {"error": {"message": "no route", "code": 404}})
                    if route is None
                    else route(query)
                    if callable(route)
                    else route
                )
                data = (
                    json.dumps(body).encode()
                    if isinstance(body, dict)
                    else body.encode()
                    if isinstance(body, str)
                    else body
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
