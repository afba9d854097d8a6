"""The only outbound-HTTP seam (httpx).

Every request goes through :class:`HttpClient`: timeouts, a descriptive User-Agent,
redirects followed by hand so each hop passes the address guard, a cap on the
*decompressed* body, and typed :class:`FetchError` values carrying ``permanent`` and
``retry_after``. Tests replace the transport (``httpx.MockTransport``) or point the
client at a real local server allowed by ``allow_hosts``.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from monitor.errors import FetchError
from monitor.types import FetchResult

log = logging.getLogger(__name__)

Resolver = Callable[[str], Iterable[str]]
MAX_REDIRECTS = 5
PERMANENT_STATUSES = frozenset({401, 404, 410})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def system_resolver(host: str) -> list[str]:
    """All addresses ``host`` resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from exc
    return [str(info[4][0]) for info in infos]


class AddressGuard:
    """Refuses non-public addresses (loopback, private, link-local, multicast, reserved) unless allowed."""

    def __init__(self, allow_hosts: Iterable[str] = (), resolver: Resolver = system_resolver) -> None:
        self.allow = {h.lower().strip("[]") for h in allow_hosts}
        self.resolver = resolver

    def check(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(f"refused scheme {parts.scheme or '(none)'!r} in {url}", permanent=True)
        host = (parts.hostname or "").lower()
        if not host:
            raise FetchError(f"no host in {url}", permanent=True)
        if host in self.allow:
            return
        for address in _addresses(host, self.resolver):
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            if not ip.is_global or ip.is_multicast:
                raise FetchError(f"refused non-public address {ip} for {host}", permanent=True)


def _addresses(host: str, resolver: Resolver) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        return list(resolver(host))


class HttpClient:
    """A guarded, size-capped HTTP GET."""

    def __init__(
        self, *, user_agent: str, timeout: float = 20.0, connect_timeout: float = 10.0,
        guard: AddressGuard | None = None, transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.guard = guard or AddressGuard()
        self.timeout = timeout
        self._client = httpx.Client(
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            follow_redirects=False,
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, *, max_bytes: int, headers: Mapping[str, str] | None = None) -> FetchResult:
        """GET ``url`` following redirects; raise FetchError for anything but 2xx/304."""
        started = time.monotonic()
        current = url
        seen = {url}
        for _ in range(MAX_REDIRECTS + 1):
            self.guard.check(current)
            status, location, result = self._once(current, url, max_bytes, headers or {}, started)
            if result is not None:
                return result
            current = urljoin(current, location)
            if current in seen:
                raise FetchError(f"redirect loop at {current}", permanent=True, status=status)
            seen.add(current)
        raise FetchError(f"more than {MAX_REDIRECTS} redirects from {url}", permanent=True)

    def _once(
        self, current: str, original: str, max_bytes: int, headers: Mapping[str, str], started: float,
    ) -> tuple[int, str, FetchResult | None]:
        try:
            with self._client.stream("GET", current, headers=dict(headers)) as response:
                if response.status_code in _REDIRECTS:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(f"{response.status_code} without Location", status=response.status_code)
                    return response.status_code, location, None
                _raise_for_status(response)
                body = b"" if response.status_code == 304 else _read_capped(response, max_bytes)
                return response.status_code, "", FetchResult(
                    url=original, final_url=current, status=response.status_code, body=body,
                    content_type=response.headers.get("content-type", ""),
                    etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified"),
                    elapsed_ms=int((time.monotonic() - started) * 1000),
                )
        except httpx.TimeoutException as exc:
            raise FetchError(f"timed out after {self.timeout:.0f}s: {type(exc).__name__}") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}") from exc


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300 or status == 304:
        return
    reason = response.reason_phrase or "error"
    raise FetchError(
        f"{status} {reason.lower()}", status=status, permanent=status in PERMANENT_STATUSES,
        retry_after=parse_retry_after(response.headers.get("retry-after")),
    )


def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"body of {declared} bytes exceeds the cap of {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():  # decoded bytes: the cap also stops compression bombs
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"body exceeds the cap of {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
