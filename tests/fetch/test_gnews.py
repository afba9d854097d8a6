"""Google News link resolution against a local stand-in for Google News (the real one is not reachable here)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from monitor.config import load_config
from monitor.context import Context, build_context
from monitor.errors import FetchError
from monitor.fetch.gnews import GoogleNewsResolver
from monitor.fetch.http import AddressGuard, HttpClient
from monitor.pipeline import poll_due
from monitor.startup import start
from monitor.store import feeds as feed_store
from monitor.store.schema import ItemRow
from tests.conftest import DATA, write_config

ARTICLE_ID = "AU_yqLPtestOpaqueId"


class FakeGoogle:
    """Answers the article page (with a signature) and the batchexecute call, like Google News does."""

    def __init__(self) -> None:
        self.posts: list[dict[str, list[str]]] = []
        self.pages: dict[str, bytes] = {}
        self.target = ""
        self.timestamp = "1732400000"
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == f"/articles/{ARTICLE_ID}":
                    self._send(b'<html><body><c-wiz><div data-n-a-sg="SIG123" data-n-a-ts="%s">'
                               b"</div></c-wiz></body></html>" % fake.timestamp.encode(), "text/html")
                elif self.path in fake.pages:
                    self._send(fake.pages[self.path], "text/html; charset=utf-8")
                else:
                    self.send_error(404)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = parse_qs(self.rfile.read(length).decode())
                fake.posts.append(form)
                inner = json.dumps(["garturlreq", fake.target, 1])
                answer = ")]}'\n\n" + json.dumps([["wrb.fr", "Fbv4je", inner, None, None, None, "generic"]])
                self._send(answer.encode(), "application/json")

            def _send(self, body: bytes, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.target = f"{self.base}/news/publisher-story.html"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    fake = FakeGoogle()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def test_resolve_opaque_link(google: FakeGoogle) -> None:
    with HttpClient(user_agent="t", timeout=5, guard=AddressGuard(["127.0.0.1"])) as http:
        resolver = GoogleNewsResolver(http, google.base)
        link = f"{google.base}/rss/articles/{ARTICLE_ID}?oc=5"
        assert resolver.handles(link) and not resolver.handles("https://dawn.example/rss/articles/x")
        assert resolver.resolve(link) == google.target
    request = json.loads(google.posts[0]["f.req"][0])[0][0]
    assert request[0] == "Fbv4je"
    assert json.loads(request[1])[2:] == [ARTICLE_ID, 1732400000, "SIG123"]


def test_unexpected_answer_is_a_fetch_error(google: FakeGoogle) -> None:
    google.target = "not a url"
    with HttpClient(user_agent="t", timeout=5, guard=AddressGuard(["127.0.0.1"])) as http, \
            pytest.raises(FetchError, match="no URL in the answer"):
        GoogleNewsResolver(http, google.base).resolve(f"{google.base}/rss/articles/{ARTICLE_ID}")


@pytest.mark.parametrize("timestamp", ["1.7e9", "", "9" * 5000])
def test_an_unreadable_article_page_is_a_fetch_error(google: FakeGoogle, timestamp: str) -> None:
    google.timestamp = timestamp
    with HttpClient(user_agent="t", timeout=5, guard=AddressGuard(["127.0.0.1"])) as http, \
            pytest.raises(FetchError, match="google news: "):
        GoogleNewsResolver(http, google.base).resolve(f"{google.base}/rss/articles/{ARTICLE_ID}")
    assert google.posts == []


def started(tmp_path: Path, db_url: str, google: FakeGoogle, feed: str) -> Context:
    """A started context whose one feed is ``feed``, served as the Google News search."""
    google.pages["/rss/search"] = feed.encode()
    path = write_config(tmp_path / "w.yaml", database_url=db_url, feeds=[{"url": f"{google.base}/rss/search"}],
                        google_news={"enabled": False, "base_url": google.base})
    ctx = build_context(load_config(path))
    start(ctx)
    return ctx


def test_google_news_entry_is_stored_under_the_publisher_url(tmp_path: Path, db_url: str, google: FakeGoogle) -> None:
    page = (DATA / "e2e" / "senate-committee-prison-visits.html").read_bytes()
    google.pages["/news/publisher-story.html"] = page
    feed = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Google News</title>
      <item><title>Senate committee summons PTI founder's legal team - Frontier Bulletin</title>
      <link>{google.base}/rss/articles/{ARTICLE_ID}?oc=5</link><guid isPermaLink="false">{ARTICLE_ID}</guid>
      <source url="https://frontier.example">Frontier Bulletin</source>
      <description>Imran Khan's lawyers asked to appear.</description></item></channel></rss>"""
    ctx = started(tmp_path, db_url, google, feed)
    try:
        (outcome,) = poll_due(ctx)
        assert outcome.new_items == 1 and outcome.relevant == 1
        with ctx.db.session() as session:
            item = session.scalars(select(ItemRow)).one()
        assert item.url == google.target and item.text_source == "page" and item.outlet == "Frontier Bulletin"
        assert "Committee chair Farhat Baig" in item.text
    finally:
        ctx.close()


