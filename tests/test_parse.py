"""Feed parsing: formats, entry identity, canonical URLs, dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.errors import ParseError
from monitor.parse import canonical_url, parse_feed

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><ttl>45</ttl>
<item><title>With guid</title><link>https://ex.com/a?utm_source=x&amp;id=3#top</link>
<guid isPermaLink="false">g-1</guid>
<pubDate>Mon, 23 Nov 2026 09:15:00 +0500</pubDate>
<description>&lt;p&gt;Hello &amp;amp; bye&lt;/p&gt;</description>
</item>
<item><title>No guid</title><link>https://ex.com/b</link><pubDate>2025/03/14 09:30</pubDate></item>
<item><title>No link or guid</title><pubDate>not a date</pubDate></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
<entry><title>Atom entry</title><id>urn:x:1</id><link href="https://ex.com/c"/><updated>2026-11-20T10:00:00Z</updated>
<summary>Sum</summary></entry></feed>"""


def test_rss_entries() -> None:
    feed = parse_feed(RSS, url="https://ex.com/feed", now=NOW)
    assert feed.title == "T" and feed.ttl_minutes == 45
    first, second, third = feed.entries
    assert first.key == "g-1"
    assert first.link == "https://ex.com/a?id=3"
    assert first.published == datetime(2026, 11, 23, 4, 15, tzinfo=UTC)
    assert first.summary == "Hello & bye"
    assert second.key == "https://ex.com/b"  # no guid: the canonical link
    assert second.published is None or second.published <= NOW  # never a silently-future date
    assert third.key.startswith("sha1:") and third.published is None


def test_atom_entries() -> None:
    (entry,) = parse_feed(ATOM, url="https://ex.com/atom", now=NOW).entries
    assert entry.key == "urn:x:1" and entry.published == datetime(2026, 11, 20, 10, tzinfo=UTC)


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(b"<html><body><h1>502 Bad Gateway</h1></body></html>", url="https://ex.com/", now=NOW)


def test_future_dates_are_dropped() -> None:
    body = RSS.replace(b"Mon, 23 Nov 2026 09:15:00 +0500", b"Mon, 23 Nov 2099 09:15:00 +0500")
    assert parse_feed(body, url="https://ex.com/feed", now=NOW).entries[0].published is None


@pytest.mark.parametrize(("url", "expected"), [
    ("HTTPS://Example.COM:443/a/b?utm_medium=rss&x=1&fbclid=abc#frag", "https://example.com/a/b?x=1"),
    ("http://example.com:8080", "http://example.com:8080/"),
    ("https://example.com/p?gclid=1", "https://example.com/p"),
])
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected
