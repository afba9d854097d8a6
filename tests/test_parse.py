"""Feed parsing: formats, entry identity, canonical URLs, dates."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from monitor.errors import ParseError
from monitor.parse import parse_date, parse_feed, url_date

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


@pytest.mark.parametrize(("period", "frequency", "minutes"), [
    ("daily", "2", 720), ("hourly", "", 60), ("monthly", "1", 7 * 24 * 60), ("fortnightly", "1", None)])
def test_the_syndication_update_period_is_a_least_wait(period: str, frequency: str, minutes: int | None) -> None:
    body = RSS.replace(b"<ttl>45</ttl>", f"<sy:updatePeriod>{period}</sy:updatePeriod>"
                       f"<sy:updateFrequency>{frequency}</sy:updateFrequency>".encode()).replace(
        b'<rss version="2.0">', b'<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">')
    assert parse_feed(body, url="https://ex.com/feed", now=NOW).ttl_minutes == minutes


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


@pytest.mark.parametrize("raw", ["2025-13-45", "1741944600", "2025/03/14 09:30", "yesterday afternoon",
                                 "Mon, 32 Foo 2025 99:00:00", ""])
def test_dates_feedparser_gets_wrong_are_unknown_not_wrong(raw: str) -> None:
    from monitor.parse import parse_date

    assert parse_date(raw, NOW) is None


@pytest.mark.parametrize(("url", "day"), [
    ("https://ex.com/2025/08/11/us-designates-group/", datetime(2025, 8, 11, tzinfo=UTC)),
    ("https://ex.com/news/court-hears-appeal-2025-09-29-1", datetime(2025, 9, 29, tzinfo=UTC)),
    ("https://ex.com/report/story/20240430.htm", datetime(2024, 4, 30, tzinfo=UTC)),
    ("https://ex.com/2025/09/monthly-round-up", None),  # a month is no day
    ("https://ex.com/2025/06/31/no-such-day", None),
    ("https://ex.com/2025/0811/mixed-separators", None),
    ("https://ex.com/story?date=2025/01/01", None),  # the path states it, not the query
    ("https://ex.com/news/120250101999", None),  # digits of an id
    ("https://ex.com/2099/01/01/future", None),
])
def test_the_day_an_article_url_states(url: str, day: datetime | None) -> None:
    assert url_date(url, NOW) == day


@pytest.mark.parametrize(("raw", "expected"), [
    ("Mon, 23 Nov 2026 09:15:00 +0500", datetime(2026, 11, 23, 4, 15, tzinfo=UTC)),
    ("Mon, 23 Nov 2026 09:15:00 GMT", datetime(2026, 11, 23, 9, 15, tzinfo=UTC)),
    ("2026-11-23T09:15:00Z", datetime(2026, 11, 23, 9, 15, tzinfo=UTC)),
    ("2026-11-23T09:15:00+05:30", datetime(2026, 11, 23, 3, 45, tzinfo=UTC)),
    ("2026-11-23", datetime(2026, 11, 23, tzinfo=UTC)),
])
def test_good_dates(raw: str, expected: datetime) -> None:
    from monitor.parse import parse_date

    assert parse_date(raw, NOW) == expected


def test_rss_091_and_rdf() -> None:
    rss091 = b"""<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title>
    <item><title>Old style</title><link>https://ex.com/old</link></item></channel></rss>"""
    rdf = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://ex.com/"><title>R</title></channel>
    <item rdf:about="https://ex.com/r1"><title>RDF item</title><link>https://ex.com/r1</link></item></rdf:RDF>"""
    assert [e.link for e in parse_feed(rss091, url="https://ex.com/f", now=NOW).entries] == ["https://ex.com/old"]
    assert [e.title for e in parse_feed(rdf, url="https://ex.com/f", now=NOW).entries] == ["RDF item"]


