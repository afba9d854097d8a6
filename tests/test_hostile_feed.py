"""A hostile feed end to end: oversized fields are capped before any work (the poll's memory stays
bounded), control and bidi characters never reach a digest, the Atom feed stays well-formed, and
nothing a feed sends can style, move or link the terminal."""

from __future__ import annotations

import json
import tracemalloc
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import select

from monitor.cli import main
from monitor.config import load_config
from monitor.context import build_context
from monitor.demo.server import LocalSite
from monitor.pipeline import poll_due
from monitor.startup import start
from monitor.store.schema import ItemRow
from monitor.untrusted import CAPS
from tests.conftest import write_config

UNSAFE = ("\x1b", "\x07", "\u202e", "\x9b")
MARKUP = "[link=http://evil.example]click[/link] [bold red]loud[/bold red]"
HOSTILE = ["Imran Khan appeal hearing \x1b[2J\x07adjourned \u202eby the Islamabad High Court",
           f"PTI rally in Lahore {MARKUP}"]
HUGE = "Imran Khan " + "court hearing " * (4_000_000 // 14)  # a 4 MB title, under the feed size cap
SUMMARY = "Imran Khan's lawyers told the Islamabad High Court that the PTI founder's appeal should be heard."


def json_feed(titles: list[str]) -> str:
    """A JSON Feed: unlike XML, JSON can carry control characters, so the document itself is valid."""
    items = [{"id": f"h{n}", "url": f"https://pub.example/{n}", "title": title, "summary": SUMMARY,
              "date_published": f"2026-11-24T0{n}:00:00Z"} for n, title in enumerate(titles, 1)]
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Hostile", "items": items})


def rss(title: str) -> str:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title><item><title>{escape(title)}'
            f"</title><link>https://pub.example/big</link><guid>big</guid><description>{SUMMARY}</description>"
            "</item></channel></rss>")


@pytest.fixture
def config(tmp_path: Path, site: LocalSite) -> Path:
    site.put("/feed.json", json_feed(HOSTILE), "application/feed+json")
    site.put("/big.xml", rss(HUGE), "application/rss+xml")
    return write_config(
        tmp_path / "w.yaml", database_url=f"sqlite:///{tmp_path / 'm.db'}",
        feeds=[{"url": f"{site.base}/feed.json", "name": f"Evil {MARKUP}\x1b]8;;http://evil.example\x07"},
               {"url": f"{site.base}/big.xml", "name": "Big"}],
        polling={"allow_hosts": ["127.0.0.1"], "timeout": "30s", "host_delay": "0s", "fetch_articles": "never"},
        digests=[{"name": "briefing", "schedule": "0 8 * * *", "timezone": "Asia/Karachi", "channels": []}],
    )


def test_a_4mb_title_is_capped_before_any_work(config: Path) -> None:
    ctx = build_context(load_config(config))
    try:
        start(ctx)  # models and seeds loaded: what follows is the poll alone
        tracemalloc.start()
        try:
            outcomes = poll_due(ctx)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert [(o.status, o.new_items) for o in outcomes] == [("200", 2), ("200", 1)], outcomes
        with ctx.db.session() as session:
            big = session.scalar(select(ItemRow.title).where(ItemRow.url == "https://pub.example/big"))
        assert big is not None and len(big) == CAPS["title"] and big.startswith("Imran Khan court hearing")
        assert peak < 150 * 1024 * 1024, f"the poll's peak was {peak / 2**20:.0f} MiB"
    finally:
        ctx.close()


def test_nothing_unsafe_reaches_a_digest_the_atom_feed_or_the_terminal(
    config: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str],
) -> None:
    assert main(["-c", str(config), "poll", "--once", "--all"]) == 0
    ctx = build_context(load_config(config))
    with ctx.db.session() as session:
        titles = list(session.scalars(select(ItemRow.title)))
    ctx.close()
    assert len(titles) == 3 and not [t for t in titles if any(c in t for c in UNSAFE)]  # cleaned on the way in
    capfd.readouterr()
    for fmt in ("text", "markdown", "html", "slack"):
        assert main(["-c", str(config), "digest", "briefing", "--dry-run", "--format", fmt]) == 0
        body = capfd.readouterr().out
        assert "adjourned" in body and not [c for c in UNSAFE if c in body], fmt
    assert main(["-c", str(config), "feed", "--out", str(tmp_path / "feed.xml")]) == 0
    root = ET.fromstring((tmp_path / "feed.xml").read_bytes())  # strict: any invalid character raises
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") or "" for e in root.iter("{http://www.w3.org/2005/Atom}entry")]
    assert any("adjourned" in title for title in titles)
    capfd.readouterr()
    assert main(["-c", str(config), "status"]) == 0
    assert main(["-c", str(config), "feeds", "show", "1"]) == 0
    shown = capfd.readouterr().out
    assert "\x1b" not in shown and "\x07" not in shown
    assert "[link=http://evil.example]click[/link]" in shown  # printed as text, not taken as a hyperlink
