"""The HTTP seam against a real local server: guard, caps, redirects, statuses."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from monitor.errors import FetchError
from monitor.fetch.http import AddressGuard, HttpClient, parse_retry_after


def client(allow: tuple[str, ...] = ("127.0.0.1",), transport: httpx.BaseTransport | None = None) -> HttpClient:
    return HttpClient(user_agent="monitor-test/1", timeout=5, guard=AddressGuard(allow), transport=transport)


def streamed(body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    """A 200 whose body is still to be read, as from the network (``content=`` would be read, and
    decoded, when the response is made)."""
    return httpx.Response(200, headers=headers, stream=httpx.ByteStream(body))


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/x", "http://10.0.0.5/", "http://169.254.169.254/latest/meta-data", "http://[::1]/",
    "http://192.168.1.1/", "http://0.0.0.0/", "http://224.0.0.1/",
])
def test_guard_refuses_non_public_addresses(url: str) -> None:
    with pytest.raises(FetchError, match="refused non-public address") as info:
        AddressGuard().check(url)
    assert info.value.permanent


@pytest.mark.parametrize("url", [
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[64:ff9b::7f00:1]/", "http://[64:ff9b::a9fe:a9fe]/latest/meta-data",  # NAT64 to loopback, metadata
    "http://[64:ff9b:1::808:808]/",  # NAT64's local-use prefix
    "http://[2002:7f00:1::]/", "http://[2002:c0a8:101::1]/",  # 6to4 of 127.0.0.1, 192.168.1.1
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo
    "http://[::7f00:1]/", "http://[::a00:5]/",  # IPv4-compatible
    "http://[fec0::1]/",  # site-local
    "http://2130706433/", "http://0177.0.0.1/", "http://0x7f.1/", "http://127.1/", "http://0/",  # IPv4 spellings
    "http://[fe80::1%25eth0]/",  # a zone id
])
def test_guard_refuses_ipv6_and_ipv4_spellings_that_lead_to_non_public_addresses(url: str) -> None:
    with pytest.raises(FetchError, match="refused non-public address") as info:
        AddressGuard().check(url)
    assert info.value.permanent


def test_guard_refuses_a_name_whose_ipv6_answer_leads_to_a_private_ipv4_address() -> None:
    for answer in ("64:ff9b::a00:1", "2002:a00:1::1", "::ffff:10.0.0.1"):
        with pytest.raises(FetchError, match="refused non-public address"):
            AddressGuard(resolver=lambda host, answer=answer: [answer]).check("https://nat64.example/")
    for answer in ("64:ff9b::808:808", "2002:808:808::1", "2606:4700::1111"):  # public behind the prefix
        AddressGuard(resolver=lambda host, answer=answer: [answer]).check("https://nat64.example/")


def test_guard_checks_resolved_addresses() -> None:
    guard = AddressGuard(resolver=lambda host: ["93.184.216.34", "10.1.2.3"])
    with pytest.raises(FetchError, match=r"10\.1\.2\.3"):
        guard.check("https://rebinding.example/")
    AddressGuard(resolver=lambda host: ["93.184.216.34"]).check("https://example.com/")


def test_guard_refuses_other_schemes() -> None:
    with pytest.raises(FetchError, match="refused scheme 'file'"):
        AddressGuard().check("file:///etc/passwd")


def test_fetch_from_allowed_local_server(site: object) -> None:
    from monitor.demo.server import LocalSite

    assert isinstance(site, LocalSite)
    site.put("/feed.xml", "<rss/>", "application/rss+xml")
    with client() as http:
        result = http.get(f"{site.base}/feed.xml", max_bytes=1000)
        assert result.status == 200 and result.body == b"<rss/>" and result.etag
        again = http.get(f"{site.base}/feed.xml", max_bytes=1000, headers={"If-None-Match": result.etag})
        assert again.not_modified and again.body == b""
        with pytest.raises(FetchError, match="404") as info:
            http.get(f"{site.base}/missing", max_bytes=1000)
        assert info.value.permanent and info.value.status == 404
    assert site.requests[0][1]["user-agent"] == "monitor-test/1"


def test_local_server_refused_without_allow_list(site: object) -> None:
    from monitor.demo.server import LocalSite

    assert isinstance(site, LocalSite)
    with client(allow=()) as http, pytest.raises(FetchError, match="non-public"):
        http.get(f"{site.base}/feed.xml", max_bytes=1000)


def test_body_cap_counts_decompressed_bytes() -> None:
    bomb = gzip.compress(b"\0" * 2_000_000)

    def handler(request: httpx.Request) -> httpx.Response:
        return streamed(bomb, {"Content-Encoding": "gzip"})

    with client(allow=("bomb.test",), transport=httpx.MockTransport(handler)) as http, \
            pytest.raises(FetchError, match="exceeds the cap"):
        http.get("http://bomb.test/feed", max_bytes=100_000)


def test_redirects_are_followed_and_loops_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(301, headers={"Location": "/new"})
        if request.url.path == "/new":
            return streamed(b"ok")
        return httpx.Response(302, headers={"Location": "/loop" if request.url.path == "/loop2" else "/loop2"})

    with client(allow=("r.test",), transport=httpx.MockTransport(handler)) as http:
        result = http.get("http://r.test/old", max_bytes=100)
        assert result.final_url == "http://r.test/new" and result.body == b"ok"
        with pytest.raises(FetchError, match="redirect loop"):
            http.get("http://r.test/loop", max_bytes=100)


def test_redirect_to_private_address_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest"})

    with client(allow=("r.test",), transport=httpx.MockTransport(handler)) as http, \
            pytest.raises(FetchError, match="non-public"):
        http.get("http://r.test/", max_bytes=100)


def test_429_carries_retry_after() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "120"})

    with client(allow=("r.test",), transport=httpx.MockTransport(handler)) as http, \
            pytest.raises(FetchError) as info:
        http.get("http://r.test/", max_bytes=100)
    assert info.value.retry_after == 120 and not info.value.permanent


def test_connection_refused_is_temporary() -> None:
    from tests.conftest import free_port

    with client() as http, pytest.raises(FetchError) as info:
        http.get(f"http://127.0.0.1:{free_port()}/feed", max_bytes=100)
    assert not info.value.permanent


def test_retry_after_http_date() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert parse_retry_after("Tue, 24 Nov 2026 12:05:00 GMT", now) == 300
    assert parse_retry_after("soon", now) is None


def test_freshness_headers() -> None:
    from monitor.fetch.http import freshness

    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert freshness({"cache-control": "public, max-age=600"}) == 600
    assert freshness({"cache-control": "s-maxage=300, max-age=60"}) == 300
    assert freshness({"cache-control": "no-cache, max-age=600"}) == 0
    assert freshness({"expires": "Tue, 24 Nov 2026 13:00:00 GMT", "date": "Tue, 24 Nov 2026 12:00:00 GMT"}) == 3600
    assert freshness({"expires": "0"}, now) == 0
    assert freshness({}) is None


def test_huge_freshness_and_retry_after_are_bounded() -> None:
    from monitor.fetch.http import LONGEST_WAIT, freshness

    huge = "9" * 400  # more seconds than a float, let alone a timedelta, can hold
    assert freshness({"cache-control": f"max-age={huge}"}) == LONGEST_WAIT
    assert freshness({"expires": "Fri, 31 Dec 9999 23:59:59 GMT", "date": "Tue, 24 Nov 2026 12:00:00 GMT"}) \
        == LONGEST_WAIT
    assert parse_retry_after(huge) == LONGEST_WAIT
    assert parse_retry_after("\u00b2") is None  # a digit to str.isdigit, not a number


def test_host_limiter_spaces_requests_to_one_host() -> None:
    from monitor.fetch.http import HostLimiter

    waits: list[float] = []
    limiter = HostLimiter(per_host=1, min_delay=2.0, sleep=waits.append)
    for _ in range(3):
        with limiter.slot("a.example"):
            pass
    with limiter.slot("b.example"):
        pass
    # starts are spaced 2 s apart on a.example (the sleeps are recorded, not slept); b.example waits for nothing
    assert len(waits) == 2 and 1.5 < waits[0] <= 2.0 and 3.5 < waits[1] <= 4.0


def test_brotli_and_gzip_bodies_are_decoded() -> None:
    import brotli

    bodies = {"/br": (brotli.compress(b"<rss>br</rss>"), "br"), "/gz": (gzip.compress(b"<rss>gz</rss>"), "gzip")}

    def handler(request: httpx.Request) -> httpx.Response:
        body, encoding = bodies[request.url.path]
        assert "br" in request.headers["accept-encoding"]
        return streamed(body, {"Content-Encoding": encoding})

    with client(allow=("c.test",), transport=httpx.MockTransport(handler)) as http:
        assert http.get("http://c.test/br", max_bytes=1000).body == b"<rss>br</rss>"
        assert http.get("http://c.test/gz", max_bytes=1000).body == b"<rss>gz</rss>"


def test_dns_rebinding_is_refused_at_connect_time(site: object) -> None:
    from monitor.demo.server import LocalSite

    assert isinstance(site, LocalSite)
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])  # public when checked, loopback when connecting
    guard = AddressGuard(resolver=lambda host: next(answers))
    port = site.base.rsplit(":", 1)[1]
    with HttpClient(user_agent="t", timeout=5, guard=guard) as http, \
            pytest.raises(FetchError, match=r"non-public address 127\.0\.0\.1"):
        http.get(f"http://rebind.test:{port}/feed.xml", max_bytes=1000)
    assert site.requests == []


def test_connections_go_to_the_checked_address(site: object) -> None:
    from monitor.demo.server import LocalSite

    assert isinstance(site, LocalSite)
    site.put("/feed.xml", "<rss/>", "application/rss+xml")
    guard = AddressGuard(allow_hosts=["pinned.test"], resolver=lambda host: ["127.0.0.1"])
    port = site.base.rsplit(":", 1)[1]
    with HttpClient(user_agent="t", timeout=5, guard=guard) as http:
        assert http.get(f"http://pinned.test:{port}/feed.xml", max_bytes=1000).body == b"<rss/>"
    assert site.requests[0][1]["host"] == f"pinned.test:{port}"


class _HangingResolver:
    """A name server that does not answer until released (the system's may take minutes)."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def __call__(self, host: str) -> list[str]:
        self.release.wait(timeout=60)
        return ["93.184.216.34"]


def test_a_lookup_that_gets_no_answer_fails_the_fetch_within_its_timeout() -> None:
    resolver = _HangingResolver()
    guard = AddressGuard(resolver=resolver, lookup_timeout=0.5)
    try:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"cannot resolve slow\.test: no answer within 0\.5s"):
            guard.check("https://slow.test/feed.xml")
        with HttpClient(user_agent="t", timeout=5, guard=guard) as http, \
                pytest.raises(FetchError, match=r"cannot resolve slow\.test"):
            http.get("https://slow.test/feed.xml", max_bytes=1000)
        assert time.monotonic() - started < 10  # two lookups of half a second, not a minute each
    finally:
        resolver.release.set()


