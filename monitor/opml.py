"""OPML import and export of feed lists (OPML 1.0 / 2.0 subscription lists)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from monitor.errors import ConfigError
from monitor.redact import without_credentials
from monitor.types import FeedSpec, FeedState
from monitor.untrusted import CAPS, one_line


@dataclass(frozen=True)
class OpmlFeeds:
    """The feeds of an OPML document, and each outline that was left out with why."""

    specs: tuple[FeedSpec, ...]
    skipped: tuple[str, ...]


MAX_BYTES = 5 * 1024 * 1024  # an OPML list of thousands of feeds is well under this
MAX_FEEDS = 5000


def read_opml(data: bytes, *, source_name: str = "OPML") -> OpmlFeeds:
    """Every ``<outline xmlUrl=…>`` in the document (nested folders included), as feed specs; an
    outline whose address is not http(s), is over the cap on links, names a web page but no feed,
    or is a comment (a disabled feed), is reported. A document over :data:`MAX_BYTES` or with more
    than :data:`MAX_FEEDS` feeds is refused."""
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
        specs.append(FeedSpec(url=url, name=one_line(name or without_credentials(url), "outlet"), topics=None,
                              interval_seconds=None, source="opml"))
    return OpmlFeeds(tuple(specs), tuple(skipped))


def write_opml(feeds: Sequence[FeedState], *, now: datetime, title: str = "monitor feeds") -> str:
    """An OPML 2.0 subscription list of ``feeds``."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.name, "title": feed.name, "xmlUrl": feed.poll_url}
        if not feed.enabled:
            attrs["isComment"] = "true"
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
