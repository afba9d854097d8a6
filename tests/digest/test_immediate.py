"""`immediate` digests: sent within the poll that saw the item, held in quiet hours, rate-limited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.clock import FrozenClock
from monitor.config import load_config
from monitor.context import Context, build_context
from monitor.daemon import run_once
from monitor.demo.server import LocalSite
from monitor.startup import start
from tests.conftest import DATA, write_config
from tests.test_e2e import serve_fixture

NOON_KARACHI = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 12:00 in Asia/Karachi


def context(tmp_path: Path, db_url: str, site: LocalSite, **digest: object) -> Context:
    serve_fixture(site)
    path = write_config(tmp_path / "w.yaml", database_url=db_url, feeds=[{"url": f"{site.base}/feed.xml"}],
                        digests=[{"name": "alerts", "schedule": "immediate", "timezone": "Asia/Karachi",
                                  **digest}])
    ctx = build_context(load_config(path), clock=FrozenClock(NOON_KARACHI))
    start(ctx)
    return ctx


def written(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "data" / "digests").glob("alerts-*.txt"))


def add_story(site: LocalSite, guid: str, title: str) -> None:
    page = (DATA / "e2e" / "senate-committee-prison-visits.html").read_text().replace(
        "Senate's standing committee on human rights", f"Senate's {guid} committee")
    site.put(f"/articles/{guid}.html", page.replace("Farhat Baig", f"Chair {guid.title()} Malik"), "text/html")
    feed = site.documents["/feed.xml"].body.decode().replace("<item>", f"""<item><title>{title}</title>
        <link>{site.base}/articles/{guid}.html</link><guid>{guid}</guid>
        <pubDate>Tue, 24 Nov 2026 11:00:00 +0500</pubDate><description>Imran Khan's lawyers.</description></item>
        <item>""", 1)
    site.put("/feed.xml", feed, "application/rss+xml")


def test_sent_within_the_poll_that_saw_it(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    ctx = context(tmp_path, db_url, site)
    try:
        report = run_once(ctx)
        assert report.digests == ("alerts",) and report.deliveries == (("(file)", True),)
        assert len(written(tmp_path)) == 1 and "Senate committee" in written(tmp_path)[0].read_text()
        assert run_once(ctx).digests == ()  # nothing new: nothing sent, not even an empty digest
    finally:
        ctx.close()


def test_quiet_hours_hold_items_until_they_end(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    ctx = context(tmp_path, db_url, site, quiet_hours="11:00-13:00")
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    try:
        assert run_once(ctx).digests == ()
        clock.advance(timedelta(hours=1, minutes=1))  # 13:01 local
        assert run_once(ctx).digests == ("alerts",)
        assert len(written(tmp_path)) == 1
    finally:
        ctx.close()


def test_rate_limit_per_hour(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    ctx = context(tmp_path, db_url, site, max_per_hour=1)
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    try:
        assert run_once(ctx).digests == ("alerts",)
        add_story(site, "budget", "Senate budget committee questions Imran Khan's jail visit rules")
        clock.advance(timedelta(hours=3))  # the feed is due again; the second story waits for the limit
        clock.set(NOON_KARACHI + timedelta(minutes=40))
        from monitor.startup import make_all_due

        make_all_due(ctx)
        report = run_once(ctx)
        assert report.feeds and report.digests == ()
        clock.advance(timedelta(minutes=30))
        assert run_once(ctx).digests == ("alerts",)
        assert len(written(tmp_path)) == 2
    finally:
        ctx.close()


def test_a_digest_added_later_holds_what_is_fetched_from_then_on(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    serve_fixture(site)
    feeds = [{"url": f"{site.base}/feed.xml"}]
    before = build_context(load_config(write_config(tmp_path / "w.yaml", database_url=db_url, feeds=feeds)),
                           clock=FrozenClock(NOON_KARACHI))
    try:
        start(before)
        assert [o.new_items for o in run_once(before).feeds] == [3]  # stored while no digest was configured
    finally:
        before.close()
    path = write_config(tmp_path / "w.yaml", database_url=db_url, feeds=feeds,
                        digests=[{"name": "alerts", "schedule": "immediate"}])
    ctx = build_context(load_config(path), clock=FrozenClock(NOON_KARACHI + timedelta(days=1)))  # added a day later
    try:
        start(ctx)
        assert run_once(ctx).digests == () and written(tmp_path) == []  # not the backlog
        add_story(site, "budget", "Senate budget committee hears Imran Khan's lawyers")
        assert isinstance(ctx.clock, FrozenClock)
        ctx.clock.advance(timedelta(hours=6))  # the feed is due again
        report = run_once(ctx)
        assert report.digests == ("alerts",) and "budget committee" in written(tmp_path)[0].read_text()
    finally:
        ctx.close()
