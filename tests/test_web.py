"""The story pages, served by a real local server after a real poll of the demo's sample feeds,
and read through the DOM headless Chromium builds."""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from xml.sax.saxutils import escape

import httpx
import lxml.html
import pytest

from monitor.cli import _listen
from monitor.config import load_config
from monitor.context import Context, build_context
from monitor.demo.run import add_seed_repeat, demo_config, sample_site
from monitor.novelty.text import sentences
from monitor.pipeline import poll_due
from monitor.startup import start
from monitor.store import stories as story_store
from monitor.web import start_web_server
from tests.chromium import dump_dom, find_chromium, screenshot
from tests.conftest import ROOT

needs_chromium = pytest.mark.skipif(
    find_chromium() is None and not os.environ.get("CI"),
    reason="Chromium: install it (Debian: apt install chromium) to run it")

HOSTILE = 'Imran Khan appeal <img src=x onerror="document.title=1"><script>alert(1)</script> & "more"'
HOSTILE_PAGE = """<html><head><title>Appeal</title></head><body><article><h1>Appeal</h1>
<p>Lawyers for Imran Khan, the founder of Pakistan Tehreek-e-Insaf, filed a petition in the Supreme Court
of Pakistan in Islamabad on Monday asking it to hear his appeal against the cipher case verdict.</p>
<p>The court fixed the petition for a hearing on January 14, 2027, before a three-member bench.</p>
</article></body></html>"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Context]]:
    base = load_config(ROOT / "config" / "watchlist.yaml")
    with sample_site() as site:
        add_seed_repeat(site, base)
        site.put("/articles/hostile.html", HOSTILE_PAGE, "text/html; charset=utf-8")
        site.put("/feeds/hostile.xml", (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile (sample)</title>'
            f"<link>{site.base}/</link><item><title>{escape(HOSTILE)}</title>"
            f"<link>{site.base}/articles/hostile.html</link><guid>hostile</guid>"
            "<pubDate>Mon, 23 Nov 2026 09:00:00 +0500</pubDate></item></channel></rss>"), "application/rss+xml")
        ctx = build_context(demo_config(base, site, tmp_path_factory.mktemp("web")))
        start(ctx)
        poll_due(ctx)
        server = start_web_server(ctx, "127.0.0.1", 0)
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}", ctx
        finally:
            server.shutdown()
            server.server_close()
            ctx.close()


def _raw(base: str, request: bytes) -> bytes:
    import socket

    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(request)
        return conn.recv(200)


def test_web_listen_binds_to_localhost_unless_told() -> None:
    assert _listen(":8766") == ("127.0.0.1", 8766)
    assert _listen("127.0.0.1:0") == ("127.0.0.1", 0)  # any free port, as the config allows


def test_pages_are_read_only_with_security_headers(served: tuple[str, Context]) -> None:
    base, _ = served
    page = httpx.get(f"{base}/")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none': no script runs
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert httpx.post(f"{base}/").status_code == 501
    assert httpx.get(f"{base}/stories/999999").status_code == 404
    assert httpx.get(f"{base}/stories/1%3Cb%3E").status_code == 404
    assert httpx.get(f"{base}/stories/99999999999").status_code == 404  # beyond the id column
    assert _raw(base, b"GET /stories/\xb2 HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.0 404")  # a digit int() refuses
    feed = httpx.get(f"{base}/feed.xml")
    assert feed.status_code == 200 and feed.text.startswith("<?xml")


@needs_chromium
def test_story_list_escapes_a_hostile_title(served: tuple[str, Context]) -> None:
    base, ctx = served
    dom = lxml.html.fromstring(dump_dom(f"{base}/"))
    assert not dom.xpath("//script") and not dom.xpath("//img")  # the hostile title stayed text
    links = {a.get("href"): a.text_content() for a in dom.xpath("//div[contains(@class,'story')]//h2/a")}
    with ctx.db.session() as session:
        recent = story_store.recent(session, ctx.clock.now().replace(year=2000))
    assert set(links) == {f"/stories/{s.id}" for s in recent} and len(recent) >= 4
    assert any(text.startswith("Imran Khan appeal <img src=x") for text in links.values())


@needs_chromium
def test_each_story_page_shows_its_reports_and_highlights_what_is_new(served: tuple[str, Context]) -> None:
    base, ctx = served
    with ctx.db.session() as session:
        ids = [s.id for s in story_store.recent(session, ctx.clock.now().replace(year=2000))]
        stories = {i: story_store.story(session, i) for i in ids}
    marked_total = known_total = 0
    for story_id, found in stories.items():
        assert found is not None
        title, reports = found
        dom = lxml.html.fromstring(dump_dom(f"{base}/stories/{story_id}"))
        assert dom.xpath("string(//h1)") == title
        cards = dom.xpath("//div[contains(@class,'report')]")
        assert [c.get("id") for c in cards] == [f"report-{r.item_id}" for r in reports]  # oldest first
        for card, report in zip(cards, reports, strict=True):
            assert card.xpath("string(.//h2/a/@href)") == report.url
            assert report.outlet in card.xpath("string(.//div[@class='meta'])")
            marks = [m.text_content() for m in card.xpath(".//mark[@class='new-sentence']")]
            assert marks == [s for s in sentences(report.text) if s in set(report.novel_sentences)]
            marked_total += len(marks)
            for ref in card.xpath(".//sup[@class='source']/a/@href"):
                target, item = re.fullmatch(r"/stories/(\d+)#report-(\d+)", ref).groups()  # type: ignore[union-attr]
                other = stories.get(int(target))
                assert other is not None and int(item) in {r.item_id for r in other[1]}
                known_total += 1
    assert marked_total >= 3 and known_total >= 1  # the demo's new stories and a rewrite of one of them


@needs_chromium
def test_a_story_page_renders_in_chromium(served: tuple[str, Context], tmp_path: Path) -> None:
    base, ctx = served
    with ctx.db.session() as session:
        first = story_store.recent(session, ctx.clock.now().replace(year=2000))[0]
    png = screenshot(f"{base}/stories/{first.id}", tmp_path / "story.png", width=800, height=900)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24]) == (800, 900)
    assert len(data) > 10_000  # text and boxes were drawn, not a blank page


def test_digest_links_to_story_pages_when_public_url_is_set(served: tuple[str, Context]) -> None:
    from monitor.digest.render import render
    from monitor.digest.run import digest_content

    _, ctx = served
    public = replace(ctx, config=ctx.config.model_copy(update={"public_url": "https://news.example.org/monitor/"}))
    content = digest_content(public, "demo")
    assert content.entries
    for fmt in ("text", "markdown", "html", "slack"):
        body = render(content, fmt)  # type: ignore[arg-type]
        for entry in content.entries:
            assert f"https://news.example.org/monitor/stories/{entry.story}" in body, fmt
    assert "/stories/" not in render(digest_content(ctx, "demo"), "text")  # no public_url: no link
