"""The one guard every fetch goes through: keeps duluan off internal addresses (SSRF).

Anyone on the Internet can write a feed entry, a sitemap `<loc>`, a listing link or a redirect.
A source therefore fetches only

- from the origins (scheme, host, port) of its own configured URLs (feeds, sitemaps, listings,
  search, homepage), from those hosts (with or without `www.`) over http/https on the default
  ports, and from the domains it declares (`sources[].domains`: each domain and its
  subdomains); an aggregator whose links lead anywhere says `offsite: true`;
- and never from a private, loopback, link-local, multicast, reserved or unspecified address
  (IPv4 and IPv6, every spelling: `2130706433`, `0177.0.0.1`, `0x7f.1`, `[::ffff:127.0.0.1]`),
  checked on the address the name resolves to, on every redirect hop, unless the exact
  scheme, host and port are one of the source's own configured URLs (how a local outlet and the
  tests are reached).

`Scope` decides from the URL alone (no network); `Guard` adds the address check after DNS
resolution. The crawler applies it in a downloader middleware and in its resolver
(`crawler.middlewares.GuardMiddleware`, `GuardedResolver`); every other fetcher (evidence,
`duluan extract`) goes through `fetch`, which resolves, checks and then connects to the very
address it checked, following redirects itself.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import httpx

if TYPE_CHECKING:
    from duluan.config import Source

log = logging.getLogger(__name__)

SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Ranges Python's `ipaddress` reports as global that must still never be fetched.
_EMBEDDING_V6 = ipaddress.IPv6Network("64:ff9b::/96")  # NAT64: the last 32 bits are IPv4
# Name suffixes of local networks (RFC 6761 `.localhost`, RFC 6762 `.local`, RFC 8375
# `.home.arpa`, ICANN's `.internal`) and the customary `.lan`.
_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolve = Callable[[str, int], list[Address]]


class Refused(Exception):
    """A URL the guard will not fetch; `kind` is `scheme`, `offsite` or `private`."""

    def __init__(self, url: str, kind: str, message: str) -> None:
        super().__init__(message)
        self.url = url
        self.kind = kind
        self.message = message


Origin = tuple[str, str, int]


def origin(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL, host lowercased without brackets; else None."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return None
    if scheme not in SCHEMES or not host:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def ip_literal(host: str) -> Address | None:
    """The address a host written as a number means, in any spelling the C library accepts
    (`127.0.0.1`, `2130706433`, `0177.0.0.1`, `0x7f.1`, `::ffff:127.0.0.1`); None for a name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if ":" in host:
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def is_public(address: Address) -> bool:
    """True for an address on the public Internet; IPv4 embedded in IPv6 is judged as IPv4."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _EMBEDDING_V6:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is not None and not is_public(embedded):
            return False
    return bool(
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_loopback
        and not address.is_link_local
        and not address.is_private
        and not address.is_unspecified
    )


def internal_host(host: str) -> bool:
    """A host that, by its spelling alone, is a machine of an internal network: a non-public
    address in any spelling, `localhost`, a name without a dot (a Docker Compose service such
    as `rsshub`, an intranet name) or under a suffix kept for local networks."""
    host = host.strip().strip("[]").rstrip(".").lower()
    literal = ip_literal(host)
    if literal is not None:
        return not is_public(literal)
    return host == "localhost" or "." not in host or host.endswith(_INTERNAL_SUFFIXES)


def check_link(url: str) -> str:
    """`url`, when it may be kept as an item's link without being fetched (a post a bridge
    reports): http(s) on a host that is not internal by its spelling; `Refused` otherwise.
    A later fetch of it (evidence) still goes through `Guard.addresses`, which asks DNS."""
    found = origin(url)
    if found is None:
        raise Refused(url, "scheme", "không phải địa chỉ http(s) / not an http(s) URL")
    if internal_host(found[1]):
        raise Refused(
            url, "private", f"địa chỉ nội bộ {found[1]} không được phép / internal address refused"
        )
    return url


def _same_site(host: str, own: str) -> bool:
    """`host` is a configured host, with or without its `www.`."""
    return host.removeprefix("www.") == own.removeprefix("www.") and ip_literal(host) is None


def _matches_domain(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


@dataclass(frozen=True)
class Scope:
    """Where one source may fetch from: decided from the URL alone."""

    name: str
    origins: frozenset[Origin]
    domains: tuple[str, ...] = ()
    offsite: bool = False

    @classmethod
    def of(
        cls, name: str, urls: Iterable[str], domains: Iterable[str] = (), offsite: bool = False
    ) -> Scope:
        """The scope of a source with these configured URLs and declared domains."""
        found = {o for o in (origin(url) for url in urls) if o is not None}
        cleaned = tuple(d.strip().lower().strip(".") for d in domains if d.strip())
        return cls(name, frozenset(found), cleaned, offsite)

    def own(self, url: str) -> bool:
        """The URL's exact scheme, host and port are one of the configured URLs'."""
        return origin(url) in self.origins

    def check(self, url: str) -> Origin:
        """The URL's origin if this source may fetch it (addresses not yet checked); else
        `Refused` (a scheme other than http/https, or a host outside the source)."""
        found = origin(url)
        if found is None:
            raise Refused(url, "scheme", "không phải địa chỉ http(s) / not an http(s) URL")
        if self.offsite or found in self.origins:
            return found
        scheme, host, port = found
        default = port == DEFAULT_PORTS[scheme]
        if default and any(_same_site(host, h) for _, h, _ in self.origins):
            return found
        if default and any(_matches_domain(host, d) for d in self.domains):
            return found
        raise Refused(
            url,
            "offsite",
            f"ngoài tên miền của nguồn {self.name} (thêm vào sources[].domains nếu đúng) / "
            f"outside the source's domains",
        )


def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` resolves to (the system resolver, as a connection would)."""
    literal = ip_literal(host)
    if literal is not None:
        return [literal]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


