"""Stories as stored: a merge moves the reports of one story to another, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

from monitor.novelty.embed import HashingEmbedder
from monitor.novelty.judge import NoveltyJudge
from monitor.store import feeds, items, judged, stories
from monitor.types import FeedSpec, Thresholds
from tests.store.test_store import NOW, database, new_item


def test_a_merge_moves_reports_and_old_addresses_lead_to_the_kept_story(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://a.example/feed", "A", None, None)], NOW)
        feed_id = feeds.all_feeds(s)[0].id
        first, second, third = (judged.new_story(s, f"Story {n}", NOW, 10) for n in range(3))
        for key, story in (("k1", first), ("k2", second), ("k3", third)):
            item = new_item(feed_id, key, f"https://a.example/{key}")
            assert item.judgement is not None
            items.add_item(s, replace(item, judgement=replace(item.judgement, story=story)))
    with db.session() as s:
        judged.merge_stories(s, first, [second], NOW)
    with db.session() as s:
        assert judged.merges(s) == [(second, first)]
        kept = stories.story(s, second)
        assert kept is not None and kept[0] == "Story 0"
        assert sorted(r.title for r in kept[1]) == ["Title k1", "Title k2"]
        judged.merge_stories(s, third, [first], NOW)  # a later merge carries the earlier one along
    with db.session() as s:
        assert sorted(judged.merges(s)) == sorted([(first, third), (second, third)])
        found = stories.story(s, second)
        assert found is not None and len(found[1]) == 3
        assert [line.id for line in stories.recent(s, NOW)] == [third]
    db.dispose()


def test_a_judge_learns_merges_another_process_stored(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        first, second = (judged.new_story(s, f"Story {n}", NOW, 10) for n in range(2))
        judged.merge_stories(s, first, [second], NOW)
    judge = NoveltyJudge(HashingEmbedder(), Thresholds())
    judge.remember("item:1", "Court adjourns appeal", "The court adjourned the appeal hearing.", NOW,
                   story_id=first, language="en")
    judge.remember("item:2", "Appeal put off", "The appeal hearing was put off by the court.", NOW,
                   story_id=second, language="en")
    with db.session() as s:
        judge.merge(judged.merges(s))
    assert second not in judge.index.stories and len(judge.index.stories[first].docs) == 2
    db.dispose()
