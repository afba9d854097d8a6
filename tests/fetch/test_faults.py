"""Fault tests: a real misbehaving local HTTP server. Every feed ends with its state recorded
and the daemon alive for the next cycle."""

from __future__ import annotations

import email
import email.policy
import gzip
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from monitor import scheduler
from monitor.clock import FrozenClock
from monitor.config import load_config
from monitor.context import Context, build_context
from monitor.daemon import run_once
from monitor.startup import start
from monitor.store import feeds as feed_store
from monitor.store.schema import FeedRow
from monitor.types import FeedState
from tests.conftest import SmtpSink, free_port, write_config
from tests.fetch.test_decode import brotli_bomb

Handler = Callable[[BaseHTTPRequestHandler], None]
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def rss(*items: tuple[str, str], extra: str = "") -> bytes:
    body = "".join(f"<item><title>{title}</title><link>https://pub.example/{guid}</link><guid isPermaLink=\"false\">"
                   f"{guid}</guid><description>Teaser about the Karachi port.</description></item>"
                   for guid, title in items)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>{extra}{body}' \
           f"</channel></rss>".encode()


def reply(status: int, body: bytes = b"", headers: dict[str, str] | None = None,
          content_type: str = "application/rss+xml") -> Handler:
    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
    return handle


def slow_down(h: BaseHTTPRequestHandler) -> None:
    """429 with a Retry-After date three hours after this answer (not after the module was imported)."""
    later = format_datetime(datetime.now(UTC) + timedelta(hours=3), usegmt=True)
    reply(429, b"slow down", {"Retry-After": later}, "text/plain")(h)


