"""Times stored ahead of a clock that was corrected back are moved back, so they hold no work back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from monitor.store import deferred, digests, feeds
from monitor.store.ahead import SKEW, Horizons, pull_back, shift_back
from monitor.store.claims import LEASE
from monitor.store.schema import FeedRow
from monitor.types import DeferredPage, FeedEntry, FeedSpec
from tests.store.test_store import NOW, database

HORIZONS = Horizons(poll=timedelta(hours=24), retry=timedelta(hours=4), page=timedelta(hours=1), lease=LEASE)
AHEAD = timedelta(days=400)  # the clock ran this far ahead when the times were written


def _store_written_ahead(url: str) -> tuple[int, int]:
    """Two feeds and a digest's clock and delivery, all written while the clock read NOW + AHEAD;
    the second feed's next poll is one a replica with a right clock wrote (an hour from NOW)."""
    db = database(url)
    later = NOW + AHEAD
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec(f"https://h{i}.example/feed", str(i), None, None) for i in range(2)], later)
        assert len(feeds.claim_due(s, later, LEASE, limit=1)) == 1  # a claim until later + LEASE
        s.execute(update(FeedRow).where(FeedRow.url == "https://h0.example/feed")
                  .values(next_poll_at=later + timedelta(minutes=15)))
        s.execute(update(FeedRow).where(FeedRow.url == "https://h1.example/feed")
                  .values(next_poll_at=NOW + timedelta(hours=1)))
        digests.register(s, ["daily"], later)
        digest_id = digests.create_digest(s, "daily", later, item_ids=[], channels=["email"], now=later)
        assert digest_id is not None
        delivery = digests.pending(s, later)[0]
        digests.mark_failed(s, delivery.delivery_id, "refused", later + timedelta(minutes=8))
        feed_id = feeds.all_feeds(s)[0].id
        entry = FeedEntry(key="k", title="t", link="https://h0.example/a", summary="", published=None)
        deferred.defer(s, [DeferredPage(feed_id, entry, 1, "503", later + timedelta(minutes=5))], later)
    db.dispose()
    return digest_id, delivery.delivery_id


def _due(url: str) -> tuple[list[str], int, object]:
    db = database(url)
    try:
        with db.session() as s:
            due = [f.url for f in feeds.claim_due(s, NOW, LEASE)]
            owed = len(digests.pending(s, NOW))
            return due, owed, digests.last_due(s, "daily")
    finally:
        db.dispose()


def test_times_beyond_every_rule_are_pulled_back_at_start_up(db_url: str) -> None:
    _store_written_ahead(db_url)
    assert _due(db_url)[:2] == ([], 0)  # without the correction nothing runs for 400 days
    db = database(db_url)
    with db.session() as s:
        assert pull_back(s, NOW, HORIZONS) == 5  # a feed's poll and claim, the delivery, the page, the digest's clock
    with db.session() as s:
        assert pull_back(s, NOW, HORIZONS) == 0
    db.dispose()
    due, owed, last = _due(db_url)
    assert due == ["https://h0.example/feed"]  # the other's next poll is within every rule: it is left alone
    assert owed == 1
    assert last == NOW


def test_a_time_within_the_skew_of_another_replica_is_left_alone(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://h.example/feed", "h", None, None)], NOW)
        s.execute(update(FeedRow).values(next_poll_at=NOW + HORIZONS.poll + SKEW / 2))
        digests.register(s, ["daily"], NOW + SKEW / 2)
    with db.session() as s:
        assert pull_back(s, NOW, HORIZONS) == 0
    db.dispose()


def test_a_step_seen_by_a_running_process_moves_every_time_ahead_back_by_the_step(db_url: str) -> None:
    _store_written_ahead(db_url)
    db = database(db_url)
    with db.session() as s:
        assert shift_back(s, NOW, AHEAD, LEASE) == 6  # both feeds' polls, the delivery, the page, the digest's clock,
        # the claim
    with db.session() as s:
        polls = {f.url: (f.next_poll_at, f.claimed_until) for f in feeds.all_feeds(s)}
        assert polls == {"https://h0.example/feed": (NOW + timedelta(minutes=15), None),
                         "https://h1.example/feed": (NOW, None)}  # written by a right clock: due at once
        assert digests.pending(s, NOW) == []
        assert len(digests.pending(s, NOW + timedelta(minutes=8))) == 1  # the retry is 8 minutes away again
        assert digests.last_due(s, "daily") == NOW
        assert [p.next_attempt_at for p in deferred.due(s, [feed.id for feed in feeds.all_feeds(s)],
                                                       NOW + timedelta(minutes=5))] == [NOW + timedelta(minutes=5)]
    db.dispose()


def test_a_digest_created_while_the_clock_ran_ahead_counts_toward_no_rate_limit_now(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        for when in (NOW + AHEAD, NOW - timedelta(minutes=10), NOW - timedelta(hours=2)):
            assert digests.create_digest(s, "alerts", when, item_ids=[], channels=["email"], now=when) is not None
    with db.session() as s:
        assert digests.created_between(s, "alerts", NOW - timedelta(hours=1), NOW) == 1
    db.dispose()