class DripServer:
    """A raw local server that sends its answer one byte every ``pause`` seconds (status line and
    headers included) after ``delay`` seconds; ``/hopN`` redirects to ``/hop(N+1)``."""

    def __init__(self, pause: float = 0.5, delay: float = 0.0) -> None:
        self.pause, self.delay = pause, delay
        self.stopped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                peer, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(peer,), daemon=True).start()

    def _serve(self, peer: socket.socket) -> None:
        with peer:
            path = peer.recv(65536).split(b" ", 2)[1]
            if self.stopped.wait(self.delay):
                return
            if path.startswith(b"/hop"):
                answer = b"HTTP/1.1 302 Found\r\nLocation: /hop%d\r\nContent-Length: 0\r\n\r\n" % (int(path[4:]) + 1)
                peer.sendall(answer)
                return
            answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nX-Pad: " + b"a" * 80 + \
                b"\r\nContent-Length: 6\r\n\r\n<rss/>"
            for byte in answer:  # 120 bytes: a minute in all
                if self.stopped.wait(self.pause):
                    return
                try:
                    peer.sendall(bytes([byte]))
                except OSError:
                    return

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()


@pytest.fixture
def drip() -> Iterator[DripServer]:
    server = DripServer()
    yield server
    server.stop()


def test_the_deadline_covers_a_status_line_and_headers_sent_a_byte_at_a_time(drip: DripServer) -> None:
    started = time.monotonic()
    with HttpClient(user_agent="t", timeout=2, guard=AddressGuard(["127.0.0.1"])) as http, \
            pytest.raises(FetchError, match="timed out after 2s"):
        http.get(f"{drip.base}/feed.xml", max_bytes=1000)
    assert time.monotonic() - started < 30  # the server would take a minute


