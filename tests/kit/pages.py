"""A fetch stand-in for the code that reads one page through the guard (a reported link, an
evidence check): fixed pages by URL, each `body` (status 200) or `(status, body)`, and the
URLs asked; any other URL answers as a connection error."""

from __future__ import annotations

from collections.abc import Mapping

from cases.evidence import Fetched


class Pages:
    def __init__(self, pages: Mapping[str, str | tuple[int, str]] | None = None) -> None:
        self.pages: dict[str, str | tuple[int, str]] = dict(pages or {})
        self.asked: list[str] = []

    def __call__(self, url: str) -> Fetched:
        self.asked.append(url)
        if url not in self.pages:
            return Fetched(url, None, None, b"", error="ConnectError")
        found = self.pages[url]
        status, body = found if isinstance(found, tuple) else (200, found)
        return Fetched(url, status, url, body.encode(), "utf-8")
