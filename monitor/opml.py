"""OPML import and export of feed lists (OPML 1.0 / 2.0 subscription lists)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from monitor.errors import ConfigError
from monitor.redact import without_credentials
from monitor.types import FeedSpec, FeedState
from monitor.untrusted import CAPS, one_line


@dataclass(frozen=True)
class OpmlFeeds:
    """The feeds of an OPML document, and each outline that was left out with why.

    ``untopical`` pairs the address of each feed whose ``category`` attribute named none of the
    topics with a note saying so (such a feed applies to all topics)."""

    specs: tuple[FeedSpec, ...]
    skipped: tuple[str, ...]
    untopical: tuple[tuple[str, str], ...] = ()


MAX_BYTES = 5 * 1024 * 1024  # an OPML list of thousands of feeds is well under this
MAX_FEEDS = 5000


def read_opml(data: bytes, *, source_name: str = "OPML", topics: Collection[str] = ()) -> OpmlFeeds:
    """Every ``<outline xmlUrl=…>`` in the document (nested folders included), as feed specs; an
    outline whose address is not http(s), is over the cap on links, names a web page but no feed,
    or is a comment (a disabled feed), is reported. A document over :data:`MAX_BYTES` or with more
    than :data:`MAX_FEEDS` feeds is refused.

    A feed is limited to the ``topics`` its ``category`` attribute names (OPML 2.0: comma-separated,
    slash-delimited category strings; ``/imran-khan`` names the topic ``imran-khan``). Categories
    naming none of ``topics`` (a reader's folders, such as ``/News/Pakistan``) are ignored; a feed
    left with none applies to all topics, and is listed in :attr:`OpmlFeeds.untopical`."""
    if len(data) > MAX_BYTES:
        raise ConfigError(f"an OPML document of {len(data)} bytes; at most {MAX_BYTES} are read", file=source_name)
    try:
        root = ET.fromstring(data)  # noqa: S314 - a local file the operator chose; expat limits entity expansion
    except ET.ParseError as exc:
        raise ConfigError(f"not an OPML document: {exc}", file=source_name) from exc
    if root.tag.lower() != "opml":
        raise ConfigError(f"not an OPML document (root element <{root.tag}>)", file=source_name)
    specs: list[FeedSpec] = []
    skipped: list[str] = []
    untopical: list[tuple[str, str]] = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        name = outline.get("title") or outline.get("text") or ""
        if not url:
            if outline.get("htmlUrl"):
                skipped.append(f"{one_line(name, 'outlet')!r}: a web page (htmlUrl) without a feed address (xmlUrl)")
            continue
        if not url.startswith(("http://", "https://")):
            skipped.append(f"{one_line(name, 'outlet')!r}: {url.split(':', 1)[0]}:// is not an http(s) feed address")
            continue
        if len(url) > CAPS["url"]:
            skipped.append(f"{one_line(name, 'outlet')!r}: an address over {CAPS['url']} characters")
            continue
        if outline.get("isComment", "").lower() == "true":
            skipped.append(f"{one_line(name, 'outlet')!r}: a comment (a feed the list has disabled)")
            continue
        if len(specs) == MAX_FEEDS:
            raise ConfigError(f"more than {MAX_FEEDS} feeds; split the list", file=source_name)
        name = one_line(name or without_credentials(url), "outlet")
        categories = outline.get("category", "").strip()
        limited = _named_topics(categories, topics)
        if categories and limited is None:
            untopical.append((url, f"{name!r}: its categories ({one_line(categories, 'header')}) name none of "
                                   "the config's topics, so it applies to all topics"))
        specs.append(FeedSpec(url=url, name=name, topics=limited, interval_seconds=None, source="opml"))
    return OpmlFeeds(tuple(specs), tuple(skipped), tuple(untopical))


def _named_topics(categories: str, topics: Collection[str]) -> tuple[str, ...] | None:
    """The ``topics`` a ``category`` attribute names, in its order; None when it names none. A
    category names a topic when it is that topic's name alone (``/imran-khan``; the slash may be
    left out); deeper paths (``/News/Pakistan``) are a reader's folders."""
    named = (c.strip().strip("/").strip() for c in categories.split(","))
    found = tuple(dict.fromkeys(c for c in named if c in topics))
    return found or None


def write_opml(feeds: Sequence[FeedState], *, now: datetime, title: str = "monitor feeds") -> str:
    """An OPML 2.0 subscription list of ``feeds``; a feed limited to some topics names them in its
    ``category`` attribute (``/imran-khan,/us-pakistan``), as :func:`read_opml` reads them."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.name, "title": feed.name, "xmlUrl": feed.poll_url}
        if feed.topics:  # the topics it is limited to, as OPML 2.0 categories; none: all topics
            attrs["category"] = ",".join(f"/{topic}" for topic in feed.topics)
        if not feed.enabled:
            attrs["isComment"] = "true"
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