def test_the_deadline_covers_every_redirect_hop() -> None:
    slow = DripServer(delay=1.5)  # each hop answers after 1.5 s: under the timeout, but not six times over
    try:
        with HttpClient(user_agent="t", timeout=3, guard=AddressGuard(["127.0.0.1"])) as http, \
                pytest.raises(FetchError, match="timed out after 3s"):
            http.get(f"{slow.base}/hop0", max_bytes=1000)
    finally:
        slow.stop()


def test_credentials_follow_a_redirect_to_the_same_host_and_never_to_another(site: object) -> None:
    from monitor.demo.server import LocalSite

    assert isinstance(site, LocalSite)
    port = site.base.rsplit(":", 1)[1]
    site.put("/new", "<rss/>", "application/rss+xml")
    site.redirect("/same", f"http://127.0.0.1:{port}/new")  # absolute, as many servers still write it
    site.redirect("/other", f"http://other.test:{port}/new")
    guard = AddressGuard(["127.0.0.1", "other.test"], resolver=lambda host: ["127.0.0.1"])
    with HttpClient(user_agent="t", timeout=5, guard=guard) as http:
        moved = http.get(f"http://reader:s3cret@127.0.0.1:{port}/same", max_bytes=1000).moved_to
        http.get(f"http://reader:s3cret@127.0.0.1:{port}/other", max_bytes=1000)
    basic = "Basic cmVhZGVyOnMzY3JldA=="
    assert [(path, h.get("authorization")) for path, h in site.requests] == [
        ("/same", basic), ("/new", basic), ("/other", basic), ("/new", None),
    ]
    assert moved == f"http://reader:s3cret@127.0.0.1:{port}/new"  # the feed keeps its credentials where it moved