@dataclass(frozen=True)
class Guard:
    """The scope of each source plus the address check; one per process, built from config."""

    scopes: Mapping[str, Scope]
    resolver: Resolve = field(default=resolve, compare=False)

    @classmethod
    def for_sources(cls, sources: Iterable[Source], resolver: Resolve = resolve) -> Guard:
        """The guard of these configured sources."""
        return cls(
            {s.name: Scope.of(s.name, s.configured_urls(), s.domains, s.offsite) for s in sources},
            resolver,
        )

    @classmethod
    def trusting(cls, urls: Iterable[str], resolver: Resolve = resolve) -> Guard:
        """A guard whose own origins are those of `urls` (a local outlet, a test server);
        any other URL must be on a public address."""
        return cls({"*": Scope.of("*", urls, offsite=True)}, resolver)

    @property
    def any_scope(self) -> Scope:
        """Every configured origin exempt, any public host allowed: for a URL already stored
        whose source is unknown (evidence of an article of a removed source)."""
        origins = frozenset(o for scope in self.scopes.values() for o in scope.origins)
        return Scope("*", origins, offsite=True)

    def scope(self, source: str | None) -> Scope:
        if source is not None and source in self.scopes:
            return self.scopes[source]
        return self.any_scope

    def check_address(self, url: str, scope: Scope, addresses: Iterable[Address]) -> None:
        """`Refused` unless every address is public (or the origin is the source's own)."""
        if scope.own(url):
            return
        for address in addresses:
            if not is_public(address):
                raise Refused(
                    url,
                    "private",
                    f"địa chỉ nội bộ {address} không được phép tải / internal address refused",
                )

    def addresses(self, url: str, scope: Scope) -> list[Address]:
        """Check `url` fully (scope, then resolution); the addresses to connect to."""
        _, host, port = scope.check(url)
        try:
            found = self.resolver(host, port)
        except OSError as exc:
            raise httpx.ConnectError(f"không tìm thấy tên miền {host} / DNS: {exc}") from exc
        self.check_address(url, scope, found)
        return found


@dataclass(frozen=True)
class Response:
    """What `fetch` answered: the final URL, its status, headers and (capped) body."""

    url: str
    final_url: str
    status: int
    headers: httpx.Headers
    body: bytes
    truncated: bool = False
    charset: str | None = None  # from Content-Type


def fetch(
    url: str,
    guard: Guard,
    *,
    source: str | None = None,
    user_agent: str = "duluan",
    timeout: float = 30.0,
    max_bytes: int = 10 * 1000**2,
    transport: httpx.BaseTransport | None = None,
) -> Response:
    """GET `url` for `source` through the guard, following up to 5 redirects, each hop checked
    and connected to the address that was checked (no second DNS answer in between).

    Raises `Refused` for a URL or hop the guard refuses, `httpx.HTTPError` when no answer came.
    A body longer than `max_bytes` is cut there (`truncated`).
    """
    scope = guard.scope(source)
    current = url
    with httpx.Client(
        follow_redirects=False,
        timeout=timeout,
        headers={"User-Agent": user_agent},
        transport=transport,
        trust_env=False,
    ) as client:
        for _ in range(MAX_REDIRECTS + 1):
            addresses = guard.addresses(current, scope)
            request = _pinned(client, current, addresses[0])
            response = client.send(request, stream=True)
            try:
                location = response.headers.get("location")
                if response.status_code in REDIRECTS and location:
                    current = urljoin(current, location.strip())
                    continue
                body, truncated = _read(response, max_bytes)
            finally:
                response.close()
            if truncated:
                log.warning("[%s] trang lớn hơn %d byte: chỉ lấy phần đầu", current, max_bytes)
            return Response(
                url,
                current,
                response.status_code,
                response.headers,
                body,
                truncated,
                response.charset_encoding,
            )
    raise httpx.TooManyRedirects(f"chuyển hướng quá {MAX_REDIRECTS} lần / too many redirects")


def _pinned(client: httpx.Client, url: str, address: Address) -> httpx.Request:
    """A request for `url` that connects to `address`: the URL's host stays in the Host header
    and, for HTTPS, in SNI and certificate checking."""
    target = httpx.URL(url)
    host = target.host
    pinned = target.copy_with(host=str(address))
    request = client.build_request("GET", pinned, headers={"Host": _host_header(target)})
    if target.scheme == "https":
        request.extensions["sni_hostname"] = host
    return request


def _host_header(url: httpx.URL) -> str:
    host = f"[{url.host}]" if ":" in url.host else url.host
    return host if url.port is None else f"{host}:{url.port}"


def _read(response: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            return b"".join(chunks)[:max_bytes], True
    return b"".join(chunks), False
