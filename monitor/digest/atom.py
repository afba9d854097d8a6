"""An Atom feed of developments (``monitor feed``), so any feed reader can follow the monitor itself."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime

from monitor.types import DigestEntry
from monitor.untrusted import strip_unsafe as safe

ATOM = "http://www.w3.org/2005/Atom"
# An empty feed's time: a fixed one, so that it is the same document (and ETag) whenever it is asked for
# and a reader revalidating it gets 304 until a development arrives.
EMPTY_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)


def atom_feed(entries: Sequence[DigestEntry], *, now: datetime, title: str = "monitor: new developments") -> str:
    """Atom 1.0 with one entry per new or updated item (newest first), updated when its newest entry was
    (``now`` for an undated entry; :data:`EMPTY_UPDATED` when it has none, so an empty feed is always the
    same document); all text is escaped by ElementTree, and characters XML cannot carry are removed
    first, so the document is well-formed whatever was stored."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = safe(title)
    ET.SubElement(feed, f"{{{ATOM}}}id").text = "urn:monitor:developments"
    ordered = sorted(entries, key=lambda e: (e.published or now, e.item_id), reverse=True)
    updated = max((e.published or now for e in entries), default=EMPTY_UPDATED)  # the same entries, the same document
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated.isoformat(timespec="seconds")
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = "monitor"
    for item in ordered:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = safe(f"[{item.verdict.upper()}] {item.title}")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:monitor:item:{item.item_id}"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = (item.published or now).isoformat(timespec="seconds")
        if item.url.startswith(("http://", "https://")):
            ET.SubElement(entry, f"{{{ATOM}}}link", href=safe(item.url), rel="alternate")
        ET.SubElement(ET.SubElement(entry, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = safe(item.outlet)
        if item.story is not None:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=f"story-{item.story}")
        summary = " ".join(item.novel_sentences) or item.summary
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = safe(summary)
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"