def test_credentials_are_kept_only_on_the_same_origin_or_an_upgrade_to_https() -> None:
    from monitor.fetch.http import _carry_credentials

    assert _carry_credentials("http://u:p@a.example/x", "https://a.example/y") == "https://u:p@a.example/y"
    assert _carry_credentials("https://u:p@a.example/x", "http://a.example/y") == "http://a.example/y"
    assert _carry_credentials("https://u:p@a.example/x", "https://a.example:8443/y") == "https://a.example:8443/y"
    assert _carry_credentials("https://u:p@a.example/x", "https://b.example/y") == "https://b.example/y"
    assert _carry_credentials("https://u:p@a.example/x", "https://v:q@a.example/y") == "https://v:q@a.example/y"


def test_a_wait_for_the_host_slot_between_redirect_hops_is_not_part_of_the_timeout(site: object) -> None:
    from monitor.demo.server import LocalSite
    from monitor.fetch.http import HostLimiter

    assert isinstance(site, LocalSite)
    site.put("/new", "<rss/>", "application/rss+xml")
    site.redirect("/old", "/new")
    # the second hop waits its host's delay (4 s), longer than the whole request may take (2 s)
    limiter = HostLimiter(per_host=1, min_delay=4.0)
    with HttpClient(user_agent="t", timeout=2, guard=AddressGuard(["127.0.0.1"]), limiter=limiter) as http:
        assert http.get(f"{site.base}/old", max_bytes=1000).body == b"<rss/>"
    assert [path for path, _ in site.requests] == ["/old", "/new"]


