"""Feed bytes -> :class:`ParsedFeed` (feedparser), entry identity and canonical URLs.

feedparser's dictionaries never leave this module. It is always handed a file
object, never a string (a string is treated as a URL or a path and fetched).
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser

from monitor.errors import ParseError
from monitor.types import FeedEntry, ParsedFeed

_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_[a-z]+|igshid|yclid|_ga|ref_src|cmpid|ocid)$", re.I)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def parse_feed(body: bytes, *, url: str, content_type: str = "", now: datetime) -> ParsedFeed:
    """Parse a feed document; raise ParseError when the body is not a feed at all."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed: Any = feedparser.parse(io.BytesIO(body), response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        raise ParseError(_not_a_feed_reason(parsed), permanent=False)
    entries = tuple(e for e in (_entry(raw, now) for raw in parsed.entries) if e is not None)
    feed = parsed.get("feed", {})
    return ParsedFeed(title=_clean(feed.get("title", "")), entries=entries, ttl_minutes=_ttl(feed.get("ttl")))


def _not_a_feed_reason(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    detail = f" ({type(exc).__name__}: {exc})" if exc is not None else ""
    return f"not a feed: no RSS, Atom or RDF document found{detail}"


def _entry(raw: Any, now: datetime) -> FeedEntry | None:
    link = raw.get("link") or ""
    title = _clean(raw.get("title", ""))
    if not link and not title:
        return None
    canonical = canonical_url(link) if link.startswith(("http://", "https://")) else ""
    # dict.get bypasses feedparser's deprecated updated->published key mapping (it warns)
    published = parse_date(dict.get(raw, "published_parsed") or dict.get(raw, "updated_parsed"), now)
    guid = (raw.get("id") or "").strip()
    key = guid or canonical or _hash_key(title, dict.get(raw, "published") or dict.get(raw, "updated") or "")
    summary = _clean(html.unescape(_TAGS.sub(" ", raw.get("summary", ""))))
    source = raw.get("source") or {}
    return FeedEntry(key=key[:1000], title=title, link=canonical, summary=summary, published=published,
                     author=_clean(raw.get("author", "")), source=_clean(source.get("title", "")))


def parse_date(value: Any, now: datetime) -> datetime | None:
    """A feedparser UTC ``struct_time`` -> aware datetime; None when missing or implausible."""
    if value is None:
        return None
    try:
        when = datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, TypeError):
        return None
    if when > now + timedelta(days=1) or when < now - timedelta(days=365 * 30):
        return None
    return when


def _hash_key(title: str, date: str) -> str:
    return "sha1:" + hashlib.sha1(f"{title}\n{date}".encode(), usedforsecurity=False).hexdigest()


def _ttl(value: Any) -> int | None:
    try:
        ttl = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return ttl if 0 < ttl <= 7 * 24 * 60 else None


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()
