"""Storage on SQLite and PostgreSQL: migrations, feeds, items, seeds and the digest ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text, update

from monitor.errors import StoreError, UsageError
from monitor.store import digests, feeds, items, seeds
from monitor.store.claims import LEASE
from monitor.store.schema import DeliveryRow
from monitor.store.session import Database
from monitor.types import (
    Article,
    FeedEntry,
    FeedSpec,
    FeedState,
    Judgement,
    NewItem,
    PollSuccess,
    Relevance,
    SeedDoc,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def database(url: str) -> Database:
    db = Database(url)
    db.upgrade()
    db.upgrade()  # idempotent
    return db


def new_item(feed_id: int, key: str, url: str, verdict: str | None = "new", score: float = 0.9) -> NewItem:
    judgement = Judgement(verdict, "new", score, ("Fresh fact.",)) if verdict else None  # type: ignore[arg-type]
    return NewItem(feed_id=feed_id, entry=FeedEntry(key, "Title " + key, url, "summary", NOW),
                   article=Article("text", "page"), relevance=Relevance(("t",), (), 0.5), judgement=judgement,
                   content_hash="h" + key, fetched_at=NOW, outlet="Outlet")


def test_migrations_create_every_table(db_url: str) -> None:
    db = database(db_url)
    tables = set(inspect(db.engine).get_table_names())
    assert {"feeds", "items", "seed_documents", "feed_errors", "stories", "digests", "digest_items",
            "deliveries", "digest_state", "deferred_pages", "alembic_version"} <= tables
    assert "known_sentences" not in tables  # dropped by migration 0003
    db.dispose()


def test_a_downgrade_and_upgrade_keep_every_row(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://a.example/feed", "A", None, None)], NOW)
        first = items.add_item(s, new_item(feeds.all_feeds(s)[0].id, "k1", "https://a.example/1"))
        digests.create_digest(s, "daily", NOW, item_ids=[first], channels=["email"], now=NOW)

    def counts() -> list[int]:
        with db.engine.connect() as connection:
            return [connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in ("items", "digest_items", "deliveries")]

    assert counts() == [1, 1, 1]
    assert db.migrations_after("0008")[-1] == (
        "0009: a judged item's multilingual vector names the model and the text it was computed from")
    # SQLite rebuilds the items table to drop a column: its digest ledger must not go with it
    assert db.downgrade("0008")[1] == "0008"
    assert "vector_of" not in {c["name"] for c in inspect(db.engine).get_columns("items")} and counts() == [1, 1, 1]
    assert db.upgrade()[0] == "0008" and counts() == [1, 1, 1]
    with pytest.raises(UsageError, match="no schema revision '8'"):
        db.downgrade("8")
    db.dispose()


def _unindexed_foreign_keys(db: Database) -> list[str]:
    """Foreign keys whose columns lead no index (nor the primary key): a lookup through one, such as
    the cascade when a parent row is deleted, scans the whole table for each row."""
    inspector = inspect(db.engine)
    missing = []
    for table in db.tables():
        leading = [index["column_names"] for index in inspector.get_indexes(table)]
        leading += [inspector.get_pk_constraint(table)["constrained_columns"]]
        leading += [unique["column_names"] for unique in inspector.get_unique_constraints(table)]
        for key in inspector.get_foreign_keys(table):
            columns = key["constrained_columns"]
            if not any(index[: len(columns)] == columns for index in leading):
                missing.append(f"{table}.{','.join(columns)}")
    return sorted(missing)


def test_every_foreign_key_leads_an_index_also_after_an_upgrade(db_url: str) -> None:
    """Retention deletes thousands of items a day, each looking up its digest reservations; a story's
    reports are found by story: without an index each was a scan of the whole table (a prune of
    20,000 items beside 20,000 reservations held SQLite's write lock for 30 s)."""
    db = database(db_url)
    assert _unindexed_foreign_keys(db) == []
    db.downgrade("0011")
    assert _unindexed_foreign_keys(db) == ["digest_items.item_id", "items.story_id"]
    db.upgrade()
    assert _unindexed_foreign_keys(db) == []
    db.dispose()


def test_a_database_a_newer_release_migrated_is_refused_naming_both_revisions(db_url: str) -> None:
    db = database(db_url)
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match=r"at schema revision 9999, which a newer release made .* up to \d{4}"):
        db.upgrade()
    db.dispose()


