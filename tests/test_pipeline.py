"""The orchestrator: failures are recorded and retried later, never raised, and nothing is dropped."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from monitor import metrics
from monitor.clock import FrozenClock
from monitor.config import load_config
from monitor.context import Context, build_context
from monitor.demo.server import LocalSite
from monitor.judging import build_judge
from monitor.novelty.index import KnownDoc
from monitor.pipeline import poll_due
from monitor.startup import start
from monitor.store import feeds as feed_store
from monitor.store import items as item_store
from monitor.store.schema import DeferredPageRow, FeedRow, ItemRow
from monitor.types import FeedState
from tests.conftest import DATA, write_config

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def context(tmp_path: Path, db_url: str, site: LocalSite) -> tuple[Context, FrozenClock]:
    path = write_config(tmp_path / "w.yaml", database_url=db_url, feeds=[{"url": f"{site.base}/feed.xml"}])
    clock = FrozenClock(NOW)
    ctx = build_context(load_config(path), clock=clock)
    start(ctx)
    return ctx, clock


def feed_state(ctx: Context) -> FeedState:
    with ctx.db.session() as session:
        return feed_store.all_feeds(session)[0]


def test_failing_feed_is_recorded_backed_off_and_recovers(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    site.put("/feed.xml", "upstream broke", "text/plain", status=500)
    ctx, clock = context(tmp_path, db_url, site)
    try:
        (outcome,) = poll_due(ctx)
        assert outcome.status == "error" and "500" in (outcome.error or "")
        state = feed_state(ctx)
        assert state.error_count == 1 and state.last_error and state.last_error.startswith("fetch: 500")
        assert state.next_poll_at is not None and state.next_poll_at > NOW
        assert poll_due(ctx) == []  # not retried before its back-off ends
        site.put("/feed.xml", (DATA / "e2e" / "feed.xml").read_text().replace("{base}", site.base),
                 "application/rss+xml")
        clock.advance(timedelta(hours=1))
        (outcome,) = poll_due(ctx)
        assert outcome.status == "200" and outcome.new_items == 3
        assert feed_state(ctx).error_count == 0
    finally:
        ctx.close()


def test_html_page_instead_of_feed_is_an_error(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    site.put("/feed.xml", "<html><body><h1>Welcome</h1></body></html>", "text/html")
    ctx, _ = context(tmp_path, db_url, site)
    try:
        (outcome,) = poll_due(ctx)
        assert outcome.status == "error" and (outcome.error or "").startswith("parse: not a feed")
    finally:
        ctx.close()


def test_missing_article_page_falls_back_to_teaser(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    site.put("/feed.xml", (DATA / "e2e" / "feed.xml").read_text().replace("{base}", site.base), "application/rss+xml")
    ctx, _ = context(tmp_path, db_url, site)  # no article pages served: every page fetch is a 404
    try:
        (outcome,) = poll_due(ctx)
        assert outcome.new_items == 3
        with ctx.db.session() as session:
            rows = session.scalars(select(ItemRow).order_by(ItemRow.id)).all()
        senate = next(r for r in rows if "Senate" in r.title)
        assert senate.text_source == "summary"
        assert senate.text == "A Senate human rights committee asked Imran Khan's lawyers to appear on Thursday."
        assert senate.extract_error and "404" in senate.extract_error
        assert senate.verdict == "new"
    finally:
        ctx.close()


def test_feed_interval_sets_the_next_poll(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    undated = re.sub(r"<pubDate>[^<]*</pubDate>", "", (DATA / "e2e" / "feed.xml").read_text())
    site.put("/feed.xml", undated.replace("{base}", site.base), "application/rss+xml")  # no dates: no adaptation
    path = write_config(tmp_path / "w.yaml", database_url=db_url,
                        feeds=[{"url": f"{site.base}/feed.xml", "interval": "2h"}])
    ctx = build_context(load_config(path), clock=FrozenClock(NOW))
    try:
        start(ctx)
        poll_due(ctx)
        assert feed_state(ctx).next_poll_at == NOW + timedelta(hours=2)
    finally:
        ctx.close()


def test_a_feed_s_ttl_holds_across_304s_and_unchanged_bodies(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    undated = re.sub(r"<pubDate>[^<]*</pubDate>", "", (DATA / "e2e" / "feed.xml").read_text())
    site.put("/feed.xml", undated.replace("{base}", site.base).replace("<channel>", "<channel><ttl>180</ttl>", 1),
             "application/rss+xml")
    ctx, clock = context(tmp_path, db_url, site)
    try:
        assert poll_due(ctx)[0].status == "200" and feed_state(ctx).next_poll_at == NOW + timedelta(hours=3)
        clock.advance(timedelta(hours=3))
        assert poll_due(ctx)[0].status == "304"  # the feed's validators: nothing read
        assert feed_state(ctx).next_poll_at == clock.now() + timedelta(hours=3)  # still the feed's 3 hours, not 30m
    finally:
        ctx.close()


def test_changed_guid_on_a_known_article_does_not_realert(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    feed = (DATA / "e2e" / "feed.xml").read_text().replace("{base}", site.base)
    site.put("/feed.xml", feed, "application/rss+xml")
    ctx, clock = context(tmp_path, db_url, site)
    try:
        assert poll_due(ctx)[0].new_items == 3
        site.put("/feed.xml", feed.replace("frontier-fixture-00", "renumbered-guid-"), "application/rss+xml")
        clock.advance(timedelta(days=1))
        (outcome,) = poll_due(ctx)
        assert outcome.status == "200" and outcome.entries == 3 and outcome.new_items == 0
    finally:
        ctx.close()


def test_permanent_redirect_moves_the_feed(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    feed = (DATA / "e2e" / "feed.xml").read_text().replace("{base}", site.base)
    site.put("/new-home.xml", feed, "application/rss+xml")
    site.redirect("/feed.xml", "/new-home.xml", 301)
    ctx, clock = context(tmp_path, db_url, site)
    try:
        assert poll_due(ctx)[0].new_items == 3
        assert feed_state(ctx).fetch_url == f"{site.base}/new-home.xml"
        clock.advance(timedelta(days=1))
        assert poll_due(ctx)[0].status == "304"
        assert [p for p, _ in site.requests if p.endswith(".xml")] == ["/feed.xml", "/new-home.xml", "/new-home.xml"]
    finally:
        ctx.close()


def test_temporary_redirect_keeps_the_address(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    site.put("/elsewhere.xml", (DATA / "e2e" / "feed.xml").read_text().replace("{base}", site.base),
             "application/rss+xml")
    site.redirect("/feed.xml", "/elsewhere.xml", 302)
    ctx, _ = context(tmp_path, db_url, site)
    try:
        assert poll_due(ctx)[0].new_items == 3
        assert feed_state(ctx).fetch_url is None
    finally:
        ctx.close()


def test_unchanged_body_without_validators_is_not_reparsed(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    site.put("/feed.xml", (DATA / "e2e" / "feed.xml").read_text().replace("{base}", site.base),
             "application/rss+xml")
    site.validators = False
    ctx, clock = context(tmp_path, db_url, site)
    try:
        assert poll_due(ctx)[0].status == "200"
        clock.advance(timedelta(days=1))
        assert poll_due(ctx)[0].status == "unchanged"
    finally:
        ctx.close()


def test_the_judge_is_built_only_when_an_article_needs_judging(tmp_path: Path, site: LocalSite) -> None:
    feed = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Markets</title><item><title>Cotton prices '
            "steady in Multan</title><link>https://pub.example/cotton</link><description>Traders said demand held."
            "</description></item></channel></rss>")
    site.put("/feed.xml", feed, "application/rss+xml")
    ctx, _ = context(tmp_path, f"sqlite:///{tmp_path / 'lazy.db'}", site)
    try:
        (outcome,) = poll_due(ctx)
        assert outcome.new_items == 1 and outcome.relevant == 0
        assert ctx.judge.peek() is None  # no model or index loaded for a poll that judged nothing
        site.put("/feed.xml", (DATA / "e2e" / "feed.xml").read_text().replace("{base}", site.base),
                 "application/rss+xml")
        with ctx.db.session() as session:  # due again: the same process polls it once more
            feed_store.make_all_due(session, NOW)
        assert sum(o.relevant for o in poll_due(ctx)) > 0 and ctx.judge.peek() is not None
    finally:
        ctx.close()


def test_a_restart_reloads_the_judged_items_with_their_multilingual_vectors(
    tmp_path: Path, db_url: str, site: LocalSite,
) -> None:
    site.put("/feed.xml", (DATA / "e2e" / "feed.xml").read_text().replace("{base}", site.base), "application/rss+xml")
    ctx, _ = context(tmp_path, db_url, site)
    try:
        poll_due(ctx)
        with ctx.db.session() as session:
            stored = {r.id: (r.vector, r.vector_of) for r in
                      session.scalars(select(ItemRow).where(ItemRow.verdict.is_not(None)))}
        assert stored and all(v and len(v) == 2 * 384 and f and len(f) == 16 for v, f in stored.values())
        stale = min(stored)  # as if stored by a version that read another lead: renewed at the restart
        with ctx.db.session() as session:
            session.get_one(ItemRow, stale).vector_of = "0" * 16
            session.get_one(ItemRow, stale).vector = bytes(2 * 384)
        judge = build_judge(ctx)  # what a restarted process does
        reloaded = {d.key: d.report.cross for d in judge.index.docs if d.key.startswith("item:")}
        assert reloaded.keys() == {f"item:{i}" for i in stored}
        for item_id, (vector, _) in stored.items():
            cross = reloaded[f"item:{item_id}"]  # exactly the stored vector; the stale one computed again
            assert cross is not None and vector is not None and cross.astype("float16").tobytes() == vector
        with ctx.db.session() as session:
            row = session.get_one(ItemRow, stale)
            assert (row.vector, row.vector_of) == stored[stale]  # stored anew: the next restart reuses it
    finally:
        ctx.close()


UNDATED_FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Court adjourns Imran Khan's appeal to next week</title><link>{base}/a</link>
<pubDate>Mon, 23 Nov 2026 08:00:00 +0000</pubDate>
<description>The Islamabad High Court adjourned Imran Khan's appeal in the Toshakhana case to next Monday.</description>
</item>
<item><title>PTI announces a rally in Lahore for Imran Khan</title><link>{base}/b</link>
<description>Imran Khan's party said it would hold a rally in Lahore on Sunday to press for his release.</description>
</item></channel></rss>"""