def test_json_feed() -> None:
    body = b"""{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
      {"id": "j1", "url": "https://ex.com/j1?utm_source=x", "title": "Json &amp; item",
       "content_text": "Body", "date_published": "2026-11-20T10:00:00Z", "authors": [{"name": "A"}]},
      {"id": "j2", "title": "No url"}, "junk"]}"""
    feed = parse_feed(body, url="https://ex.com/feed.json", content_type="application/feed+json", now=NOW)
    first, second = feed.entries
    assert (first.key, first.link, first.title, first.summary, first.author) == (
        "j1", "https://ex.com/j1", "Json & item", "Body", "A")
    assert first.published == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert second.key == "j2" and second.link == ""


def test_json_that_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(b'{"hello": "world"}', url="https://ex.com/api", now=NOW)
    with pytest.raises(ParseError, match="invalid JSON"):
        parse_feed(b'{"version": ', url="https://ex.com/api", content_type="application/json", now=NOW)


def test_an_html_entity_is_not_a_malformed_document() -> None:
    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>Court&nbsp;rises'
            b"</title><link>https://e.example/a</link></item></channel></rss>")
    parsed = parse_feed(body, url="https://e.example/feed", now=NOW)
    assert parsed.error is None and [e.title for e in parsed.entries] == ["Court rises"]


def test_an_identity_key_made_from_a_long_link_fits_its_column() -> None:
    link = "https://e.example/" + "a" * 1500
    (entry,) = parse_feed(f'<rss version="2.0"><channel><item><title>T</title><link>{link}</link></item>'
                          "</channel></rss>".encode(), url="https://e.example/feed", now=NOW).entries
    assert entry.link == link and len(entry.key) == 1000


def test_summary_markup_is_reduced_to_its_text() -> None:
    script = b"&lt;script&gt;track('Khan')&lt;/script&gt;&lt;style&gt;p { color: red }&lt;/style&gt;"
    body = RSS.replace(b"&lt;p&gt;Hello", script + b"&lt;p&gt;Hello &lt;a href='/rel'&gt;there&lt;/a&gt;")
    summary = parse_feed(body, url="https://ex.com/feed", now=NOW).entries[0].summary
    assert summary == "Hello there & bye"


def test_relative_links_resolve_against_the_feed() -> None:
    body = RSS.replace(b"https://ex.com/b", b"/news/b")
    assert parse_feed(body, url="https://ex.com/feed", now=NOW).entries[1].link == "https://ex.com/news/b"


def test_links_are_resolved_whatever_they_carry() -> None:
    body = RSS.replace(b"https://ex.com/b", b"/r?u=https://other.example/x").replace(
        b"https://ex.com/a?utm_source=x&amp;id=3#top", b"HTTPS://EX.com/a")
    first, second = parse_feed(body, url="https://ex.com/feeds/rss", now=NOW).entries[:2]
    assert first.link == "https://ex.com/a"
    assert second.link == "https://ex.com/r?u=https%3A%2F%2Fother.example%2Fx"  # its canonical form


def test_permalink_guids_and_atom_ids_resolve_like_links_other_guids_stay() -> None:
    rss = (b'<rss version="2.0"><channel><title>T</title><item><title>a</title><guid>/item/7</guid></item>'
           b'<item><title>b</title><guid isPermaLink="false">plain-8</guid><link>/b</link></item></channel></rss>')
    permalink, plain = parse_feed(rss, url="https://ex.com/feeds/rss", now=NOW).entries
    assert (permalink.key, permalink.link) == ("https://ex.com/item/7", "https://ex.com/item/7")
    assert (plain.key, plain.link) == ("plain-8", "https://ex.com/b")
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><title>x</title><id>/e/1</id>'
            b'<link href="/e/1"/></entry><entry><title>y</title><id>tag:ex.com,2026:2</id></entry></feed>')
    relative, tagged = parse_feed(atom, url="https://ex.com/feeds/atom", now=NOW).entries
    assert relative.key == "https://ex.com/e/1" and tagged.key == "tag:ex.com,2026:2"


