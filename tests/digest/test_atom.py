"""The Atom feed of developments: valid, escaped, newest first; and `monitor feed` / `monitor test-notify`."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from monitor.cli import main
from monitor.digest.atom import atom_feed
from monitor.types import Article, DigestEntry, FeedEntry, FeedSpec, Judgement, NewItem, Relevance
from tests.conftest import SmtpSink, free_port, write_config

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def item(item_id: int, title: str, hour: int) -> DigestEntry:
    return DigestEntry(item_id=item_id, title=title, url=f"https://pub.example/{item_id}", outlet="Pub",
                       published=NOW.replace(hour=hour), verdict="new", score=1.0, matched="",
                       novel_sentences=("A <b>new</b> fact & more.",), summary="", story=3)


def test_atom_feed_parses_and_escapes() -> None:
    document = atom_feed([item(1, "Older <script>", 5), item(2, "Newer", 8)], now=NOW)
    parsed = feedparser.parse(io.BytesIO(document.encode()))
    assert parsed.version == "atom10" and not parsed.bozo
    assert [e.title for e in parsed.entries] == ["[NEW] Newer", "[NEW] Older <script>"]
    assert "<script>" not in document and "&lt;script&gt;" in document
    assert parsed.entries[0].link == "https://pub.example/2"
    assert parsed.entries[0].summary == "A <b>new</b> fact & more."


def test_atom_feed_is_well_formed_whatever_was_stored() -> None:
    hostile = "Court \x1b[31m\x07adjourns\u202e \x00\ud800\ufffe hearing"
    entry = replace(item(1, hostile, 5), outlet="Out\x0blet", novel_sentences=(hostile,))
    root = ET.fromstring(atom_feed([entry], now=NOW).encode())  # strict: an invalid character raises
    atom = "{http://www.w3.org/2005/Atom}"
    assert root.findtext(f"{atom}entry/{atom}title") == "[NEW] Court adjourns  hearing"
    assert root.findtext(f"{atom}entry/{atom}author/{atom}name") == "Outlet"


def test_feed_command_writes_stored_developments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path / "w.yaml")
    assert main(["-c", str(config), "feed", "--out", str(tmp_path / "feed.xml")]) == 0
    parsed = feedparser.parse(io.BytesIO((tmp_path / "feed.xml").read_bytes()))
    assert parsed.version == "atom10" and parsed.entries == []


def test_test_notify(tmp_path: Path, smtp: SmtpSink, capsys: pytest.CaptureFixture[str]) -> None:
    dead = f"mailto://u:hunter2pw@127.0.0.1:{free_port()}?mode=insecure&from=a@example.com&to=b@example.com"
    config = write_config(tmp_path / "w.yaml", channels=[{"name": "mail", "url": smtp.url()},
                                                         {"name": "dead", "url": dead}])
    assert main(["-c", str(config), "test-notify", "mail"]) == 0
    assert "accepted the test message" in capsys.readouterr().out
    assert len(smtp.messages) == 1 and b"monitor: test message" in smtp.messages[0].content
    assert main(["-c", str(config), "test-notify", "dead"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == ["error: notify: channel 'dead' (mailto) did not accept the test message: Connection "
                                'error while submitting email to "127.0.0.1": Socket Exception: [Errno 111] '
                                "Connection refused"]  # one line with the cause, apprise's own lines not repeated
    assert main(["-c", str(config), "test-notify", "nope"]) == 2


def test_feed_server_serves_the_atom_feed(tmp_path: Path) -> None:
    import httpx

    from monitor.config import load_config
    from monitor.context import build_context
    from monitor.feedserver import start_feed_server

    ctx = build_context(load_config(write_config(tmp_path / "w.yaml")))
    ctx.db.upgrade()
    server = start_feed_server(ctx, "127.0.0.1", 0)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        answer = httpx.get(f"{base}/feed.xml")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/atom+xml")
        assert feedparser.parse(io.BytesIO(answer.content)).version == "atom10"
        assert httpx.get(f"{base}/other").status_code == 404
    finally:
        server.shutdown()
        server.server_close()
        ctx.close()


def test_the_feed_is_the_same_document_while_its_entries_are() -> None:
    entries = [item(1, "Older", 5), replace(item(2, "Newer", 8), published=NOW.replace(hour=7))]
    document = atom_feed(entries, now=NOW)
    assert atom_feed(entries, now=NOW + timedelta(hours=3)) == document  # asked again later: unchanged
    root = ET.fromstring(document.encode())
    assert root.findtext("{http://www.w3.org/2005/Atom}updated") == "2026-11-24T07:00:00+00:00"  # its newest entry


def test_an_empty_feed_is_the_same_document_whenever_it_is_asked_for() -> None:
    """A reader revalidating the feed before the first development (or after the last left the window)
    gets 304, not a new document each second."""
    document = atom_feed([], now=NOW)
    assert atom_feed([], now=NOW + timedelta(days=2, seconds=1)) == document
    assert feedparser.parse(io.BytesIO(document.encode())).version == "atom10"


def _development(feed_id: int, key: str, published: datetime | None, fetched: datetime) -> NewItem:
    return NewItem(feed_id=feed_id, entry=FeedEntry(key, f"Report {key}", f"https://pub.example/{key}", "", published),
                   article=Article("Text.", "page"), relevance=Relevance(("t",), (), 0.5),
                   judgement=Judgement("new", "new", 0.9, ("A fresh fact.",)), content_hash=key, fetched_at=fetched)


def test_the_feed_server_answers_a_feed_reader_asking_again_with_304_until_the_feed_changes(tmp_path: Path) -> None:
    import httpx

    from monitor.clock import FrozenClock
    from monitor.config import load_config
    from monitor.context import build_context
    from monitor.feedserver import start_feed_server
    from monitor.store import feeds, items

    clock = FrozenClock(NOW)
    ctx = build_context(load_config(write_config(tmp_path / "w.yaml")), clock=clock)
    ctx.db.upgrade()
    server = start_feed_server(ctx, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    try:
        empty = httpx.get(url).headers["etag"]  # before the first development
        clock.advance(timedelta(seconds=5))
        assert httpx.get(url, headers={"If-None-Match": empty}).status_code == 304
        clock.set(NOW)
        with ctx.db.session() as session:
            feeds.sync_feeds(session, [FeedSpec("https://pub.example/feed", "Pub", None, None)], NOW)
            feed_id = feeds.all_feeds(session)[0].id
            items.add_item(session, _development(feed_id, "dated", NOW - timedelta(hours=2), NOW - timedelta(hours=1)))
            items.add_item(session, _development(feed_id, "undated", None, NOW - timedelta(minutes=30)))
        first = httpx.get(url)
        etag = first.headers["etag"]
        assert first.status_code == 200 and first.headers["cache-control"] == "no-cache"  # kept, but asked about
        assert first.headers["x-content-type-options"] == "nosniff" and "default-src 'none'" in first.headers[
            "content-security-policy"]
        clock.advance(timedelta(minutes=10))  # the reader's next poll; nothing new
        again = httpx.get(url, headers={"If-None-Match": etag})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
        assert again.headers["x-frame-options"] == "DENY" and "content-type" not in again.headers
        assert httpx.head(url, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
        assert httpx.get(url, headers={"If-None-Match": '"other"'}).content == first.content
        with ctx.db.session() as session:
            items.add_item(session, _development(feed_id, "later", clock.now(), clock.now()))
        changed = httpx.get(url, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag and "Report later" in changed.text
    finally:
        server.shutdown()
        server.server_close()
        ctx.close()