def test_an_entry_without_a_date_is_judged_and_relearnt_undated(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    site.put("/feed.xml", UNDATED_FEED.replace("{base}", site.base), "application/rss+xml")
    ctx, _ = context(tmp_path, db_url, site)
    try:
        assert sum(o.relevant for o in poll_due(ctx)) == 2
        judge = ctx.judge.peek()
        assert judge is not None

        def dates(docs: list[KnownDoc]) -> dict[str, datetime | None]:
            return {d.lead.split(" ")[0]: d.report.published for d in docs if d.key.startswith("item:")}

        # The time it was fetched orders it, but is no evidence of when it happened (the week rule
        # and the seed horizon read only dates).
        expected = {"Court": datetime(2026, 11, 23, 8, 0, tzinfo=UTC), "PTI": None}
        assert dates(judge.index.docs) == expected
        assert dates(build_judge(ctx).index.docs) == expected  # a restart relearns it the same way
    finally:
        ctx.close()


UNDATED_WITH_DATED_PAGES = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Court adjourns Imran Khan's appeal to next week</title><link>{base}/court</link>
<description>The Islamabad High Court adjourned Imran Khan's appeal in the Toshakhana case to next Monday.</description>
</item>
<item><title>PTI announces a rally in Lahore for Imran Khan</title><link>{base}/2026/11/20/pti-rally</link>
<description>Imran Khan's party said it would hold a rally in Lahore on Sunday to press for his release.</description>
</item></channel></rss>"""

DATED_PAGE = """<html><head><title>Court adjourns Imran Khan's appeal</title>
<meta property="article:published_time" content="2026-11-18T06:30:00+05:00"></head><body><article>
<h1>Court adjourns Imran Khan's appeal to next week</h1>
<p>The Islamabad High Court on Wednesday adjourned the hearing of Imran Khan's appeal in the Toshakhana case
until next Monday, after the prosecution asked for more time to prepare its arguments before the bench.</p>
<p>Lawyers for the former prime minister said they would ask the court to decide the appeal quickly, since
their client has been in Adiala jail for more than two years and his health has been a concern for his family.</p>
</article></body></html>"""


def test_an_entry_without_a_date_is_dated_by_its_page_else_its_url(
        tmp_path: Path, db_url: str, site: LocalSite) -> None:
    site.put("/feed.xml", UNDATED_WITH_DATED_PAGES.replace("{base}", site.base), "application/rss+xml")
    site.put("/court", DATED_PAGE, "text/html; charset=utf-8")  # the rally's page is missing: its URL dates it
    ctx, _ = context(tmp_path, db_url, site)
    try:
        assert sum(o.relevant for o in poll_due(ctx)) == 2
        expected = {"Court": datetime(2026, 11, 18, 1, 30, tzinfo=UTC), "PTI": datetime(2026, 11, 20, tzinfo=UTC)}
        with ctx.db.session() as session:
            assert {r.title.split(" ")[0]: r.published_at for r in session.scalars(select(ItemRow))} == expected
        judge = ctx.judge.peek()
        assert judge is not None
        for docs in (judge.index.docs, build_judge(ctx).index.docs):  # dates are evidence, after a restart too
            assert {d.lead.split(" ")[0]: d.report.published for d in docs if d.key.startswith("item:")} == expected
    finally:
        ctx.close()


def test_a_link_is_stored_without_its_secret_query_values(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    """A private feed's links carry its token: the page is fetched with it, digests and pages show none."""
    feed = (DATA / "e2e" / "feed.xml").read_text().replace("{base}", site.base).replace(
        "prison-visits.html?utm_source=rss&amp;utm_medium=feed", "prison-visits.html?token=SeCrEtFeedTok3n&amp;page=2")
    site.put("/feed.xml", feed, "application/rss+xml")
    site.put("/articles/senate-committee-prison-visits.html",
             (DATA / "e2e" / "senate-committee-prison-visits.html").read_text(), "text/html; charset=utf-8")
    ctx, _ = context(tmp_path, db_url, site)
    try:
        poll_due(ctx)
        with ctx.db.session() as session:
            senate = next(r for r in session.scalars(select(ItemRow)) if "Senate" in r.title)
        assert senate.url == f"{site.base}/articles/senate-committee-prison-visits.html?page=2"
        assert senate.text_source == "page"  # fetched with the token
        assert any("token=SeCrEtFeedTok3n" in path for path, _ in site.requests)
        with ctx.db.session() as session:  # the link as a feed gives it is known as the stored one
            tokened = f"{site.base}/articles/senate-committee-prison-visits.html?token=SeCrEtFeedTok3n&page=2"
            assert item_store.seen_entries(session, 999, [("other-key", tokened)]) == {("other-key", tokened)}
    finally:
        ctx.close()


def test_an_article_another_feed_found_irrelevant_for_its_own_topics_is_judged_for_this_one_s(
    tmp_path: Path, db_url: str, site: LocalSite,
) -> None:
    """One article in two feeds limited to different topics (as Google News searches are): the feed
    that reads other topics stores it as irrelevant, which must not keep it from the other feed."""
    feed = (DATA / "e2e" / "feed.xml").read_text().replace("{base}", site.base)
    site.put("/us.xml", feed, "application/rss+xml")
    site.put("/khan.xml", feed.replace("frontier-fixture-00", "khan-desk-"), "application/rss+xml")
    us = {"url": f"{site.base}/us.xml", "topics": ["us-pakistan"]}
    khan = {"url": f"{site.base}/khan.xml", "topics": ["imran-khan"]}
    clock = FrozenClock(NOW)
    first = build_context(load_config(write_config(tmp_path / "a.yaml", database_url=db_url, feeds=[us])), clock=clock)
    try:
        start(first)
        poll_due(first)
    finally:
        first.close()
    with_both = write_config(tmp_path / "b.yaml", database_url=db_url, feeds=[us, khan])
    ctx = build_context(load_config(with_both), clock=clock)
    try:
        start(ctx)
        (outcome,) = poll_due(ctx)  # the us-pakistan feed is not due again yet
        assert outcome.feed_url.endswith("/khan.xml") and outcome.relevant >= 1
        with ctx.db.session() as session:
            senate = session.scalars(select(ItemRow).where(ItemRow.title.contains("Senate"),
                                                           ItemRow.verdict.is_not(None))).one()
            assert senate.url is not None and senate.url.endswith("/senate-committee-prison-visits.html")
            keys = set(session.scalars(select(ItemRow.entry_key).where(ItemRow.feed_id == senate.feed_id)))
            entries = [(key, "") for key in ("khan-desk-1", "khan-desk-2", "khan-desk-3")]
            # each of its entries is known by its key, so what neither feed wants is not read again at each poll
            assert keys == {"khan-desk-1", "khan-desk-2", "khan-desk-3"}
            assert len(item_store.seen_entries(session, senate.feed_id, entries, ("imran-khan",))) == 3
    finally:
        ctx.close()


SENATE_PAGE = "/articles/senate-committee-prison-visits.html"


def serve_senate_busy(site: LocalSite) -> str:
    """The fixture feed, its Senate article answering 503 (its Defence article is missing: a 404);
    returns the feed."""
    feed = (DATA / "e2e" / "feed.xml").read_text().replace("{base}", site.base)
    site.put("/feed.xml", feed, "application/rss+xml")
    site.put(SENATE_PAGE, "busy", "text/plain", status=503)
    return feed


def serve_senate_page(site: LocalSite) -> None:
    site.put(SENATE_PAGE, (DATA / "e2e" / "senate-committee-prison-visits.html").read_text(),
             "text/html; charset=utf-8")


def deferrals(ctx: Context) -> list[DeferredPageRow]:
    with ctx.db.session() as session:
        return list(session.scalars(select(DeferredPageRow).order_by(DeferredPageRow.id)))


def senate_items(ctx: Context) -> list[ItemRow]:
    with ctx.db.session() as session:
        return list(session.scalars(select(ItemRow).where(ItemRow.title.contains("Senate"))))


def page_requests(site: LocalSite) -> int:
    return sum(1 for path, _ in site.requests if path.startswith(SENATE_PAGE))


def make_due(ctx: Context, *feed_ids: int) -> None:
    """Make feeds due now (all of them when none is named), as their next poll time coming would."""
    with ctx.db.session() as session:
        query = update(FeedRow).where(FeedRow.id.in_(feed_ids)) if feed_ids else update(FeedRow)
        session.execute(query.values(next_poll_at=ctx.clock.now()))


def test_a_page_that_fails_for_now_is_deferred_then_stored_whole(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    """A 503 defers the entry (nothing stored for it); listed again before its time it waits; once its
    time has come a poll that finds the feed unchanged (304) still fetches the page, and stores it whole."""
    feed = serve_senate_busy(site)
    ctx, clock = context(tmp_path, db_url, site)
    deferred_before = metrics.REGISTRY.get_sample_value("monitor_deferred_pages_total") or 0
    try:
        (outcome,) = poll_due(ctx)
        assert outcome.status == "200" and outcome.new_items == 2 and outcome.deferred == 1
        assert senate_items(ctx) == [] and feed_state(ctx).error_count == 0
        (row,) = deferrals(ctx)
        assert (row.entry_key, row.attempts) == ("frontier-fixture-001", 1)
        assert row.next_attempt_at == NOW + timedelta(minutes=5)
        assert row.last_error.startswith("fetch: 503") and row.summary.startswith("A Senate human rights committee")
        assert row.link == f"{site.base}{SENATE_PAGE}" and row.published_at is not None
        assert metrics.REGISTRY.get_sample_value("monitor_deferred_pages_total") == deferred_before + 1

        site.put("/feed.xml", feed.replace("Frontier Bulletin", "Frontier Bulletin (late)"), "application/rss+xml")
        clock.advance(timedelta(minutes=1))
        make_due(ctx)
        (outcome,) = poll_due(ctx)  # the feed changed and lists the entry again, before its time
        assert outcome.status == "200" and outcome.new_items == 0 and outcome.deferred == 0
        assert page_requests(site) == 1 and senate_items(ctx) == [] and deferrals(ctx)[0].attempts == 1

        serve_senate_page(site)
        clock.advance(timedelta(minutes=4))
        make_due(ctx)
        (outcome,) = poll_due(ctx)
        assert outcome.status == "304" and outcome.new_items == 1 and outcome.relevant == 1
        (senate,) = senate_items(ctx)
        assert senate.text_source == "page" and senate.extract_error is None and senate.verdict is not None
        assert "Farhat Baig" in senate.text and len(senate.text) > 500
        assert deferrals(ctx) == [] and page_requests(site) == 2
    finally:
        ctx.close()


def test_after_page_attempts_failures_the_teaser_stands_in(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    serve_senate_busy(site)
    ctx, clock = context(tmp_path, db_url, site)
    try:
        poll_due(ctx)
        for attempts, wait in ((1, 5), (2, 10)):  # the back-off doubles
            (row,) = deferrals(ctx)
            assert row.attempts == attempts and row.next_attempt_at == clock.now() + timedelta(minutes=wait)
            clock.advance(timedelta(minutes=wait))
            make_due(ctx)
            (outcome,) = poll_due(ctx)
        assert outcome.status == "304" and outcome.new_items == 1 and outcome.deferred == 0
        assert page_requests(site) == 3 and deferrals(ctx) == []  # polling.page_attempts: 3
        (senate,) = senate_items(ctx)
        assert senate.text_source == "summary" and (senate.extract_error or "").startswith("fetch: 503")
        assert senate.text == "A Senate human rights committee asked Imran Khan's lawyers to appear on Thursday."
    finally:
        ctx.close()


def test_a_deferred_entry_the_feed_no_longer_lists_is_still_stored(
    tmp_path: Path, db_url: str, site: LocalSite,
) -> None:
    feed = serve_senate_busy(site)
    ctx, clock = context(tmp_path, db_url, site)
    try:
        poll_due(ctx)
        start_item, end_item = feed.index("<item>"), feed.index("</item>") + len("</item>")
        site.put("/feed.xml", feed[:start_item] + feed[end_item:], "application/rss+xml")  # the Senate entry is gone
        serve_senate_page(site)
        clock.advance(timedelta(minutes=5))
        make_due(ctx)
        (outcome,) = poll_due(ctx)
        assert outcome.status == "200" and outcome.entries == 2 and outcome.new_items == 1
        (senate,) = senate_items(ctx)
        assert senate.text_source == "page" and senate.entry_key == "frontier-fixture-001"
        assert senate.url == f"{site.base}{SENATE_PAGE}" and deferrals(ctx) == []
    finally:
        ctx.close()


def test_a_deferred_article_another_feed_stored_meanwhile_is_not_fetched_again(
    tmp_path: Path, db_url: str, site: LocalSite,
) -> None:
    feed = serve_senate_busy(site)
    site.put("/other.xml", feed.replace("frontier-fixture-00", "other-desk-"), "application/rss+xml")
    path = write_config(tmp_path / "w.yaml", database_url=db_url,
                        feeds=[{"url": f"{site.base}/feed.xml"}, {"url": f"{site.base}/other.xml"}])
    clock = FrozenClock(NOW)
    ctx = build_context(load_config(path), clock=clock)
    try:
        start(ctx)
        assert [o.deferred for o in poll_due(ctx)] == [1, 1]
        with ctx.db.session() as session:
            first, other = (feed.id for feed in sorted(feed_store.all_feeds(session), key=lambda f: "other" in f.url))
        assert sorted(row.feed_id for row in deferrals(ctx)) == sorted([first, other])
        serve_senate_page(site)
        clock.advance(timedelta(minutes=5))
        make_due(ctx, first)
        (outcome,) = poll_due(ctx)
        assert outcome.feed_url.endswith("/feed.xml") and outcome.new_items == 1 and page_requests(site) == 3
        assert [row.feed_id for row in deferrals(ctx)] == [other]
        clock.advance(timedelta(minutes=5))
        make_due(ctx, other)
        (outcome,) = poll_due(ctx)
        assert outcome.feed_url.endswith("/other.xml") and outcome.new_items == 0
        assert deferrals(ctx) == [] and page_requests(site) == 3  # settled, not fetched again
        (senate,) = senate_items(ctx)
        assert senate.feed_id == first and senate.text_source == "page"
    finally:
        ctx.close()


def test_a_missing_page_falls_back_at_once_even_with_attempts_left(
    tmp_path: Path, db_url: str, site: LocalSite,
) -> None:
    serve_senate_busy(site)
    site.put(SENATE_PAGE, "gone", "text/plain", status=410)
    ctx, _ = context(tmp_path, db_url, site)
    try:
        (outcome,) = poll_due(ctx)
        assert outcome.new_items == 3 and outcome.deferred == 0 and deferrals(ctx) == []
        (senate,) = senate_items(ctx)
        assert senate.text_source == "summary" and (senate.extract_error or "").startswith("fetch: 410")
    finally:
        ctx.close()


def test_one_page_attempt_means_the_teaser_at_once(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    serve_senate_busy(site)
    path = write_config(tmp_path / "w.yaml", database_url=db_url, feeds=[{"url": f"{site.base}/feed.xml"}],
                        polling={"allow_hosts": ["127.0.0.1"], "host_delay": "0s", "page_attempts": 1})
    ctx = build_context(load_config(path), clock=FrozenClock(NOW))
    try:
        start(ctx)
        (outcome,) = poll_due(ctx)
        assert outcome.new_items == 3 and outcome.deferred == 0 and deferrals(ctx) == []
        (senate,) = senate_items(ctx)
        assert senate.text_source == "summary" and (senate.extract_error or "").startswith("fetch: 503")
    finally:
        ctx.close()


def test_a_page_over_the_size_cap_falls_back_at_once_even_with_attempts_left(
    tmp_path: Path, db_url: str, site: LocalSite,
) -> None:
    serve_senate_busy(site)
    site.put(SENATE_PAGE, "<html><body>" + "<p>Senate committee.</p>" * 4000 + "</body></html>", "text/html")
    path = write_config(tmp_path / "w.yaml", database_url=db_url, feeds=[{"url": f"{site.base}/feed.xml"}],
                        polling={"allow_hosts": ["127.0.0.1"], "host_delay": "0s", "max_page_bytes": "64KB"})
    ctx = build_context(load_config(path), clock=FrozenClock(NOW))
    try:
        start(ctx)
        (outcome,) = poll_due(ctx)
        assert outcome.new_items == 3 and outcome.deferred == 0 and deferrals(ctx) == []  # it would be as large again
        (senate,) = senate_items(ctx)
        assert senate.text_source == "summary" and "exceeds the cap" in (senate.extract_error or "")
    finally:
        ctx.close()


PUBLISHERS_CLOCKS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Lawyers meet Imran Khan in Adiala jail</title><link>{base}/lawyers</link>
<pubDate>Sat, 06 Dec 2025 02:00:00 +0500</pubDate>
<description>Imran Khan's lawyers met the former prime minister in Adiala jail on Saturday, his party said.
</description>
</item>
<item><title>Sisters of Imran Khan turned away at Adiala jail</title><link>{base}/sisters</link>
<pubDate>Fri, 05 Dec 2025 21:00:00 GMT</pubDate>
<description>Imran Khan's sisters said they were not allowed to see their brother in Adiala jail on Saturday.
</description>
</item>
<item><title>Sons of Imran Khan address a rally in New York</title><link>{base}/sons</link>
<pubDate>Fri, 05 Dec 2025 22:30:00 -0500</pubDate>
<description>Imran Khan's sons told a rally in New York today that their father must be released from jail.
</description>
</item>
<item><title>Court hears Imran Khan's plea against his transfer</title><link>{base}/court-plea</link>
<description>The Islamabad High Court heard a plea by Imran Khan against his transfer.</description>
</item></channel></rss>"""

PLEA_PAGE_AT = """<html><head><title>Court hears Imran Khan's plea against his transfer</title>
<meta property="article:published_time" content="{published}"></head><body><article>
<h1>Court hears Imran Khan's plea against his transfer</h1>
<p>The Islamabad High Court on Saturday heard a plea by Imran Khan against his transfer from Adiala jail,
and asked the government to explain why the former prime minister could not be held where he is now.</p>
<p>His lawyers told the bench that the move would keep him from his family and his legal team, and that
the prison authorities had given no reason for it; the court will hear the government's reply next.</p>
</article></body></html>"""
PLEA_PAGE = PLEA_PAGE_AT.format(published="2025-12-06T02:00:00+05:00")


def test_relative_dates_count_from_the_publisher_s_day_when_its_date_states_an_offset(
    tmp_path: Path, db_url: str, site: LocalSite, resolved_days: dict[str, set[date]],
) -> None:
    """02:00 on Saturday in Karachi (+0500) is Friday in UTC, 22:30 on Friday in New York (-0500) is
    Saturday in UTC: "on Saturday" and "today" are the publisher's days. The same instant stated in
    UTC is read in UTC (that is what the feed said). An undated entry takes its page's offset."""
    site.put("/feed.xml", PUBLISHERS_CLOCKS.replace("{base}", site.base), "application/rss+xml")
    site.put("/court-plea", PLEA_PAGE, "text/html; charset=utf-8")  # the others' pages are missing: teasers
    ctx, _ = context(tmp_path, db_url, site)
    try:
        assert sum(o.relevant for o in poll_due(ctx)) == 4
        assert resolved_days == {"Lawyers": {date(2025, 12, 6)}, "Sisters": {date(2025, 11, 29)},
                                 "Sons": {date(2025, 12, 5)}, "Court": {date(2025, 12, 6)}}
        with ctx.db.session() as session:  # stored in UTC all the same
            stored = {r.title.split(" ")[0]: r.published_at for r in session.scalars(select(ItemRow))}
        assert stored["Lawyers"] == stored["Sisters"] == stored["Court"] == datetime(2025, 12, 5, 21, tzinfo=UTC)
        assert stored["Sons"] == datetime(2025, 12, 6, 3, 30, tzinfo=UTC)
    finally:
        ctx.close()


def test_a_deferred_entry_judged_after_a_restart_keeps_its_publisher_s_day(
    tmp_path: Path, db_url: str, site: LocalSite, resolved_days: dict[str, set[date]],
) -> None:
    first, end = PUBLISHERS_CLOCKS.index("<item>"), PUBLISHERS_CLOCKS.index("</item>") + len("</item>")
    lawyers_only = PUBLISHERS_CLOCKS[:end] + "</channel></rss>"
    site.put("/feed.xml", lawyers_only.replace("{base}", site.base), "application/rss+xml")
    site.put("/lawyers", "busy", "text/plain", status=503)
    ctx, _ = context(tmp_path, db_url, site)
    try:
        (outcome,) = poll_due(ctx)
        assert outcome.deferred == 1 and resolved_days == {}
    finally:
        ctx.close()
    site.put("/feed.xml", (PUBLISHERS_CLOCKS[:first] + "</channel></rss>").replace("{base}", site.base),
             "application/rss+xml")  # the feed no longer lists it: the deferral alone knows the entry
    site.put("/lawyers", PLEA_PAGE.replace("Court hears", "Lawyers say").replace(
        '<meta property="article:published_time" content="2025-12-06T02:00:00+05:00">', ""), "text/html")
    ctx, clock = context(tmp_path, db_url, site)  # a restart
    try:
        clock.advance(timedelta(minutes=5))
        make_due(ctx)
        (outcome,) = poll_due(ctx)
        assert outcome.new_items == 1 and outcome.relevant == 1
        assert resolved_days == {"Lawyers": {date(2025, 12, 6)}}
    finally:
        ctx.close()