def test_feed_sync_and_state(db_url: str) -> None:
    db = database(db_url)
    spec_a = FeedSpec("https://a.example/feed", "A", None, None)
    spec_b = FeedSpec("https://b.example/feed", "B", ("t",), 600)
    with db.session() as s:
        assert feeds.sync_feeds(s, [spec_a, spec_b], NOW) == 2
    with db.session() as s:
        assert feeds.sync_feeds(s, [spec_b], NOW) == 0  # A leaves the config, B stays
        due = feeds.claim_due(s, NOW, LEASE)
    assert [f.url for f in due] == [spec_b.url] and due[0].topics == ("t",)
    with db.session() as s:
        failed = feeds.record_failure(s, due[0].id, now=NOW, error="fetch: 500 boom", next_poll_at=NOW + timedelta(1),
                                      status=500)
        assert failed.error_count == 1 and failed.failing_since == NOW and failed.enabled
        assert feeds.claim_due(s, NOW, LEASE) == []
    with db.session() as s:
        feeds.record_successes(s, [PollSuccess(due[0].id, NOW, "200", NOW, 3, '"e"', None, "x")])
        (state,) = feeds.find_feeds(s, str(due[0].id))
        assert state is not None
    assert state.error_count == 0 and state.etag == '"e"' and state.last_error == "fetch: 500 boom"
    db.dispose()


