"""Feed bytes -> :class:`ParsedFeed`: RSS 0.9x/1.0/2.0 and Atom (feedparser), JSON Feed (json).

feedparser's dictionaries never leave this module. It is always handed a file
object, never a string (a string is treated as a URL or a path and fetched). Dates
are parsed here from the raw strings (RFC 822 or ISO 8601) because feedparser turns
some malformed dates into silently wrong ones; an unparseable or implausible date is
None, and the pipeline dates the entry by its page or the day its URL states, else uses the
fetch time.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import xml.sax
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from monitor.errors import ParseError
from monitor.redact import without_credentials
from monitor.types import FeedEntry, ParsedFeed
from monitor.untrusted import CAPS, clean_text, cut_raw, one_line
from monitor.urls import canonical_url

_TAGS = re.compile(r"<[^>]+>")
_HIDDEN = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)  # markup whose text is no text
_JSON_FEED = re.compile(rb"^\s*\{")
# The day many news sites put in an article's path: /2025/08/11/, -2025-08-11-, 20250811.htm
_URL_DAY = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})([/_-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12][0-9]|3[01])(?![0-9])")


def parse_feed(body: bytes, *, url: str, content_type: str = "", now: datetime) -> ParsedFeed:
    """Parse a feed document; raise ParseError when the body is not a feed at all."""
    if "json" in content_type.lower() or _JSON_FEED.match(body[:64]):
        return _json_feed(body, now)
    # Relative links are resolved here, against the feed's address (no password in it): given a base,
    # feedparser would join every element's URI with it, a third of its time. The HTTP charset, when
    # there is one, decides the encoding; without one the document's own declaration does.
    base = without_credentials(url)
    headers = {"content-type": content_type} if "charset" in content_type.lower() else {}
    # the HTML of summaries is reduced to text here, so feedparser need not sanitise it or resolve links in it
    parsed: Any = feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=False,
                                   resolve_relative_uris=False)
    if not parsed.get("version") and not parsed.entries:
        raise ParseError(_not_a_feed_reason(parsed))
    broken = _malformed(parsed)
    if broken and not parsed.entries:
        raise ParseError(broken)
    atom = str(parsed.get("version", "")).startswith("atom")
    entries, skipped = _entries(parsed.entries, lambda raw: _entry(raw, base, now, atom=atom))
    feed = parsed.get("feed", {})
    return ParsedFeed(title=one_line(feed.get("title", ""), "title"), entries=entries,
                      ttl_minutes=_ttl(feed.get("ttl")) or _update_period(feed), skipped=skipped, error=broken)


def _malformed(parsed: Any) -> str | None:
    """Why the document is not well-formed XML (entries before the fault may still have been read).

    feedparser also flags harmless things (an encoding declared differently from the header,
    a feed served as ``text/html``); only a failure of the XML parser is an error of the feed."""
    exc = parsed.get("bozo_exception")
    if not isinstance(exc, xml.sax.SAXParseException) or exc.getMessage().startswith("undefined entity"):
        return None  # an HTML entity (&nbsp;) in XML: common, and the loose parser reads it correctly
    return f"malformed document: {exc.getMessage()} (line {exc.getLineNumber()}, column {exc.getColumnNumber()})"


def _entries(raws: Iterable[Any], make: Callable[[Any], FeedEntry | None]) -> tuple[
        tuple[FeedEntry, ...], tuple[str, ...]]:
    """The entries that could be read, and why each of the others was skipped (``entry 3: ValueError: …``)."""
    entries, skipped = [], []
    for number, raw in enumerate(raws, 1):
        try:
            entry = make(raw)
        except Exception as exc:  # one malformed entry must not cost the feed its other entries
            skipped.append(f"entry {number}: {type(exc).__name__}: {exc}"[:500])
            continue
        if entry is not None:
            entries.append(entry)
    return tuple(entries), tuple(skipped)


def _not_a_feed_reason(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    detail = f" ({type(exc).__name__}: {exc})" if exc is not None else ""
    return f"not a feed: no RSS, Atom, RDF or JSON Feed document found{detail}"


def _entry(raw: Any, base: str, now: datetime, *, atom: bool) -> FeedEntry | None:
    # dict.get bypasses feedparser's deprecated updated->published key mapping (it warns)
    raw_date = dict.get(raw, "published") or dict.get(raw, "updated") or ""
    source = raw.get("source") or {}
    link, guid = raw.get("link") or "", raw.get("id") or ""
    if guid and (atom or raw.get("guidislink")):  # an Atom id and an RSS permalink are URI references
        guid = _joined(base, guid) or guid
    return make_entry(
        guid=guid, link=_joined(base, link) if link else "",
        title=_title(raw),
        summary=raw.get("summary", ""), raw_date=raw_date, author=raw.get("author", ""),
        source=source.get("title", ""), now=now,
    )


def _title(raw: Any) -> str:
    """An entry's title; one given as markup (Atom ``type="html"`` or ``"xhtml"``, escaped tags in RSS)
    without its tags, so a digest shows its text, not ``<em>``."""
    title = raw.get("title", "")
    if "html" not in str((raw.get("title_detail") or {}).get("type", "")):
        return str(title)
    return _TAGS.sub("", _HIDDEN.sub("", cut_raw(title, "title")))


def _joined(base: str, reference: str) -> str:
    """``reference`` resolved against ``base``; "" when urllib cannot read it (a broken IPv6 literal)."""
    try:
        return urljoin(base, reference)
    except ValueError:
        return ""


def make_entry(
    *, guid: str, link: str, title: str, summary: str, raw_date: str, author: str, source: str, now: datetime,
) -> FeedEntry | None:
    """An entry with its identity: the GUID, else the canonical link, else a hash of title and date.

    Every field is capped and cleaned first (:mod:`monitor.untrusted`); a link longer than its cap
    is dropped rather than cut into a different address, and its unsafe characters are
    percent-encoded (:func:`monitor.urls.canonical_url`)."""
    title = one_line(html.unescape(cut_raw(title, "title")), "title")
    link = link.strip() if len(link.strip()) <= CAPS["url"] else ""
    if not link and not title:
        return None
    canonical = canonical_url(link) if link.lower().startswith(("http://", "https://")) else ""
    key = (clean_text(guid, "guid") or canonical or _hash_key(title, raw_date[:100]))[: CAPS["guid"]]
    stated = parse_date_offset(raw_date[:100], now)
    return FeedEntry(
        key=key, title=title, link=canonical,
        summary=one_line(html.unescape(_TAGS.sub(" ", _HIDDEN.sub(" ", cut_raw(summary, "summary")))), "summary"),
        published=stated[0] if stated else None, author=one_line(author, "author"),
        source=one_line(source, "outlet"), utc_offset=stated[1] if stated else None,
    )


def parse_date(raw: str, now: datetime) -> datetime | None:
    """An RFC 822 or ISO 8601 date -> aware UTC datetime; None when unparseable or implausible."""
    stated = parse_date_offset(raw, now)
    return stated[0] if stated else None


def parse_date_offset(raw: str, now: datetime) -> tuple[datetime, int | None] | None:
    """:func:`parse_date`'s UTC time, with the UTC offset the date was stated in, in minutes east of
    UTC (``+0500``: 300; ``GMT``, ``Z``: 0; None when it states none, as ``-0000`` or a bare
    ISO time); None when unparseable or implausible."""
    raw = raw.strip()
    if not raw:
        return None
    when = _rfc822(raw) or _iso8601(raw)
    if when is None:
        return None
    offset = when.utcoffset()
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        when = when.astimezone(UTC)
    except (OverflowError, ValueError):  # a date at the edge of the calendar, pushed past it by its offset
        return None
    if when > now + timedelta(days=1) or when < now - timedelta(days=365 * 30):
        return None
    return when, None if offset is None else int(offset.total_seconds() // 60)


def url_date(url: str, now: datetime) -> datetime | None:
    """The day an article's URL path states (midnight UTC), as news sites write it; None when it
    states none, or one off the calendar or as implausible as :func:`parse_date` rejects."""
    match = _URL_DAY.search(urlsplit(url).path[:2000])
    if match is None:
        return None
    try:
        day = datetime(int(match[1]), int(match[3]), int(match[4]), tzinfo=UTC)
    except ValueError:  # 31 June
        return None
    return day if now - timedelta(days=365 * 30) <= day <= now + timedelta(days=1) else None


def _rfc822(raw: str) -> datetime | None:
    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _iso8601(raw: str) -> datetime | None:
    text = raw.replace("Z", "+00:00").replace("z", "+00:00")
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _json_feed(body: bytes, now: datetime) -> ParsedFeed:
    """JSON Feed 1.0 / 1.1 (https://jsonfeed.org/version/1.1)."""
    try:  # an invalid byte costs its character, not the feed (as in an RSS or Atom document)
        doc = json.loads(body.decode(json.detect_encoding(body), "replace"))
    except json.JSONDecodeError as exc:
        raise ParseError(f"not a feed: invalid JSON ({exc})") from exc
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise ParseError("not a feed: JSON without a jsonfeed.org version")
    items = [item for item in doc.get("items") or [] if isinstance(item, dict)]
    entries, skipped = _entries(items, lambda item: _json_entry(item, now))
    return ParsedFeed(title=one_line(str(doc.get("title") or ""), "title"), entries=entries, skipped=skipped)


def _json_entry(item: dict[str, Any], now: datetime) -> FeedEntry | None:
    authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
    return make_entry(
        guid=str(item.get("id") or ""), link=str(item.get("url") or item.get("external_url") or ""),
        title=str(item.get("title") or ""),
        summary=str(item.get("summary") or item.get("content_text") or item.get("content_html") or ""),
        raw_date=str(item.get("date_published") or item.get("date_modified") or ""),
        author=", ".join(str(a.get("name", "")) for a in authors if isinstance(a, dict)), source="", now=now,
    )


def _hash_key(title: str, date: str) -> str:
    return "sha1:" + hashlib.sha1(f"{title}\n{date}".encode(), usedforsecurity=False).hexdigest()


_LONGEST_TTL = 7 * 24 * 60  # minutes
_PERIODS = {"hourly": 60, "daily": 24 * 60, "weekly": 7 * 24 * 60, "monthly": 30 * 24 * 60, "yearly": 365 * 24 * 60}


def _update_period(feed: Any) -> int | None:
    """The least wait the syndication module states (``sy:updatePeriod`` over ``sy:updateFrequency``), in minutes."""
    period = _PERIODS.get(str(feed.get("sy_updateperiod", "")).strip().lower())
    if period is None:
        return None
    frequency = _ttl(feed.get("sy_updatefrequency", 1)) or 1
    return min(max(1, period // frequency), _LONGEST_TTL)  # the schedule clamps it to max_interval anyway


def _ttl(value: Any) -> int | None:
    try:
        ttl = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return ttl if 0 < ttl <= _LONGEST_TTL else None