@pytest.mark.parametrize(("path", "stored"), [
    ("/news/story\x1b[2J\x07\u202e.html", "/news/story%1B[2J%07%E2%80%AE.html"),  # unsafe characters encoded
    ("/news/" + "a" * 2100, None),  # over the cap on links: the Google link is kept
])
def test_a_resolved_link_is_made_safe_and_capped(
    tmp_path: Path, db_url: str, google: FakeGoogle, path: str, stored: str | None,
) -> None:
    google.target = f"{google.base}{path}"
    feed = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Google News</title>
      <item><title>Imran Khan appeal hearing adjourned</title>
      <link>{google.base}/rss/articles/{ARTICLE_ID}?oc=5</link><guid isPermaLink="false">{ARTICLE_ID}</guid>
      <description>Imran Khan's lawyers asked to appear.</description></item></channel></rss>"""
    ctx = started(tmp_path, db_url, google, feed)
    try:
        (outcome,) = poll_due(ctx)
        assert outcome.new_items == 1
        with ctx.db.session() as session:
            item = session.scalars(select(ItemRow)).one()
        expected = f"{google.base}{stored}" if stored else f"{google.base}/rss/articles/{ARTICLE_ID}?oc=5"
        assert item.url == expected
    finally:
        ctx.close()


def test_a_database_failure_while_resolving_fails_the_feed_so_the_entry_is_retried(
    tmp_path: Path, db_url: str, google: FakeGoogle, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy.exc import OperationalError

    from monitor.store import items as item_store

    def down(*_: object) -> bool:
        raise OperationalError("SELECT", {}, Exception("the database went away"))

    google.pages["/news/publisher-story.html"] = (DATA / "e2e" / "senate-committee-prison-visits.html").read_bytes()
    feed = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Google News</title>
      <item><title>Senate committee summons PTI founder's legal team - Frontier Bulletin</title>
      <link>{google.base}/rss/articles/{ARTICLE_ID}?oc=5</link><guid isPermaLink="false">{ARTICLE_ID}</guid>
      <description>Imran Khan's lawyers asked to appear.</description></item></channel></rss>"""
    ctx = started(tmp_path, db_url, google, feed)
    try:
        monkeypatch.setattr(item_store, "entry_seen", down)
        (outcome,) = poll_due(ctx)
        assert outcome.result == "error" and "store" in (outcome.error or "")  # recorded, not silently dropped
        with ctx.db.session() as session:
            assert session.scalars(select(ItemRow)).all() == []
            (state,) = feed_store.all_feeds(session)
        assert state.etag is None and state.body_hash is None  # the feed is read again in full next time
    finally:
        ctx.close()
