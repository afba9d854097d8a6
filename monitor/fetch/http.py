"""The only outbound-HTTP seam (httpx).

Every request goes through :class:`HttpClient`:

* an address guard on every hop (no loopback, private, link-local, multicast or reserved
  targets unless the host is allowed), redirects followed by hand, loops refused;
* per-host politeness from :class:`HostLimiter` (requests in flight, delay between starts);
* a connect timeout and a total deadline for the whole request, redirects included, that also
  stops a server dripping its status line, headers or body (every read and write of a connection
  waits at most the time left: :class:`_DeadlineStream`);
* a cap on the *decompressed* body (gzip, deflate and brotli, decoded here with bounded output:
  :mod:`monitor.fetch.decode`), so compression bombs stop at the cap; stacked or unknown
  content encodings are refused;
* typed :class:`FetchError` values carrying ``permanent``, ``status`` and ``retry_after``.

Tests replace the transport (``httpx.MockTransport``) or point the client at a real local
server allowed by ``allow_hosts``.
"""

from __future__ import annotations

import http.cookiejar
import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpcore
import httpx

from monitor.errors import FetchError, TooLargeError
from monitor.fetch.decode import decoded
from monitor.types import FetchResult
from monitor.untrusted import CAPS, header, one_line

log = logging.getLogger(__name__)

Resolver = Callable[[str], Iterable[str]]
MAX_REDIRECTS = 5
PERMANENT_STATUSES = frozenset({401, 404, 410})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT_REDIRECTS = frozenset({301, 308})
_PRINTABLE_ASCII = re.compile(r"[ -~]+")
_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*\"?(\d+)", re.IGNORECASE)
# A server's freshness or Retry-After is a hint, never a reason to stop asking for longer than this
# (the scheduler bounds it further by polling.max_interval); a 14-digit one would not even fit a timedelta.
LONGEST_WAIT = 365 * 24 * 3600.0


def system_resolver(host: str) -> list[str]:
    """All addresses ``host`` resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from exc
    return [str(info[4][0]) for info in infos]


class AddressGuard:
    """Refuses non-public addresses (loopback, private, link-local, multicast, reserved, and IPv6
    addresses that lead to such an IPv4 address: :func:`public`) unless allowed.
    A lookup waits at most ``lookup_timeout`` seconds, and no longer than the request's deadline: the
    system resolver has no bound of its own a poll could rely on."""

    def __init__(
        self, allow_hosts: Iterable[str] = (), resolver: Resolver = system_resolver, lookup_timeout: float = 10.0,
    ) -> None:
        self.allow = {h.lower().strip("[]") for h in allow_hosts}
        self.resolver = resolver
        self.lookup_timeout = lookup_timeout

    def check(self, url: str) -> None:
        """Refuse a URL whose scheme is not http(s) or whose host resolves to a non-public address."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(f"refused scheme {parts.scheme or '(none)'!r} in {url}", permanent=True)
        host = (parts.hostname or "").lower()
        if not host:
            raise FetchError(f"no host in {url}", permanent=True)
        if host.strip("[]") not in self.allow:
            self.addresses_for(host)

    def addresses_for(self, host: str) -> list[str]:
        """The addresses to connect to for ``host``, in the resolver's order, after checking that
        *every* address it resolves to is public (unless the host is on the allow-list)."""
        host = host.lower().strip("[]")
        addresses = _addresses(host, self.resolver, _within_deadline(self.lookup_timeout, httpcore.ConnectTimeout))
        if not addresses:
            raise FetchError(f"cannot resolve {host}: no addresses")
        if host in self.allow:
            return addresses
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            if not public(ip):
                raise FetchError(f"refused non-public address {ip} for {host}", permanent=True)
        return addresses


# IPv6 prefixes that carry an IPv4 address in their last 32 bits and lead to it: NAT64's well-known
# prefix (RFC 6052; a gateway on the network forwards to the IPv4 address) and the deprecated
# IPv4-compatible addresses (::a.b.c.d).
_IPV4_IN_LAST_32_BITS = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("::/96"))
# IPv6 prefixes Python counts as global that reach no public host: NAT64's local-use prefix
# (RFC 8215, a translator to the local network) and the deprecated site-local addresses.
_NOT_GLOBAL = (ipaddress.IPv6Network("64:ff9b:1::/48"), ipaddress.IPv6Network("fec0::/10"))


