"""Stories as a reader browses them: the recent ones a page at a time, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from monitor.store import feeds, items, judged, stories
from monitor.types import FeedSpec
from tests.store.test_store import NOW, database, new_item


def test_pages_of_recent_stories_neither_skip_nor_repeat_stories_updated_at_once(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://a.example/feed", "A", None, None)], NOW)
        feed_id = feeds.all_feeds(s)[0].id
        ids = [judged.new_story(s, f"Story {n}", NOW, 10) for n in range(5)]
        for n, story in enumerate(ids):  # all fetched at NOW but the third, fetched later
            item = new_item(feed_id, f"k{n}", f"https://a.example/{n}")
            assert item.judgement is not None
            when = NOW + timedelta(minutes=5) if n == 2 else NOW
            items.add_item(s, replace(item, judgement=replace(item.judgement, story=story), fetched_at=when))
    since = NOW - timedelta(days=14)
    with db.session() as s:
        everything = [line.id for line in stories.recent(s, since)]
        assert everything == [ids[2], ids[4], ids[3], ids[1], ids[0]]  # the latest, then ties newest first
        pages = [[line.id for line in stories.recent(s, since, 2, offset)] for offset in (0, 2, 4, 6)]
        assert pages == [everything[:2], everything[2:4], everything[4:], []]
        assert stories.count_recent(s, since) == 5
    db.dispose()