def test_the_http_charset_decides_the_encoding_of_a_document_without_a_declaration() -> None:
    body = ("<rss version=\"2.0\"><channel><title>T</title><item><title>Имран Хан</title>"
            "<link>https://ex.com/r</link></item></channel></rss>").encode("windows-1251")
    feed = parse_feed(body, url="https://ex.com/feed", content_type="text/xml; charset=windows-1251", now=NOW)
    assert feed.entries[0].title == "Имран Хан"


def test_unsafe_characters_in_entry_links_are_percent_encoded() -> None:
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "e1", "url": "https://ex.com/a\u001b]8;;https://evil.example\u0007b\u009b\u202e", "title": "Escapes"},
    ]}).encode()
    (entry,) = parse_feed(body, url="https://ex.com/feed.json", now=NOW).entries
    assert entry.link == "https://ex.com/a%1B]8;;https://evil.example%07b%C2%9B%E2%80%AE"


@pytest.mark.parametrize(("raw", "offset"), [
    ("Sat, 06 Dec 2025 02:00:00 +0500", 300), ("Fri, 05 Dec 2025 21:00:00 GMT", 0),
    ("Fri, 05 Dec 2025 22:30:00 -0500", -300), ("2025-12-06T02:00:00+05:30", 330), ("2025-12-05T21:00:00Z", 0),
    ("2025-12-05T21:00:00", None), ("Fri, 05 Dec 2025 21:00:00 -0000", None),  # RFC 2822: offset unknown
])
def test_an_entry_keeps_the_utc_offset_its_date_was_stated_in(raw: str, offset: int | None) -> None:
    body = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><title>Dated</title><link>https://ex.com/a</link><pubDate>{raw}</pubDate></item></channel></rss>"""
    (entry,) = parse_feed(body.encode(), url="https://ex.com/f", now=NOW).entries
    assert entry.published is not None and entry.published.utcoffset() == timedelta(0)  # the time itself is UTC
    assert entry.utc_offset == offset


@pytest.mark.parametrize("raw", [
    "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "Fri, 31 Dec 9999 23:59:59 -2359",
])
def test_a_date_its_offset_pushes_off_the_calendar_is_unknown(raw: str) -> None:
    assert parse_date(raw, NOW) is None


def test_a_json_feed_with_an_invalid_utf8_byte_keeps_its_entries() -> None:
    body = (b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": ['
            b'{"id": "j1", "url": "https://ex.com/j1", "title": "Caf\xe9 opens"},'
            b'{"id": "j2", "url": "https://ex.com/j2", "title": "Second"}]}')
    feed = parse_feed(body, url="https://ex.com/feed.json", content_type="application/feed+json", now=NOW)
    assert [(e.key, e.title) for e in feed.entries] == [("j1", "Caf\ufffd opens"), ("j2", "Second")]


def test_markup_in_a_title_is_reduced_to_its_text_a_plain_title_stays_as_written() -> None:
    rss = RSS.replace(b"<title>With guid</title>", b"<title>&lt;em&gt;Khan&lt;/em&gt;'s appeal &amp;amp; bail</title>")
    rss = rss.replace(b"<title>No guid</title>", b"<title>1 &lt; 2 and 3 &gt; 2</title>")
    assert [e.title for e in parse_feed(rss, url="https://ex.com/feed", now=NOW).entries[:2]] == [
        "Khan's appeal & bail", "1 < 2 and 3 > 2"]
    atom = (b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
            b'<entry><title type="html">&lt;b&gt;Court&lt;/b&gt; adjourns</title><id>urn:x:1</id></entry>'
            b'<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><i>Dawn</i> reports</div></title>'
            b'<id>urn:x:2</id></entry>'
            b'<entry><title type="text">if a &lt;b&gt; c</title><id>urn:x:3</id></entry></feed>')
    assert [e.title for e in parse_feed(atom, url="https://ex.com/feed", now=NOW).entries] == [
        "Court adjourns", "Dawn reports", "if a <b> c"]
