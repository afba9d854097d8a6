"""The story pages, served by a real local server after a real poll of the demo's sample feeds,
and read through the DOM headless Chromium builds."""

from __future__ import annotations

import json
import logging
import os
import re
import struct
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast
from xml.sax.saxutils import escape

import httpx
import lxml.html
import pytest

from monitor import web
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
from tests.conftest import ROOT, free_port, write_config

needs_chromium = pytest.mark.skipif(
    find_chromium() is None and not os.environ.get("CI"),
    reason="Chromium: install it (Debian: apt install chromium) to run it")

HOSTILE = 'Imran Khan appeal <img src=x onerror="document.title=1"><script>alert(1)</script> & "more"'
HOSTILE_PAGE = """<html><head><title>Appeal</title></head><body><article><h1>Appeal</h1>
<p>Lawyers for Imran Khan, the founder of Pakistan Tehreek-e-Insaf, filed a petition in the Supreme Court
of Pakistan in Islamabad on Monday asking it to hear his appeal against the cipher case verdict.</p>
<p>The court fixed the petition for a hearing on January 14, 2027, before a three-member bench.</p>
</article></body></html>"""
# Right-to-left text, and a word too long for any line.
URDU = "عمران خان کی اپیل پر سماعت 14 جنوری کو ہوگی"
URDU_PAGE = """<html lang="ur" dir="rtl"><head><title>اپیل</title></head><body><article><h1>{title}</h1>
<p>پاکستان تحریک انصاف کے بانی عمران خان کے وکلاء نے پیر کو اسلام آباد میں سپریم کورٹ میں توشہ خانہ کیس کے فیصلے
کے خلاف اپیل کی جلد سماعت کے لیے درخواست دائر کی۔ عدالت نے درخواست کی سماعت کے لیے 14 جنوری 2027 کی تاریخ مقرر کرتے
ہوئے تین رکنی بنچ تشکیل دے دیا۔ وکلاء نے کہا کہ وہ عدالت کے فیصلے کا خیر مقدم کرتے ہیں اور سماعت کے لیے تیار ہیں۔</p>
</article></body></html>"""
LONG_WORD = "Imran Khan bail plea " + "x" * 300
LONG_PAGE = """<html><head><title>Bail</title></head><body><article><h1>{title}</h1>
<p>A bench of the Lahore High Court on Tuesday reserved its verdict on a bail plea filed by Imran Khan, the founder of
Pakistan Tehreek-e-Insaf, in the May 9 riots cases, after hearing arguments from both sides for two days.</p>
<p>The bench said it would announce the verdict on February 2, 2027 {word}.</p>
</article></body></html>"""


def _item(site_base: str, title: str, path: str, guid: str, when: str) -> str:
    return (f"<item><title>{escape(title)}</title><link>{site_base}{path}</link><guid>{guid}</guid>"
            f"<pubDate>{when}</pubDate></item>")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Context]]:
    base = load_config(ROOT / "config" / "watchlist.yaml")
    with sample_site() as site:
        add_seed_repeat(site, base)
        site.put("/articles/hostile.html", HOSTILE_PAGE, "text/html; charset=utf-8")
        site.put("/articles/urdu.html", URDU_PAGE.format(title=URDU), "text/html; charset=utf-8")
        site.put("/articles/long.html", LONG_PAGE.format(title=LONG_WORD, word="y" * 300), "text/html; charset=utf-8")
        site.put("/feeds/hostile.xml", (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile (sample)</title>'
            f"<link>{site.base}/</link>"
            + _item(site.base, HOSTILE, "/articles/hostile.html", "hostile", "Mon, 23 Nov 2026 09:00:00 +0500")
            + _item(site.base, URDU, "/articles/urdu.html", "urdu", "Mon, 23 Nov 2026 10:00:00 +0500")
            + _item(site.base, LONG_WORD, "/articles/long.html", "long", "Mon, 23 Nov 2026 11:00:00 +0500")
            + "</channel></rss>"), "application/rss+xml")
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
    assert page.headers["cache-control"] == "no-store" and "etag" not in page.headers  # pages are never kept
    assert feed.headers["cache-control"] == "no-cache" and feed.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(f"{base}/feed.xml", headers={"If-None-Match": feed.headers["etag"]}).status_code == 304


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