def test_only_permanent_failures_in_a_row_disable_a_feed(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://a.example/feed", "A", None, None)], NOW)
        (feed,) = feeds.all_feeds(s)

    def fail(status: int) -> FeedState:
        with db.session() as s:
            return feeds.record_failure(s, feed.id, now=NOW, error=f"fetch: {status}", next_poll_at=NOW,
                                        status=status, permanent=status == 404, disable_after=2)

    try:
        for status in (404, 503, 404, 503, 404, 503):  # scattered 404s: never two in a row
            state = fail(status)
            assert state.enabled and state.permanent_failures == (status == 404)
        assert fail(404).enabled and not fail(404).enabled  # two in a row
    finally:
        db.dispose()


def test_a_feed_is_found_among_those_polled_before_those_left_behind(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://a.example/old.xml", "Dawn", None, None)], NOW)
        feeds.sync_feeds(s, [FeedSpec("https://a.example/new.xml", "Dawn", None, None)], NOW)  # the config moved on
        (found,) = feeds.find_feeds(s, "Dawn")
        assert found.url == "https://a.example/new.xml"
        assert [f.url for f in feeds.find_feeds(s, "https://a.example/old.xml")] == ["https://a.example/old.xml"]
        feeds.sync_feeds(s, [FeedSpec("https://a.example/new.xml", "Dawn", None, None),
                             FeedSpec("https://b.example/rss", "Dawn", None, None)], NOW)
        assert len(feeds.find_feeds(s, "Dawn")) == 2  # ambiguous: the command asks for the id
    db.dispose()


def test_an_import_skips_a_moved_feed_s_new_address_and_brings_back_one_the_config_left(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://a.example/old.xml", "A", None, None),
                             FeedSpec("https://b.example/rss", "B", None, None)], NOW)
        (a,) = feeds.find_feeds(s, "A")
        feeds.record_successes(s, [PollSuccess(a.id, NOW, "200", NOW, 0, None, None, "x",
                                               moved_to="https://a.example/new.xml")])
        feeds.sync_feeds(s, [FeedSpec("https://a.example/old.xml", "A", None, None)], NOW)  # B left the config
        imported = [FeedSpec(url, name, None, None, source="opml")
                    for url, name in (("https://a.example/new.xml", "A"), ("https://b.example/rss", "B"))]
        assert feeds.add_feeds(s, imported, NOW).added == ("https://b.example/rss",)  # B again; A's new address is A
        assert sorted(f.url for f in feeds.all_feeds(s)) == ["https://a.example/old.xml", "https://b.example/rss"]
    db.dispose()


def test_a_feed_imported_again_takes_the_new_list_s_name_and_topics(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.add_feeds(s, [FeedSpec("https://a.example/rss", "A", ("us-pakistan",), None, source="opml"),
                            FeedSpec("https://b.example/rss", "B", None, None, source="opml")], NOW)
        again = [FeedSpec("https://a.example/rss", "A desk", ("imran-khan",), None, source="opml"),
                 FeedSpec("https://b.example/rss", "B", None, None, source="opml")]
        assert feeds.add_feeds(s, again, NOW) == feeds.Imported((), ("https://a.example/rss",))  # B is unchanged
        assert {f.url: (f.name, f.topics) for f in feeds.all_feeds(s)} == {
            "https://a.example/rss": ("A desk", ("imran-khan",)), "https://b.example/rss": ("B", None)}
    db.dispose()


def test_an_import_keeps_its_topics_until_the_config_lists_the_feed(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://c.example/rss", "C", ("imran-khan",), None)], NOW)
        imported = [FeedSpec("https://a.example/rss", "A", ("us-pakistan",), None, source="opml"),
                    FeedSpec("https://c.example/rss", "C", ("us-pakistan",), None, source="opml")]
        assert feeds.add_feeds(s, imported, NOW) == feeds.Imported(("https://a.example/rss",), ())
        assert {f.url: f.topics for f in feeds.all_feeds(s)} == {
            "https://c.example/rss": ("imran-khan",), "https://a.example/rss": ("us-pakistan",)}
        feeds.sync_feeds(s, [FeedSpec("https://c.example/rss", "C", ("imran-khan",), None),
                             FeedSpec("https://a.example/rss", "A", None, None)], NOW)  # the config lists A now
        assert {f.url: f.topics for f in feeds.all_feeds(s)} == {
            "https://c.example/rss": ("imran-khan",), "https://a.example/rss": None}
    db.dispose()


def test_items_dedupe_by_entry_and_url(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://a.example/feed", "A", None, None)], NOW)
        feed_id = feeds.all_feeds(s)[0].id
        items.add_item(s, new_item(feed_id, "k1", "https://a.example/1"))
    with db.session() as s:
        assert items.entry_seen(s, feed_id, "k1", "")
        assert items.entry_seen(s, feed_id, "other-guid", "https://a.example/1")  # GUID changed, same article
        assert not items.entry_seen(s, feed_id, "k2", "https://a.example/2")
    db.dispose()


def test_unjudged_items_are_stored_together_keeping_the_first_of_duplicates(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://a.example/feed", "A", None, None),
                             FeedSpec("https://b.example/feed", "B", None, None)], NOW)
        a, b = (f.id for f in feeds.all_feeds(s))
        items.add_item(s, new_item(a, "k1", "https://a.example/1"))
    batch = [new_item(a, "k1", "https://a.example/other", None),  # same feed and key as a stored item
             new_item(b, "k9", "https://a.example/1", None),  # same URL as a stored item
             new_item(a, "k2", "https://a.example/2", None),
             new_item(b, "k3", "https://a.example/2", None),  # same URL as an earlier row of the batch
             new_item(b, "k4", "", None)]  # no URL
    with db.session() as s:
        stored = items.add_unjudged(s, batch)
    assert stored == {(a, "k2"), (b, "k4")}
    with db.session() as s:
        assert items.entry_seen(s, a, "k2", "") and items.entry_seen(s, b, "k4", "")
        assert not items.entry_seen(s, b, "k3", "") and not items.entry_seen(s, b, "k9", "")
    db.dispose()


def test_seeds_load_idempotently(db_url: str) -> None:
    db = database(db_url)
    doc = SeedDoc("000_x", "Title", "Sentence one is here. Sentence two is here.")
    with db.session() as s:
        assert seeds.store_seed(s, doc, "hash1", NOW)
    with db.session() as s:
        assert not seeds.store_seed(s, doc, "hash1", NOW)
        assert seeds.store_seed(s, SeedDoc("000_x", "Title", "Changed text."), "hash2", NOW)
        assert [d.text for d in seeds.list_seeds(s)] == ["Changed text."]
    db.dispose()


def test_a_digest_with_a_least_score_is_owed_only_the_items_scored_at_least_that(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://a.example/feed", "A", None, None)], NOW)
        feed_id = feeds.all_feeds(s)[0].id
        items.add_item(s, new_item(feed_id, "k1", "https://a.example/1", score=0.3))
        high = items.add_item(s, new_item(feed_id, "k2", "https://a.example/2", score=0.5))
    with db.session() as s:
        assert [e.item_id for e in items.undigested(s, "urgent", ["new"], min_score=0.5)] == [high]
        assert len(items.undigested(s, "daily", ["new"])) == 2
    db.dispose()


def test_digest_is_created_once_and_reserves_items(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://a.example/feed", "A", None, None)], NOW)
        feed_id = feeds.all_feeds(s)[0].id
        first = items.add_item(s, new_item(feed_id, "k1", "https://a.example/1"))
        items.add_item(s, new_item(feed_id, "k2", "https://a.example/2", verdict="repeat"))
        items.add_item(s, new_item(feed_id, "k3", "https://a.example/3", verdict=None))
    with db.session() as s:
        todo = items.undigested(s, "daily", ["new", "update"])
        assert [e.item_id for e in todo] == [first] and todo[0].outlet == "Outlet"
        digest_id = digests.create_digest(s, "daily", NOW, item_ids=[first], channels=["email", "slack"], now=NOW)
        assert digest_id is not None
    with db.session() as s:
        again = digests.create_digest(s, "daily", NOW, item_ids=[first], channels=["email"], now=NOW)
        assert again is None  # same name and due time: never a second digest
        assert items.undigested(s, "daily", ["new", "update"]) == []
        assert [e.item_id for e in items.undigested(s, "weekly", ["new"])] == [first]
        owed = digests.pending(s, NOW)
    assert sorted(p.channel for p in owed) == ["email", "slack"]
    with db.session() as s:
        digests.mark_sent(s, owed[0].delivery_id, NOW)
        digests.mark_failed(s, owed[1].delivery_id, "notify: refused", NOW + timedelta(minutes=5))
    with db.session() as s:
        assert digests.pending(s, NOW) == []
        assert [p.channel for p in digests.pending(s, NOW + timedelta(minutes=5))] == [owed[1].channel]
        assert digests.delivery_counts(s) == {"sent": 1, "pending": 1}
    db.dispose()


def test_each_channel_shows_its_latest_delivery_and_when_it_last_succeeded(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        first = digests.create_digest(s, "daily", NOW, item_ids=[], channels=["email", "slack"], now=NOW)
        second = digests.create_digest(s, "daily", NOW + timedelta(days=1), item_ids=[], channels=["email"], now=NOW)
        digests.create_digest(s, "weekly", NOW, item_ids=[], channels=["email"], now=NOW)
    with db.session() as s:
        owed = {(p.digest_id, p.channel): p.delivery_id for p in digests.pending(s, NOW)}
        digests.mark_sent(s, owed[first, "email"], NOW)
        digests.mark_failed(s, owed[second, "email"], "notify: refused", None)
    with db.session() as s:
        states = digests.channel_states(s, "daily")
    assert [(c.channel, c.status, c.last_error, c.last_sent) for c in states] == [
        ("email", "failed", "notify: refused", NOW), ("slack", "pending", None, None)]
    db.dispose()


def test_digest_state(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        assert digests.last_due(s, "daily") is None
        digests.set_last_due(s, "daily", NOW)
        digests.set_last_due(s, "daily", NOW - timedelta(days=1))  # never moves backwards
    with db.session() as s:
        assert digests.last_due(s, "daily") == NOW
    db.dispose()


def test_a_digest_first_seen_by_two_replicas_at_once_keeps_one_clock(db_url: str) -> None:
    from sqlalchemy import event

    if db_url.startswith("sqlite"):
        pytest.skip("replicas share PostgreSQL; SQLite serves one process at a time")
    db = database(db_url)

    def other_replica_first(session: object, *args: object) -> None:  # just before this one's insert goes out
        with db.session() as other:
            digests.set_last_due(other, "daily", NOW + timedelta(hours=1))

    with db.session() as s:
        event.listen(s, "before_flush", other_replica_first, once=True)
        digests.set_last_due(s, "daily", NOW)  # the row exists by now: it is left as the other set it
        digests.set_last_due(s, "daily", NOW + timedelta(hours=2))
    with db.session() as s:
        assert digests.last_due(s, "daily") == NOW + timedelta(hours=2)
    db.dispose()


def test_retention_deletes_old_irrelevant_items_and_clears_old_text(db_url: str) -> None:
    from dataclasses import replace

    db = database(db_url)
    old, recent = NOW - timedelta(days=100), NOW - timedelta(days=1)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://a.example/feed", "A", None, None)], NOW)
        feed_id = feeds.all_feeds(s)[0].id
        for key, verdict, when in (("old-irr", None, old), ("old-rel", "new", old), ("new-irr", None, recent)):
            item = replace(new_item(feed_id, key, f"https://a.example/{key}", verdict=verdict), fetched_at=when)
            items.add_item(s, item)
        teaser = new_item(feed_id, "old-teaser", "https://a.example/t", verdict="new")  # no page: its teaser only
        items.add_item(s, replace(teaser, article=replace(teaser.article, text=""), fetched_at=old))
    with db.session() as s:
        assert items.prune(s, NOW - timedelta(days=90)) == (1, 2)
        assert items.prune(s, NOW - timedelta(days=90)) == (0, 0)
        kept = items.entries_by_id(s, [1, 2, 3])
    by_id = {e.item_id: e for e in kept}
    assert sorted(by_id) == [2, 3]  # the old irrelevant item is gone; the recent one stays
    assert by_id[2].verdict == "new" and by_id[2].novel_sentences == ("Fresh fact.",) and by_id[2].summary == ""
    assert by_id[3].summary == "summary"
    with db.session() as s:
        (teaser_kept,) = items.entries_by_id(s, [4])
    assert teaser_kept.summary == ""  # its teaser was all the text it had
    db.dispose()


def test_replicas_never_claim_the_same_feed_and_dead_claims_expire(db_url: str) -> None:
    import threading

    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec(f"https://h{i}.example/feed", str(i), None, None) for i in range(60)], NOW)
    replicas = [Database(db_url) for _ in range(3)]  # separate engines, as separate processes would have
    claimed: list[list[int]] = [[] for _ in replicas]
    start = threading.Barrier(len(replicas))

    def work(index: int) -> None:
        start.wait()
        while True:
            with replicas[index].session() as s:
                got = feeds.claim_due(s, NOW, timedelta(minutes=10), limit=7)
            if not got:
                return
            claimed[index].extend(f.id for f in got)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(replicas))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    every = [i for part in claimed for i in part]
    assert len(every) == 60 and len(set(every)) == 60  # each feed claimed exactly once
    with db.session() as s:
        assert feeds.claim_due(s, NOW + timedelta(minutes=5), timedelta(minutes=10)) == []  # still leased
        assert len(feeds.claim_due(s, NOW + timedelta(minutes=11), timedelta(minutes=10))) == 60  # expired
    for replica in replicas:
        replica.dispose()
    db.dispose()


def test_a_channel_listed_twice_gets_the_digest_once_instead_of_no_digest_at_all(db_url: str) -> None:
    """The unique delivery per channel made the second row fail, and that failure read as "created
    already": every digest of that name was skipped without a word."""
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://a.example/feed", "A", None, None)], NOW)
        first = items.add_item(s, new_item(feeds.all_feeds(s)[0].id, "k1", "https://a.example/1"))
    with db.session() as s:
        digest_id = digests.create_digest(s, "daily", NOW, item_ids=[first], channels=["email", "slack", "email"],
                                          now=NOW)
    assert digest_id is not None
    with db.session() as s:
        assert sorted(p.channel for p in digests.pending(s, NOW)) == ["email", "slack"]
        assert items.undigested(s, "daily", ["new"]) == []
    db.dispose()


def test_giving_back_claims_leaves_one_another_process_took_after_ours_lapsed(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://a.example/feed", "A", None, None)], NOW)
        first = items.add_item(s, new_item(feeds.all_feeds(s)[0].id, "k1", "https://a.example/1"))
        digests.create_digest(s, "daily", NOW, item_ids=[first], channels=["email", "slack"], now=NOW)
    with db.session() as s:
        ours = digests.claim_pending(s, NOW, LEASE)
    later = NOW + LEASE * 2  # our claims lapsed (renewal failed); another replica took the email one
    with db.session() as s:
        s.execute(update(DeliveryRow).where(DeliveryRow.channel == "email")
                  .values(claimed_by="elsewhere.example:1:1:0", claimed_until=later + LEASE))
    with db.session() as s:
        digests.release(s, [p.delivery_id for p in ours])
        free = digests.claim_pending(s, later, LEASE)
    assert [p.channel for p in free] == ["slack"]  # the email delivery is not sent by a third process too
    db.dispose()


def test_a_number_names_the_feed_with_that_id_and_the_feed_named_so(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://a.example/rss", "A", None, None),
                             FeedSpec("https://b.example/rss", "1", None, None),
                             FeedSpec("https://c.example/rss", "#news", None, None)], NOW)
        assert [f.name for f in feeds.find_feeds(s, "1")] == ["A", "1"]  # the command asks which
        assert [f.name for f in feeds.find_feeds(s, "#1")] == ["A"]  # #ID is the id alone
        assert [f.name for f in feeds.find_feeds(s, "2")] == ["1"]
        assert [f.name for f in feeds.find_feeds(s, "#news")] == ["#news"]  # a name, not an id
        assert feeds.find_feeds(s, "#7") == [] and feeds.find_feeds(s, "²") == [] and feeds.find_feeds(s, "#") == []
    db.dispose()
