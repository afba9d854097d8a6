"""Deferred pages on SQLite and PostgreSQL: kept whole, ended with their item, gone with their feed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, inspect, select

from monitor.store import deferred, feeds, items
from monitor.store.schema import FeedRow
from monitor.store.session import Database
from monitor.types import Article, DeferredPage, FeedEntry, FeedSpec, Judgement, NewItem, Relevance

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def database(url: str) -> tuple[Database, int, int]:
    """A migrated database with two feeds; returns it and the feeds' ids."""
    db = Database(url)
    db.upgrade()
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://a.example/feed", "A", None, None),
                             FeedSpec("https://b.example/feed", "B", None, None)], NOW)
        a, b = (feed.id for feed in feeds.all_feeds(s))
    return db, a, b


def entry(key: str) -> FeedEntry:
    return FeedEntry(key, f"Title {key}", f"https://pub.example/{key}?token=SeCrEt42", f"Teaser {key}.",
                     NOW - timedelta(hours=1), author="A. Writer", source="Pub")


def page(feed_id: int, key: str, attempts: int = 1, minutes: int = 5, error: str = "fetch: 503 service unavailable",
         ) -> DeferredPage:
    return DeferredPage(feed_id, entry(key), attempts, error, NOW + timedelta(minutes=minutes))


def item(feed_id: int, key: str, verdict: bool = False) -> NewItem:
    judgement = Judgement("new", "new", 0.9) if verdict else None
    return NewItem(feed_id, entry(key), Article("text", "page"), Relevance(("t",), (), 0.5) if verdict else
                   Relevance((), (), 0.0), judgement, "h" + key, NOW, deferred=True)


def test_a_deferral_keeps_the_whole_entry_and_its_last_attempt(db_url: str) -> None:
    db, a, b = database(db_url)
    leaky = "fetch: 503 from https://user:hunter2pw@pub.example/k1?token=SeCrEt42 " + "x" * 5000
    with db.session() as s:
        deferred.defer(s, [page(a, "k1", error=leaky), page(b, "k1", minutes=30)], NOW)
    with db.session() as s:
        assert deferred.due(s, [a, b], NOW) == []
        (first,) = deferred.due(s, [a, b], NOW + timedelta(minutes=5))
        assert first.entry == entry("k1") and first.feed_id == a and first.attempts == 1  # the link keeps its token
        assert "hunter2pw" not in first.error and "SeCrEt42" not in first.error and len(first.error) == 2000
        assert deferred.deferred_keys(s, a, ["k1", "k2"]) == {"k1"} and deferred.counts(s) == {a: 1, b: 1}
    with db.session() as s:  # the next attempt replaces count, error and time, not the first deferral's time
        deferred.defer(s, [page(a, "k1", attempts=2, minutes=15, error="fetch: timed out after 20s")], NOW)
        assert deferred.prune(s, NOW - timedelta(minutes=1)) == 0
    with db.session() as s:
        (again,) = deferred.of_feed(s, a)
        assert (again.attempts, again.error, again.next_attempt_at) == (2, "fetch: timed out after 20s",
                                                                        NOW + timedelta(minutes=15))
        assert deferred.prune(s, NOW + timedelta(days=1)) == 2 and deferred.counts(s) == {}
    db.dispose()


def test_storing_the_item_ends_its_deferral_in_the_same_transaction(db_url: str) -> None:
    db, a, b = database(db_url)
    with db.session() as s:
        deferred.defer(s, [page(a, "k1"), page(a, "k2"), page(a, "k3"), page(b, "k3")], NOW)
    with pytest.raises(RuntimeError), db.session() as s:
        items.add_item(s, item(a, "k1", verdict=True))
        assert items.add_unjudged(s, [item(a, "k2")]) == {(a, "k2")}
        assert deferred.counts(s) == {a: 1, b: 1}
        raise RuntimeError("a crash before the commit")  # keeps both deferrals: no entry is lost
    with db.session() as s:
        assert deferred.counts(s) == {a: 3, b: 1}
        items.add_item(s, item(a, "k1", verdict=True))
        items.add_unjudged(s, [item(a, "k2")])
        items.add_unjudged(s, [replace(item(a, "k2"), entry=entry("k2"))])  # stored before: settled all the same
        items.add_unjudged(s, [replace(item(a, "k3"), deferred=False)])  # not a retried one: its deferral stays
    with db.session() as s:
        assert [(p.feed_id, p.entry.key) for p in deferred.due(s, [a, b], NOW + timedelta(hours=1))] == [
            (a, "k3"), (b, "k3")]
    db.dispose()


def test_deleting_a_feed_deletes_its_deferrals(db_url: str) -> None:
    db, a, b = database(db_url)
    with db.session() as s:
        deferred.defer(s, [page(a, "k1"), page(a, "k2"), page(b, "k1")], NOW)
    with db.session() as s:
        s.execute(delete(FeedRow).where(FeedRow.id == a))
    with db.session() as s:
        assert deferred.counts(s) == {b: 1}
    db.dispose()


def test_an_upgrade_from_0012_adds_the_table_and_a_downgrade_removes_it(db_url: str) -> None:
    db, a, b = database(db_url)
    with db.session() as s:
        deferred.defer(s, [page(a, "k1")], NOW)
    assert db.migrations_after("0012")[-1] == (
        "0013: an entry whose article page failed for now is kept, to be fetched again at a later poll of its feed")
    assert db.downgrade("0012")[1] == "0012"
    assert "deferred_pages" not in inspect(db.engine).get_table_names()
    with db.session() as s:
        assert len(feeds.all_feeds(s)) == 2  # the feeds stay
    assert db.upgrade()[0] == "0012"
    with db.session() as s:
        assert deferred.counts(s) == {} and sorted(s.scalars(select(FeedRow.id))) == sorted([a, b])
        deferred.defer(s, [page(a, "k1")], NOW)
        assert deferred.counts(s) == {a: 1}
    db.dispose()


def test_a_deferral_keeps_the_utc_offset_its_entry_s_date_was_stated_in(db_url: str) -> None:
    """Relative dates ("on Saturday") count from the publisher's day: a deferred entry judged at a
    later poll, or after a restart, still knows it."""
    db, a, _ = database(db_url)
    karachi = replace(entry("k1"), utc_offset=300)
    with db.session() as s:
        deferred.defer(s, [replace(page(a, "k1"), entry=karachi), page(a, "k2")], NOW)
    with db.session() as s:
        assert [p.entry for p in deferred.due(s, [a], NOW + timedelta(hours=1))] == [karachi, entry("k2")]
    assert db.migrations_after("0013") == [
        "0014: a deferred entry keeps the UTC offset its date was stated in (its relative dates count from that day)"]
    assert db.downgrade("0013") == ("0014", "0013")
    assert "utc_offset" not in {c["name"] for c in inspect(db.engine).get_columns("deferred_pages")}
    with db.session() as s:
        assert deferred.counts(s) == {a: 2}  # the deferrals stay, their offsets forgotten
    assert db.upgrade() == ("0013", "0014")
    with db.session() as s:
        assert [p.entry for p in deferred.due(s, [a], NOW + timedelta(hours=1))] == [entry("k1"), entry("k2")]
    db.dispose()