def _list_page(base: str, path: str) -> tuple[list[str | None], str, list[tuple[str | None, str]]]:
    """The story links a page of the story list shows, the line under its heading, and its pager's links."""
    page = httpx.get(f"{base}{path}")
    assert page.status_code == 200, path
    dom = lxml.html.fromstring(page.text)
    return ([a.get("href") for a in dom.xpath("//div[contains(@class,'story')]//h2/a")],
            dom.xpath("string(//h1/following-sibling::div[@class='meta'])"),
            [(a.get("href"), a.text_content()) for a in dom.xpath("//nav/a")])


def test_the_story_list_is_shown_a_page_at_a_time(
        served: tuple[str, Context], monkeypatch: pytest.MonkeyPatch) -> None:
    base, ctx = served
    with ctx.db.session() as session:
        recent = story_store.recent(session, ctx.clock.now().replace(year=2000))
    assert len(recent) >= 5
    expected = [f"/stories/{s.id}" for s in recent]

    links, meta, pager = _list_page(base, "/")
    assert links == expected and meta.startswith(f"{len(recent)} stories · ") and pager == []  # one page
    monkeypatch.setattr(web, "STORIES_LISTED", 2)
    pages = -(-len(recent) // 2)
    shown: list[str | None] = []
    for number in range(1, pages + 1):
        links, meta, pager = _list_page(base, f"/page/{number}" if number > 1 else "/")
        first = 2 * number - 1
        assert links == expected[first - 1:first + 1], number  # the most recently updated first
        assert meta.startswith(f"stories {first}–{first + len(links) - 1} of {len(recent)} · "), meta
        newer = [(f"/page/{number - 1}" if number > 2 else "/", "← newer stories")] if number > 1 else []
        older = [(f"/page/{number + 1}", "older stories →")] if number < pages else []
        assert pager == 2 * (newer + older), number  # above and below the stories
        shown += links
    assert shown == expected  # every story once, in order
    assert _list_page(base, "/page/1")[0] == expected[:2]  # the first page under its number too
    assert _list_page(base, "/page/2?utm=x")[0] == expected[2:4]  # a query string is ignored
    for beyond in (f"/page/{pages + 1}", "/page/0", "/page/00", "/page/", "/page/-1", "/page/2x", "/page/1/2",
                   "/page/%32", "/page/9999999", "/page"):
        assert httpx.get(f"{base}{beyond}").status_code == 404, beyond
    assert _raw(base, b"GET /page/\xb2 HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.0 404")  # a non-ASCII digit
    assert _raw(base, "GET /page/\u0662 HTTP/1.0\r\n\r\n".encode()).startswith(b"HTTP/1.0 404")  # Arabic 2
    missing = httpx.get(f"{base}/page/{pages + 1}")
    assert missing.headers["x-content-type-options"] == "nosniff" and missing.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in missing.headers["content-security-policy"]


def test_the_other_addresses_are_unchanged_by_the_pages_of_the_list(
        served: tuple[str, Context], monkeypatch: pytest.MonkeyPatch) -> None:
    base, ctx = served
    monkeypatch.setattr(web, "STORIES_LISTED", 2)
    with ctx.db.session() as session:
        first = story_store.recent(session, ctx.clock.now().replace(year=2000))[0]
    assert httpx.get(f"{base}/feed.xml").text.startswith("<?xml")
    assert httpx.get(f"{base}/stories/{first.id}").status_code == 200
    assert httpx.get(f"{base}/stories/{first.id}/page/1").status_code == 200
    for path in ("/pages/2", "/stories/page/2", "/feed.xml/page/2", "/page/2/", "/nosuch"):
        assert httpx.get(f"{base}{path}").status_code == 404, path
    assert httpx.head(f"{base}/page/2").status_code == 200


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


def test_the_sentences_of_a_report_are_separated(served: tuple[str, Context]) -> None:
    base, ctx = served
    with ctx.db.session() as session:
        ids = [s.id for s in story_store.recent(session, ctx.clock.now().replace(year=2000))]
        stories = [story_store.story(session, i) for i in ids]
    checked = 0
    for story_id, found in zip(ids, stories, strict=True):
        assert found is not None
        dom = lxml.html.fromstring(httpx.get(f"{base}/stories/{story_id}").text)
        for report in found[1]:
            texts = dom.xpath(f"//div[@id='report-{report.item_id}']/p[@class='text']")
            if not texts:
                continue  # a copy of another report says so instead of repeating its text
            for source in texts[0].xpath(".//sup"):
                source.drop_tree()  # the seed or report a known sentence matched
            shown = " ".join(texts[0].text_content().split())
            assert shown == " ".join(" ".join(sentences(report.text)).split()), report.title
            checked += 1
    assert checked >= 5


def test_a_story_of_many_reports_is_shown_a_page_at_a_time(
        served: tuple[str, Context], monkeypatch: pytest.MonkeyPatch) -> None:
    base, ctx = served
    monkeypatch.setattr(web, "REPORTS_PER_PAGE", 2)
    with ctx.db.session() as session:
        line = max(story_store.recent(session, ctx.clock.now().replace(year=2000)), key=lambda s: s.reports)
        found = story_store.story(session, line.id)
    assert found is not None and len(found[1]) == 3
    first, second = (lxml.html.fromstring(httpx.get(f"{base}/stories/{line.id}{rest}").text)
                     for rest in ("", "/page/2"))
    ids = [f"report-{r.item_id}" for r in found[1]]
    assert [c.get("id") for c in first.xpath("//div[contains(@class,'report')]")] == ids[:2]
    assert [c.get("id") for c in second.xpath("//div[contains(@class,'report')]")] == ids[2:]
    assert "3 reports (here 3–3)" in second.xpath("string(//h1/following-sibling::div[@class='meta'])")
    assert f"/stories/{line.id}/page/2" in first.xpath("//nav/a/@href")
    assert f"/stories/{line.id}" in second.xpath("//nav/a/@href")
    for beyond in ("/page/3", "/page/0"):
        assert httpx.get(f"{base}/stories/{line.id}{beyond}").status_code == 404


def test_a_known_sentence_links_to_the_page_that_shows_the_report_it_matched(
        served: tuple[str, Context], monkeypatch: pytest.MonkeyPatch) -> None:
    base, ctx = served
    monkeypatch.setattr(web, "REPORTS_PER_PAGE", 1)  # every report on a page of its own
    with ctx.db.session() as session:
        lines = story_store.recent(session, ctx.clock.now().replace(year=2000))
    links: set[str] = set()
    for line in lines:
        for page in range(1, line.reports + 1):
            dom = lxml.html.fromstring(httpx.get(f"{base}/stories/{line.id}/page/{page}").text)
            links |= set(dom.xpath("//div[contains(@class,'report')]//p//a/@href"))
    later = 0
    for link in links:
        path, _, anchor = link.partition("#")
        assert anchor.startswith("report-"), link
        target = lxml.html.fromstring(httpx.get(f"{base}{path}").text)
        assert target.xpath(f"//div[@id='{anchor}']"), link  # the page the link opens shows the report
        later += "/page/" in path
    assert later >= 1  # the demo's story of three reports: its last repeats its second, shown on page 2


_LAYOUT = ("<script>document.body.dataset.layout = JSON.stringify({"
           "overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,"
           "directions: Array.from(document.querySelectorAll('h1, h2, p.text'), e => getComputedStyle(e).direction)"
           "})</script>")


def _layout(base: str, path: str, folder: Path, width: int) -> dict[str, Any]:
    """How Chromium lays out the page at ``path`` in a window ``width`` pixels wide: by how many
    pixels its content overflows the window, and the text direction of each heading and text."""
    page = folder / "page.html"  # a copy with a measuring script (the served page runs none)
    page.write_text(httpx.get(f"{base}{path}").text.replace("</body>", _LAYOUT + "</body>"), encoding="utf-8")
    dom = lxml.html.fromstring(dump_dom(page.as_uri(), width=width))
    return cast(dict[str, Any], json.loads(dom.body.get("data-layout")))


def _story_with(ctx: Context, title: str) -> int:
    """The story of the report titled ``title``."""
    with ctx.db.session() as session:
        for line in story_store.recent(session, ctx.clock.now().replace(year=2000)):
            found = story_store.story(session, line.id)
            if found is not None and any(r.title == title for r in found[1]):
                return line.id
    raise AssertionError(f"no story has a report titled {title!r}")


@needs_chromium
def test_right_to_left_text_reads_right_to_left(served: tuple[str, Context], tmp_path: Path) -> None:
    base, ctx = served
    urdu = _layout(base, f"/stories/{_story_with(ctx, URDU)}", tmp_path, 800)
    assert len(urdu["directions"]) >= 3 and set(urdu["directions"]) == {"rtl"}  # title, report title, text
    with ctx.db.session() as session:
        english_id = next(s.id for s in story_store.recent(session, ctx.clock.now().replace(year=2000))
                          if s.title.isascii())
    english = _layout(base, f"/stories/{english_id}", tmp_path, 800)
    assert set(english["directions"]) == {"ltr"}
    index = lxml.html.fromstring(httpx.get(f"{base}/").text)
    assert all(h2.get("dir") == "auto" for h2 in index.xpath("//div[contains(@class,'story')]/h2"))
    assert index.xpath("//div[contains(@class,'story')]/div[@class='meta']/bdi")  # outlets are isolated


@needs_chromium
def test_a_word_longer_than_the_line_wraps_instead_of_overflowing(served: tuple[str, Context], tmp_path: Path) -> None:
    base, ctx = served
    for path in ("/", f"/stories/{_story_with(ctx, LONG_WORD)}"):
        assert _layout(base, path, tmp_path, 420)["overflow"] == 0, path


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


def test_pages_and_the_feed_are_a_503_while_the_database_is_down(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    down = f"postgresql://postgres:hunter2@127.0.0.1:{free_port()}/monitor"  # nothing listens there
    ctx = build_context(load_config(write_config(tmp_path / "w.yaml", database_url=down)))
    server = start_web_server(ctx, "127.0.0.1", 0)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        for path in ("/", "/page/2", "/stories/1", "/feed.xml"):
            answer = httpx.get(f"{base}{path}", timeout=60)
            assert (answer.status_code, answer.headers["retry-after"]) == (503, "30"), path
            assert answer.text == "the database is unavailable; try again shortly"
            assert answer.headers["x-content-type-options"] == "nosniff"
        assert httpx.head(f"{base}/", timeout=60).status_code == 503
    finally:
        server.shutdown()
        server.server_close()
        ctx.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]  # no traceback
    reasons = [getattr(r, "error", "") for r in caplog.records if r.name == "monitor.httpserve"]
    assert reasons and all("Connection refused" in reason and "hunter2" not in reason for reason in reasons)


def test_a_report_whose_text_retention_cleared_shows_the_sentences_it_was_judged_by() -> None:
    from datetime import UTC, datetime

    from monitor.types import Known, StoryReport

    report = StoryReport(item_id=7, title="Hearing adjourned", url="https://news.example/a", outlet="Example Times",
                         published=datetime(2026, 11, 24, 3, tzinfo=UTC), verdict="update", vs_seeds="new", text="",
                         novel_sentences=("The hearing moved to 3 December.",),
                         matches=(("The court sat in Islamabad.", "seed:court"),))
    view = web._view(report, {"seed:court": Known("seed:court", "Court seed", "Seed Post", "")})
    assert view.pruned and [(s.text, s.new) for s in view.sentences] == [
        ("The hearing moved to 3 December.", True), ("The court sat in Islamabad.", False)]
    page = web.environment().get_template("story.html.j2").render(
        title="Hearing", story_id=1, reports=[view], timezone="UTC", total=1, first=1, page=1, pages=1,
        report_link=web.report_link)
    dom = lxml.html.fromstring(page)
    assert dom.xpath("string(//mark[@class='new-sentence'])") == "The hearing moved to 3 December."
    assert "removed after the retention period" in dom.xpath("string(//div[@id='report-7'])")
