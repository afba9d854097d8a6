"""Any failure while polling a feed, at any stage, is recorded on the feed with its stage, backs it off,
and never stops the cycle; one bad entry is skipped while the feed's other entries are stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import func, select

from monitor import pages, parse, pipeline
from monitor.demo.server import LocalSite
from monitor.novelty.judge import NoveltyJudge
from monitor.store import items as item_store
from monitor.store.schema import ItemRow
from tests.conftest import DATA
from tests.test_pipeline import NOW, context, feed_state

BAD = "Defence minister"  # the title of the entry that fails (a relevant one, so every stage sees it)


def serve_feed(site: LocalSite, extra: str = "") -> None:
    body = (DATA / "e2e" / "feed.xml").read_text().replace("{base}", site.base)
    site.put("/feed.xml", body.replace("</channel>", extra + "</channel>"), "application/rss+xml")
    page = "senate-committee-prison-visits.html"
    site.put(f"/articles/{page}", (DATA / "e2e" / page).read_text(), "text/html")


def failing(original: Callable[..., Any], bad: Callable[..., bool]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if bad(*args, **kwargs):
            raise RuntimeError("boom")
        return original(*args, **kwargs)
    return wrapper


def stored_count(ctx: pipeline.Context) -> int:
    with ctx.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(ItemRow)) or 0)


@pytest.mark.parametrize("stage", ["fetch", "parse"])
def test_a_failure_of_the_whole_feed_is_recorded(
    stage: str, tmp_path: Path, db_url: str, site: LocalSite, monkeypatch: pytest.MonkeyPatch,
) -> None:
    serve_feed(site)
    monkeypatch.setattr(pipeline, f"{stage}_feed", failing(getattr(pipeline, f"{stage}_feed"), lambda *a, **k: True))
    ctx, _ = context(tmp_path, db_url, site)
    try:
        (outcome,) = pipeline.poll_due(ctx)
        state = feed_state(ctx)
        assert outcome.status == "error" and state.last_error == f"{stage}: RuntimeError: boom"
        assert state.error_count == 1 and state.next_poll_at is not None and state.next_poll_at > NOW
        assert state.claimed_until is None  # the claim is released: retried after the back-off, not at lease expiry
    finally:
        ctx.close()


PATCHES: dict[str, tuple[ModuleType, str, Callable[..., bool]]] = {
    "page": (pages, "fetch_page", lambda http, url, **k: "syndicated-copy" in url),
    "extract": (pages, "extract_article", lambda html, **k: "senate-committee" in k["url"]),  # a page that exists
    "match": (pipeline, "match", lambda topics, title, *a: BAD in title),
}


@pytest.mark.parametrize("stage", ["page", "extract", "match", "judge", "store"])
def test_one_bad_entry_is_recorded_and_the_others_are_stored(
    stage: str, tmp_path: Path, db_url: str, site: LocalSite, monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = f"{stage}: RuntimeError: boom"
    if stage == "judge":
        bad_title: Callable[..., bool] = lambda self, key, title, *a, **k: BAD in title  # noqa: E731
        monkeypatch.setattr(NoveltyJudge, "prepare", failing(NoveltyJudge.prepare, bad_title))
    elif stage == "store":
        bad_item: Callable[..., bool] = lambda session, item: BAD in item.entry.title  # noqa: E731
        monkeypatch.setattr(item_store, "add_item", failing(item_store.add_item, bad_item))
    else:
        module, name, bad = PATCHES[stage]
        monkeypatch.setattr(module, name, failing(getattr(module, name), bad))
    serve_feed(site)
    ctx, clock = context(tmp_path, db_url, site)
    try:
        (outcome,) = pipeline.poll_due(ctx)
        state = feed_state(ctx)
        assert outcome.status == "error" and state.last_error is not None and state.last_error.startswith(expected)
        assert state.error_count == 1 and state.next_poll_at is not None and state.next_poll_at > NOW
        assert outcome.new_items == 2 and stored_count(ctx) == 2  # the other entries are stored
        monkeypatch.undo()  # the fault goes away: the next poll stores the entry that failed
        clock.advance(timedelta(hours=7))
        serve_feed(site)
        (outcome,) = pipeline.poll_due(ctx)
        assert outcome.status == "200" and feed_state(ctx).error_count == 0
        assert stored_count(ctx) == 3
    finally:
        ctx.close()


ODD = ("<item><title>Port out of range</title><link>http://example.com:99999/a</link></item>"
       "<item><title>Broken IPv6 literal</title><link>http://[::1/b</link><guid isPermaLink=\"false\">v6</guid></item>"
       "<item><title>Calendar edge</title><link>https://pub.example/edge</link>"
       "<pubDate>9999-12-31T23:59:59-23:59</pubDate></item>")


def test_odd_links_and_dates_cost_only_themselves(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    serve_feed(site, ODD)
    ctx, _ = context(tmp_path, db_url, site)
    try:
        (outcome,) = pipeline.poll_due(ctx)
        assert outcome.status == "200" and feed_state(ctx).error_count == 0
        assert outcome.new_items == 6  # the three good entries, and the odd ones without what was odd
        with ctx.db.session() as session:
            odd = {r.title: (r.url, r.published_at) for r in session.scalars(select(ItemRow))}
        assert not odd["Port out of range"][0] and not odd["Broken IPv6 literal"][0]
        assert odd["Calendar edge"] == ("https://pub.example/edge", NOW)  # an unknown date: the fetch time
    finally:
        ctx.close()


def test_an_entry_that_cannot_be_read_is_skipped_and_logged_and_the_feed_succeeds(
    tmp_path: Path, db_url: str, site: LocalSite, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(parse, "make_entry", failing(parse.make_entry, lambda **k: BAD in k["title"]))
    serve_feed(site)
    ctx, _ = context(tmp_path, db_url, site)
    try:
        (outcome,) = pipeline.poll_due(ctx)
        assert outcome.status == "200" and feed_state(ctx).error_count == 0
        assert outcome.new_items == 2 and stored_count(ctx) == 2
        assert [r.error for r in caplog.records if r.msg == "entry skipped"] == ["entry 3: RuntimeError: boom"]
    finally:
        ctx.close()


def test_a_feed_none_of_whose_entries_can_be_read_fails(
    tmp_path: Path, db_url: str, site: LocalSite, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parse, "make_entry", failing(parse.make_entry, lambda **k: True))
    serve_feed(site)
    ctx, _ = context(tmp_path, db_url, site)
    try:
        (outcome,) = pipeline.poll_due(ctx)
        state = feed_state(ctx)
        assert outcome.status == "error" and state.error_count == 1
        assert state.last_error == "identity: no entry could be read: entry 1: RuntimeError: boom"
    finally:
        ctx.close()