def truncated(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Content-Length", "5000")
    h.end_headers()
    h.wfile.write(rss(("t1", "Cut"))[:80])
    h.wfile.flush()
    h.close_connection = True


def endless(h: BaseHTTPRequestHandler) -> None:
    """A 50 MB body sent without a Content-Length (the cap must stop it while reading)."""
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.end_headers()
    chunk = b"<!-- padding -->" * 65536
    try:
        for _ in range(50):
            h.wfile.write(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    h.close_connection = True


def dripping(h: BaseHTTPRequestHandler) -> None:
    """Headers at once, then a byte every 0.2 s: only a total deadline stops it."""
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Content-Length", "100")
    h.end_headers()
    try:
        for _ in range(100):
            h.wfile.write(b" ")
            h.wfile.flush()
            time.sleep(0.2)
    except (BrokenPipeError, ConnectionResetError):
        pass


class FaultServer:
    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        routes = self.routes

        class H(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                handler = routes.get(self.path)
                if handler is None:
                    self.send_error(404)
                    return
                handler(self)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, address: None  # type: ignore[method-assign] # dropped peers
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def faults() -> Iterator[FaultServer]:
    server = FaultServer()
    yield server
    server.stop()


ROUTES: dict[str, Handler] = {
    "/500": reply(500, b"boom", content_type="text/plain"),
    "/503": reply(503, b"busy", {"Retry-After": "7200"}, "text/plain"),
    "/429": slow_down,
    "/truncated": truncated,
    "/malformed": reply(200, rss(("m1", "Broken &amp; recovered"))[:-20] + b"<item><title>Unclosed"),
    "/cut-off": reply(200, rss(("c1", "Cut off before its closing tags"))[:-len("</channel></rss>")]),
    "/garbage": reply(200, b"\x00\x01<<<not xml at all>>>\xff"),
    "/loop-a": reply(302, b"", {"Location": "/loop-b"}),
    "/loop-b": reply(302, b"", {"Location": "/loop-a"}),
    "/html": reply(200, b"<html><head><title>Home</title></head><body><p>Welcome</p></body></html>",
                   content_type="text/html"),
    "/image": reply(200, b"\x89PNG\r\n\x1a\n....", content_type="image/png"),
    "/bad-utf8": reply(200, rss(("u1", "Caf\xe9 owners meet"), ("u2", "Second"))
                       .replace("Café".encode(), b"Caf\xe9"), content_type="application/rss+xml; charset=utf-8"),
    "/dup-guids": reply(200, rss(("same", "First copy"), ("same", "Second copy"), ("other", "Other"))),
    "/slow": dripping,
    "/gone": reply(410, b"gone", content_type="text/plain"),
    "/gzip-gzip": reply(200, gzip.compress(gzip.compress(rss(("g1", "Twice")))), {"Content-Encoding": "gzip, gzip"}),
}


# Bodies over the cap: stopped by the cap, not by the deadline, however slowly a loaded machine reads.
OVERSIZED: dict[str, Handler] = {
    "/huge-declared": reply(200, b"x" * (11 * 1024 * 1024)),
    "/huge-streamed": endless,
    "/bomb": reply(200, gzip.compress(b"\0" * (100 * 1024 * 1024)), {"Content-Encoding": "gzip"}),
    "/br-bomb": reply(200, brotli_bomb(256 << 20), {"Content-Encoding": "br"}),
}


def context(tmp_path: Path, db_url: str, faults: FaultServer, smtp: SmtpSink, routes: dict[str, Handler] | None = None,
            **polling: object) -> Context:
    routes = ROUTES if routes is None else routes
    faults.routes.update(routes)
    feeds = [{"url": f"{faults.base}{path}"} for path in routes]
    feeds.append({"url": f"http://127.0.0.1:{free_port()}/refused"})
    path = write_config(
        tmp_path / "w.yaml", database_url=db_url, feeds=feeds, admin_channel="ops",
        channels=[{"name": "ops", "url": smtp.url("ops@example.com"), "format": "text"}],
        polling={"allow_hosts": ["127.0.0.1"], "timeout": "5s", "host_delay": "0s", "per_host": 8,
                 "concurrency": 8, "max_feed_bytes": "10MB", "disable_after": 2, **polling},
    )
    ctx = build_context(load_config(path), clock=FrozenClock(NOW))
    start(ctx)
    return ctx


def mails(smtp: SmtpSink) -> list[str]:
    out = []
    for envelope in smtp.messages:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        body = message.get_body(("plain", "html"))
        out.append(f"{message['Subject']}\n{body.get_content() if body else ''}")
    return out


def states(ctx: Context) -> dict[str, FeedState]:
    with ctx.db.session() as session:
        return {f.url.rsplit("/", 1)[-1]: f for f in feed_store.all_feeds(session)}


def test_every_fault_is_recorded_and_the_daemon_goes_on(
    tmp_path: Path, db_url: str, faults: FaultServer, smtp: SmtpSink,
) -> None:
    ctx = context(tmp_path, db_url, faults, smtp)
    try:
        report = run_once(ctx, digests=False)
        assert len(report.feeds) == len(ROUTES) + 1
        got = states(ctx)
        expect_error = {
            "500": "fetch: 500", "503": "fetch: 503", "429": "fetch: 429", "truncated": "fetch:",
            "garbage": "parse: not a feed", "loop-a": "redirect loop", "html": "parse: not a feed",
            "image": "image/png is not a feed", "slow": "timed out", "gone": "fetch: 410", "refused": "fetch:",
            "gzip-gzip": "fetch: refused stacked content encodings",
        }
        for name, needle in expect_error.items():
            state = got[name]
            assert state.last_status == "error" and needle in (state.last_error or ""), (name, state.last_error)
            assert state.error_count == 1 and state.next_poll_at is not None and state.next_poll_at > NOW, name
        for name in ("bad-utf8", "dup-guids"):
            assert got[name].last_status == "200" and got[name].error_count == 0, (name, got[name].last_error)
        # A malformed document is a recorded parse error that counts, and its readable entry is kept.
        malformed = got["malformed"]
        assert malformed.last_status == "error" and malformed.error_count == 1
        assert (malformed.last_error or "").startswith("parse: malformed document: not well-formed (invalid token)")
        assert [o.new_items for o in report.feeds if o.feed_url.endswith("/malformed")] == [1]
        assert (got["cut-off"].last_error or "").startswith("parse: malformed document: no element found")
        assert [o.new_items for o in report.feeds if o.feed_url.endswith("/cut-off")] == [1]
        assert got["dup-guids"].items_last_poll == 2  # the repeated GUID is one item
        assert got["bad-utf8"].items_last_poll == 2
        # Retry-After pushes the next poll out; jittered back-off keeps others apart.
        assert got["503"].next_poll_at >= NOW + timedelta(hours=2)
        assert got["429"].next_poll_at >= NOW + timedelta(hours=2, minutes=59)
        # The daemon is alive: another cycle runs (nothing is due yet, so nothing is fetched).
        assert run_once(ctx, digests=False).feeds == ()
    finally:
        ctx.close()


def test_oversized_bodies_are_stopped_by_the_cap(
    tmp_path: Path, db_url: str, faults: FaultServer, smtp: SmtpSink,
) -> None:
    ctx = context(tmp_path, db_url, faults, smtp, routes=OVERSIZED, timeout="120s")
    try:
        run_once(ctx, digests=False)
        got = states(ctx)
        for name in ("huge-declared", "huge-streamed", "bomb", "br-bomb"):
            assert got[name].last_status == "error" and "exceeds the cap" in (got[name].last_error or ""), name
    finally:
        ctx.close()


def test_permanent_failures_disable_the_feed_and_alert_once(
    tmp_path: Path, db_url: str, faults: FaultServer, smtp: SmtpSink,
) -> None:
    quick = {path: handler for path, handler in ROUTES.items() if path != "/slow"}  # else each poll waits 5 s
    ctx = context(tmp_path, db_url, faults, smtp, routes=quick)
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    try:
        run_once(ctx, digests=False)
        assert states(ctx)["gone"].enabled
        clock.advance(timedelta(days=2))
        run_once(ctx, digests=False)
        gone = states(ctx)["gone"]
        assert not gone.enabled and gone.permanent_failures == 2
        alerts = [text for text in mails(smtp) if "/gone" in text]
        assert len(alerts) == 1 and "was disabled after 2 permanent failures" in alerts[0]
        assert f"monitor feeds enable {gone.id}" in alerts[0]
        clock.advance(timedelta(days=2))
        run_once(ctx, digests=False)
        assert "gone" not in {o.feed_url.rsplit("/", 1)[-1] for o in run_once(ctx, digests=False).feeds}
        assert len([text for text in mails(smtp) if "/gone" in text]) == 1  # told once
        # A temporary failure lasting over a day is reported too, once.
        assert len([text for text in mails(smtp) if "/500>" in text and "failing since" in text]) == 1
        with ctx.db.session() as session:
            feed_store.enable_feed(session, gone.id, clock.now())
        assert states(ctx)["gone"].enabled and states(ctx)["gone"].error_count == 0
    finally:
        ctx.close()


def test_an_outage_then_a_disabled_feed_are_two_alerts_and_a_refused_alert_is_sent_again(
    tmp_path: Path, db_url: str, faults: FaultServer, smtp: SmtpSink,
) -> None:
    ctx = context(tmp_path, db_url, faults, smtp, routes={"/flaky": reply(503)})
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)

    def alerts() -> list[str]:
        return [text for text in mails(smtp) if "/flaky>" in text]

    try:
        run_once(ctx, digests=False)
        smtp.refuse = True
        clock.advance(timedelta(days=2))
        run_once(ctx, digests=False)  # failing for two days: the alert is refused
        smtp.refuse = False
        assert alerts() == []
        clock.advance(timedelta(days=2))
        run_once(ctx, digests=False)  # told at the next failure
        (outage,) = alerts()
        assert "has been failing since" in outage and "retried with back-off" in outage
        faults.routes["/flaky"] = reply(404)
        for _ in range(2):
            clock.advance(timedelta(days=2))
            run_once(ctx, digests=False)
        assert not states(ctx)["flaky"].enabled
        assert len(alerts()) == 2 and "was disabled after 2 permanent failures" in alerts()[1]
    finally:
        ctx.close()


def late_slow_down(h: BaseHTTPRequestHandler) -> None:
    """A 429 that takes 1.5 s to arrive and asks for 2 s more."""
    time.sleep(1.5)
    reply(429, b"slow down", {"Retry-After": "2"}, "text/plain")(h)


def test_retry_after_counts_from_the_answer(tmp_path: Path, db_url: str, faults: FaultServer) -> None:
    faults.routes["/late"] = late_slow_down
    path = write_config(tmp_path / "w.yaml", database_url=db_url, feeds=[{"url": f"{faults.base}/late"}],
                        polling={"allow_hosts": ["127.0.0.1"], "timeout": "5s", "host_delay": "0s",
                                 "min_interval": "1s"})
    ctx = build_context(load_config(path))  # the real clock: the wait is measured from when the answer came
    try:
        start(ctx)
        asked = datetime.now(UTC)
        run_once(ctx, digests=False)
        late = states(ctx)["late"]
        assert late.last_status == "error" and (late.last_error or "").startswith("fetch: 429")
        assert late.next_poll_at is not None and late.next_poll_at >= asked + timedelta(seconds=3.5)
    finally:
        ctx.close()


HUGE = "99999999999999"  # seconds: more than a timedelta can hold


def test_huge_freshness_and_retry_after_are_bounded(tmp_path: Path, db_url: str, faults: FaultServer,
                                                    smtp: SmtpSink) -> None:
    routes = {
        "/max-age": reply(200, rss(("a1", "Fresh for ever")), {"Cache-Control": f"max-age={HUGE}"}),
        "/retry-after": reply(503, b"busy", {"Retry-After": HUGE}, "text/plain"),
        "/plain": reply(200, rss(("p1", "Plain"))),
    }
    ctx = context(tmp_path, db_url, faults, smtp, routes=routes)
    try:
        run_once(ctx)  # digests included: the pass ends normally
        got = states(ctx)
        assert got["max-age"].last_status == "200" and got["max-age"].next_poll_at == NOW + timedelta(hours=6)
        assert got["plain"].last_status == "200"
        late = got["retry-after"]
        assert late.last_status == "error" and (late.last_error or "").startswith("fetch: 503")
        assert late.next_poll_at == NOW + timedelta(hours=24)  # 4x max_interval at most
        assert all(state.claimed_until is None for state in got.values())
    finally:
        ctx.close()


def test_an_unexpected_failure_finishing_one_feed_is_recorded_as_its_own(
    tmp_path: Path, db_url: str, faults: FaultServer, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = scheduler.next_poll

    def next_poll(now: datetime, policy: scheduler.PollPolicy, **kwargs: Any) -> datetime:
        if kwargs.get("max_age") == 4242:  # stands in for a bug reached by one feed's answer
            raise OverflowError("date value out of range")
        return real(now, policy, **kwargs)

    monkeypatch.setattr(scheduler, "next_poll", next_poll)
    routes = {"/odd": reply(200, rss(("o1", "Odd")), {"Cache-Control": "max-age=4242"}),
              "/plain": reply(200, rss(("p1", "Plain")))}
    ctx = context(tmp_path, db_url, faults, smtp, routes=routes)
    try:
        report = run_once(ctx)
        got = states(ctx)
        assert got["odd"].last_status == "error" and got["odd"].error_count == 1
        assert got["odd"].last_error == "poll: OverflowError: date value out of range"
        assert got["plain"].last_status == "200" and got["refused"].last_status == "error"
        assert len(report.feeds) == 3 and all(state.claimed_until is None for state in got.values())
    finally:
        ctx.close()


def test_a_non_ascii_validator_is_not_kept_and_a_stored_one_never_stops_the_request(
    tmp_path: Path, db_url: str, faults: FaultServer, smtp: SmtpSink,
) -> None:
    asked: list[str | None] = []

    def accented(h: BaseHTTPRequestHandler) -> None:  # http.server writes header values in Latin-1
        asked.append(h.headers.get("If-None-Match"))
        validators = {"ETag": '"caf\u00e9"', "Last-Modified": "Mon, 07 D\u00e9c 2026 10:00:00 GMT"}
        reply(200, rss(("v1", "Validators")), validators)(h)

    ctx = context(tmp_path, db_url, faults, smtp, routes={"/accented": accented})
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    try:
        run_once(ctx, digests=False)
        state = states(ctx)["accented"]
        assert state.last_status == "200" and state.etag is None and state.last_modified is None
        with ctx.db.session() as session:  # as an earlier version stored them
            session.execute(update(FeedRow).where(FeedRow.id == state.id).values(
                etag='"caf\u00e9"', last_modified="Mon, 07 D\u00e9c 2026 10:00:00 GMT", body_hash=None))
        clock.advance(timedelta(days=1))
        run_once(ctx, digests=False)
        again = states(ctx)["accented"]
        assert again.last_status == "200" and again.error_count == 0 and asked == [None, None]
    finally:
        ctx.close()