def public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``ip`` is a public unicast address, and an IPv6 address that leads to an IPv4 address
    (IPv4-mapped, NAT64, 6to4, Teredo, IPv4-compatible) leads to a public one: ``64:ff9b::7f00:1``
    or ``2002:7f00:1::`` reach 127.0.0.1 through a translator or a relay."""
    if not ip.is_global or ip.is_multicast:
        return False
    if isinstance(ip, ipaddress.IPv4Address):
        return True
    if any(ip in network for network in _NOT_GLOBAL):
        return False
    embedded = [ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None]
    embedded += [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) for net in _IPV4_IN_LAST_32_BITS if ip in net]
    return all(public(v4) for v4 in embedded if v4 is not None)


class _GuardedBackend(httpcore.SyncBackend):
    """Connects only to addresses the guard has just checked, so a DNS answer that changes
    between the check and the connection (DNS rebinding) cannot reach a private address; every
    connection keeps to the deadline of the request using it (:class:`_DeadlineStream`)."""

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        """A connection to the first of the host's checked addresses that accepts one (an unreachable
        IPv6 address or a dead server behind one of several A records is passed over)."""
        addresses = self.guard.addresses_for(host)
        for address in addresses[:-1]:
            try:
                return self._connect(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue
        return self._connect(addresses[-1], port, timeout, local_address, socket_options)

    def _connect(
        self, address: str, port: int, timeout: float | None, local_address: str | None,
        socket_options: Iterable[Any] | None,
    ) -> httpcore.NetworkStream:
        timeout = _within_deadline(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(super().connect_tcp(address, port, timeout, local_address, socket_options))


_DEADLINE = threading.local()  # the monotonic time the request running on this thread must end by


@contextmanager
def _deadline(at: float) -> Iterator[None]:
    """Every network operation of this thread until the block ends must finish by ``at``."""
    _DEADLINE.at = at
    try:
        yield
    finally:
        _DEADLINE.at = None


def _within_deadline(timeout: float | None, error: type[httpcore.TimeoutException]) -> float | None:
    """``timeout`` shortened to the time left before this thread's deadline; ``error`` when none is left."""
    at: float | None = getattr(_DEADLINE, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("the request's total deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write waits no longer than the deadline of the request
    using it: httpx's own timeouts count per operation, so a server sending its status line, its
    headers or its body a byte at a time would never trip them."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _within_deadline(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _within_deadline(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _within_deadline(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with the guarded network backend (TLS still verifies the host name)."""

    def __init__(self, guard: AddressGuard, limits: httpx.Limits) -> None:
        super().__init__(limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(guard),
        )


def _no_cookies() -> http.cookiejar.CookieJar:
    """A cookie jar that keeps none: every poll stands alone, and no server can grow the jar (and every
    later request's Cookie header) by setting a new cookie with each answer."""
    return http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


_LOOKUPS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="lookup")  # a lookup given up on ends here


def _addresses(host: str, resolver: Resolver, timeout: float | None) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    lookup = _LOOKUPS.submit(resolver, host)
    try:
        return list(lookup.result(timeout=timeout))
    except FutureTimeout:
        raise FetchError(f"cannot resolve {host}: no answer within {timeout or 0:g}s") from None


class HostLimiter:
    """Politeness per host: at most ``per_host`` requests in flight and ``min_delay`` seconds between starts.
    A host is forgotten once nothing waits on it and its delay has passed (when :data:`KEPT_HOSTS`
    are known), so a daemon that reads pages from ever new hosts does not grow for ever."""

    KEPT_HOSTS = 1024

    def __init__(self, per_host: int = 2, min_delay: float = 1.0, sleep: Callable[[float], None] = time.sleep) -> None:
        self.per_host = per_host
        self.min_delay = min_delay
        self._sleep = sleep
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._users: dict[str, int] = {}  # requests holding or waiting for a host's slot
        self._next_start: dict[str, float] = {}

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._lock:
            if len(self._slots) >= self.KEPT_HOSTS:
                self._forget_idle(time.monotonic())
            semaphore = self._slots.setdefault(host, threading.BoundedSemaphore(self.per_host))
            self._users[host] = self._users.get(host, 0) + 1
        try:
            with semaphore:
                with self._lock:
                    now = time.monotonic()
                    start = max(now, self._next_start.get(host, now))
                    self._next_start[host] = start + self.min_delay
                if start > now:
                    self._sleep(start - now)
                yield
        finally:
            with self._lock:
                self._users[host] -= 1

    def _forget_idle(self, now: float) -> None:
        """Forget the hosts nothing waits on whose delay has passed (called with the lock held)."""
        for host in [h for h, users in self._users.items() if not users and self._next_start.get(h, 0.0) <= now]:
            del self._slots[host], self._users[host]
            self._next_start.pop(host, None)

    def known_hosts(self) -> int:
        """How many hosts are remembered."""
        with self._lock:
            return len(self._slots)


class HttpClient:
    """A guarded, polite, size-capped HTTP GET."""

    def __init__(
        self, *, user_agent: str, timeout: float = 20.0, connect_timeout: float = 10.0,
        guard: AddressGuard | None = None, limiter: HostLimiter | None = None,
        transport: httpx.BaseTransport | None = None, max_connections: int = 32,
    ) -> None:
        self.guard = guard or AddressGuard()
        self.limiter = limiter or HostLimiter(per_host=2, min_delay=0.0)
        self.timeout, self.connect_timeout = timeout, connect_timeout
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._client = httpx.Client(
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate, br"},
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment may bypass the guarded transport
            cookies=_no_cookies(),
            transport=transport or _GuardedTransport(self.guard, limits),
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, *, max_bytes: int, headers: Mapping[str, str] | None = None) -> FetchResult:
        """GET ``url`` following redirects; raise FetchError for anything but 2xx/304."""
        return self.request("GET", url, max_bytes=max_bytes, headers=headers)

    def request(
        self, method: str, url: str, *, max_bytes: int, headers: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """``method`` (GET, or POST with a ``form`` body) following redirects (as GETs)."""
        started = time.monotonic()
        deadline: float | None = None
        current, seen, permanent = url, {url}, True
        moved: str | None = None  # where the leading permanent redirects (301/308) lead
        for _ in range(MAX_REDIRECTS + 1):
            self.guard.check(current)
            asked = time.monotonic()
            with self.limiter.slot((urlsplit(current).hostname or "").lower()):
                # one deadline for every hop, from when the first could start; no wait for a slot counts
                waited = time.monotonic() - asked
                deadline = deadline + waited if deadline is not None else time.monotonic() + self.timeout
                hop = self._once(method, current, max_bytes, headers or {}, deadline, form=form)
            if isinstance(hop, FetchResult):
                return _finish(hop, url, moved, started)
            status, location = hop
            method, form = "GET", None
            permanent = permanent and status in _PERMANENT_REDIRECTS
            current = _next_hop(current, location, status)
            if current in seen:
                raise FetchError(f"redirect loop at {current}", permanent=True, status=status)
            seen.add(current)
            moved = current if permanent else moved
        raise FetchError(f"more than {MAX_REDIRECTS} redirects from {url}", permanent=True)

    def _once(
        self, method: str, url: str, max_bytes: int, headers: Mapping[str, str], deadline: float, *,
        form: Mapping[str, str] | None,
    ) -> FetchResult | tuple[int, str]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError(f"timed out after {self.timeout:.0f}s (redirects)")
        timeout = httpx.Timeout(left, connect=min(self.connect_timeout, left))
        try:
            with _deadline(deadline), \
                    self._client.stream(method, url, headers=dict(headers), data=form, timeout=timeout) as response:
                if response.status_code in _REDIRECTS:
                    location = header(response.headers.get("location"), CAPS["url"])
                    if not location:
                        status = response.status_code
                        raise FetchError(f"{status} without a usable Location", status=status)
                    return response.status_code, location
                _raise_for_status(response)
                body = b"" if response.status_code == 304 else _read_capped(response, max_bytes, deadline)
                return FetchResult(
                    url=url, final_url=url, status=response.status_code, body=body,
                    content_type=header(response.headers.get("content-type")) or "",
                    etag=validator(response.headers.get("etag")),
                    last_modified=validator(response.headers.get("last-modified"), 100),
                    max_age=freshness(response.headers), wire_bytes=response.num_bytes_downloaded,
                )
        except httpx.TimeoutException as exc:
            raise FetchError(f"timed out after {self.timeout:.0f}s ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}") from exc


def _next_hop(current: str, location: str, status: int) -> str:
    """The address a redirect from ``current`` leads to; FetchError when ``location`` is no URL."""
    try:
        return _carry_credentials(current, urljoin(current, location))
    except ValueError as exc:  # an unclosed IPv6 bracket, a port that is no number
        raise FetchError(f"{status} without a usable Location: {exc}", status=status) from exc


def _carry_credentials(previous: str, target: str) -> str:
    """``target`` with the user and password of ``previous`` when it names the same host and port
    over the same scheme (or upgrades http to https): a server that redirects to itself by an absolute
    address still gets the feed's credentials, and no other host ever does."""
    old, new = urlsplit(previous), urlsplit(target)
    if "@" not in old.netloc or "@" in new.netloc or (old.hostname, old.port) != (new.hostname, new.port):
        return target
    upgrade = (old.scheme, new.scheme) == ("http", "https") and old.port is None
    if old.scheme != new.scheme and not upgrade:
        return target
    return urlunsplit(new._replace(netloc=old.netloc.rsplit("@", 1)[0] + "@" + new.netloc))


def validator(value: str | None, cap: int = CAPS["header"]) -> str | None:
    """A cache validator (ETag, Last-Modified) worth keeping: printable ASCII within ``cap``, else
    None. It is sent back as a request header, which can carry nothing else; a stored one that
    could not be sent would fail every later request of its feed."""
    return value if value is not None and len(value) <= cap and _PRINTABLE_ASCII.fullmatch(value) else None


def _finish(hop: FetchResult, url: str, moved: str | None, started: float) -> FetchResult:
    return replace(hop, url=url, moved_to=moved, elapsed_ms=int((time.monotonic() - started) * 1000))


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300 or status == 304:
        return
    reason = one_line(response.reason_phrase, "header") or "error"
    raise FetchError(
        f"{status} {reason.lower()}", status=status, permanent=status in PERMANENT_STATUSES,
        retry_after=parse_retry_after(response.headers.get("retry-after")),
    )


def _read_capped(response: httpx.Response, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes and "content-encoding" not in response.headers:
        raise TooLargeError(f"body of {declared} bytes exceeds the cap of {max_bytes}")
    chunks: list[bytes] = []
    # raw bytes, decoded here a bounded amount at a time: the cap also stops compression bombs
    for chunk in decoded(response.iter_raw(), response.headers.get("content-encoding"), max_bytes):
        if time.monotonic() > deadline:
            raise FetchError("timed out reading the body")
        chunks.append(chunk)
    return b"".join(chunks)


def freshness(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds the response stays fresh: ``Cache-Control: max-age`` (or s-maxage), else ``Expires``."""
    control = headers.get("cache-control", "")
    if "no-cache" in control.lower() or "no-store" in control.lower():
        return 0.0
    match = _MAX_AGE.search(control)
    if match:
        return _bounded(float(match.group(1)))
    expires = headers.get("expires")
    if not expires:
        return None
    when = _http_date(expires)
    if when is None:
        return 0.0  # an invalid Expires means "already expired" (RFC 9111 5.3)
    base = _http_date(headers.get("date", "")) or now or datetime.now(UTC)
    return _bounded((when - base).total_seconds())


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return _bounded(float(value))
    when = _http_date(value)
    if when is None:
        return None
    return _bounded((when - (now or datetime.now(UTC))).total_seconds())


def _bounded(seconds: float) -> float:
    """``seconds`` within ``[0, LONGEST_WAIT]``."""
    return min(max(0.0, seconds), LONGEST_WAIT)


def _http_date(value: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when
