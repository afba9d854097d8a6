"""OPML import and export of feed lists (OPML 1.0 / 2.0 subscription lists)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from email.utils import format_datetime

from monitor.errors import ConfigError
from monitor.redact import without_credentials
from monitor.types import FeedSpec, FeedState
from monitor.untrusted import one_line


def read_opml(data: bytes, *, source_name: str = "OPML") -> list[FeedSpec]:
    """Every ``<outline xmlUrl=…>`` in the document (nested folders included), as feed specs."""
    try:
        root = ET.fromstring(data)  # noqa: S314 - a local file the operator chose; expat limits entity expansion
    except ET.ParseError as exc:
        raise ConfigError(f"not an OPML document: {exc}", file=source_name) from exc
    if root.tag.lower() != "opml":
        raise ConfigError(f"not an OPML document (root element <{root.tag}>)", file=source_name)
    specs = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url.startswith(("http://", "https://")):
            continue
        name = outline.get("title") or outline.get("text") or without_credentials(url)
        specs.append(FeedSpec(url=url, name=one_line(name, "outlet"), topics=None, interval_seconds=None,
                              source="opml"))
    return specs


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