@pytest.mark.parametrize("location", ["http://[x/feed", "http://r.test:99999/feed"])
def test_a_location_that_is_no_url_is_a_fetch_error(location: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": location})

    with client(allow=("r.test",), transport=httpx.MockTransport(handler)) as http, \
            pytest.raises(FetchError, match="302 without a usable Location") as info:
        http.get("http://u:p@r.test/feed", max_bytes=100)
    assert info.value.status == 302


def test_an_address_that_refuses_the_connection_is_passed_over_for_the_next(site: object) -> None:
    from monitor.demo.server import LocalSite

    assert isinstance(site, LocalSite)
    site.put("/feed.xml", "<rss/>", "application/rss+xml")
    # the site listens on 127.0.0.1 only: 127.0.0.2 refuses, as a dead server behind one of several A records does
    guard = AddressGuard(allow_hosts=["multi.test"], resolver=lambda host: ["127.0.0.2", "127.0.0.1"])
    port = site.base.rsplit(":", 1)[1]
    with HttpClient(user_agent="t", timeout=5, guard=guard) as http:
        assert http.get(f"http://multi.test:{port}/feed.xml", max_bytes=1000).body == b"<rss/>"


def test_every_address_checked_is_refused_when_none_answers() -> None:
    from tests.conftest import free_port

    guard = AddressGuard(allow_hosts=["multi.test"], resolver=lambda host: ["127.0.0.2", "127.0.0.1"])
    with HttpClient(user_agent="t", timeout=5, guard=guard) as http, pytest.raises(FetchError) as info:
        http.get(f"http://multi.test:{free_port()}/feed.xml", max_bytes=1000)
    assert "ConnectError" in str(info.value) and not info.value.permanent


def test_a_feed_moves_as_far_as_its_permanent_redirects_lead() -> None:
    routes = {"/old": (301, "/new"), "/new": (302, "/today"), "/gone": (302, "/new"),
              "/a": (308, "/b"), "/b": (301, "/c")}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path in routes:
            status, location = routes[request.url.path]
            return httpx.Response(status, headers={"Location": location})
        return streamed(b"ok")

    with client(allow=("r.test",), transport=httpx.MockTransport(handler)) as http:
        assert http.get("http://r.test/old", max_bytes=100).moved_to == "http://r.test/new"  # not /today
        assert http.get("http://r.test/gone", max_bytes=100).moved_to is None
        assert http.get("http://r.test/a", max_bytes=100).moved_to == "http://r.test/c"
        assert http.get("http://r.test/c", max_bytes=100).moved_to is None


def test_cookies_a_server_sets_are_neither_kept_nor_sent_back() -> None:
    sent: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("cookie"))
        return httpx.Response(200, headers={"Set-Cookie": f"k{len(sent)}=v; Max-Age=99999999"},
                              stream=httpx.ByteStream(b"ok"))

    with client(allow=("r.test",), transport=httpx.MockTransport(handler)) as http:
        for _ in range(3):
            http.get("http://r.test/feed", max_bytes=100)
    assert sent == [None, None, None]


def _known_after_fifty_hosts(min_delay: float) -> tuple[int, bool]:
    """How many hosts a limiter keeping 8 remembers after 50 were used while one stayed busy, and
    whether the busy one is among them."""
    from monitor.fetch.http import HostLimiter

    waits: list[float] = []
    limiter = HostLimiter(per_host=1, min_delay=min_delay, sleep=waits.append)
    limiter.KEPT_HOSTS = 8
    with limiter.slot("busy.example"):
        for n in range(50):
            with limiter.slot(f"h{n}.example"):
                pass
        known = limiter.known_hosts(), "busy.example" in limiter._slots
    assert waits == []
    return known


def test_the_politeness_table_forgets_idle_hosts_but_not_busy_or_recent_ones() -> None:
    assert _known_after_fifty_hosts(3600.0) == (50 + 1, True)  # each was used within its hour: its delay holds
    known, busy = _known_after_fifty_hosts(0.0)
    assert known <= 8 + 1 and busy  # idle hosts whose delay passed are forgotten; the busy one stays
