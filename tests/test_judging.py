"""The judging turn shared by replicas: what one process stores, every other judge learns."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from monitor.config import load_config
from monitor.context import Context, build_context
from monitor.judging import judge_and_store, judge_of
from monitor.novelty.judge import NoveltyJudge
from monitor.novelty.text import content_hash
from monitor.startup import start
from monitor.store import feeds as feed_store
from monitor.store import items as item_store
from monitor.store import judged
from monitor.types import Article, FeedEntry, Judgement, NewItem, Relevance
from tests.conftest import DATA, write_config

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def article() -> dict[str, str]:
    return dict(json.loads((DATA / "novelty" / "stream.jsonl").read_text().splitlines()[0]))


def new_item(ctx: Context, key: str, judgement: Judgement | None = None) -> NewItem:
    source = article()
    with ctx.db.session() as session:
        feed_id = feed_store.all_feeds(session)[0].id
    entry = FeedEntry(key=key, title=source["title"], link="", summary="", published=NOW)
    return NewItem(feed_id=feed_id, entry=entry, article=Article(text=source["text"], source="page", language="en"),
                   relevance=Relevance(("imran-khan",), (), 1.0), judgement=judgement,
                   content_hash=content_hash(source["text"]), fetched_at=NOW)


def waiting_for_the_turn(ctx: Context, name: str) -> bool:
    """Whether the connection named ``name`` waits for an advisory lock (the judging turn)."""
    with ctx.db.session() as session:
        return bool(session.scalar(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE a.application_name = :name AND l.locktype = 'advisory' AND NOT l.granted"), {"name": name}))


def test_a_judge_built_while_another_process_judges_learns_that_item(tmp_path: Path, db_url: str) -> None:
    """Another replica's judgement in flight (its item's id taken, not committed) while this process
    builds its judge and a later item is committed: the judge still learns the in-flight item."""
    if not db_url.startswith("postgresql"):
        pytest.skip("replicas share a judge through PostgreSQL")
    name = f"judge-{uuid.uuid4().hex[:8]}"
    config = load_config(write_config(tmp_path / "w.yaml", database_url=f"{db_url}&application_name={name}",
                                      feeds=[{"url": "http://127.0.0.1:9/feed.xml"}]))
    ctx, other = build_context(config), build_context(config)
    try:
        start(ctx)
        in_flight = other.db.session()  # the other replica's turn: item stored, not yet committed
        session = in_flight.__enter__()
        judged.take_turn(session)
        story = judged.new_story(session, "Khan's supporters", NOW, 1000)
        first = item_store.add_item(session, new_item(other, "other", Judgement("new", "new", 0.5, story=story)))
        with other.db.session() as later:  # an irrelevant item committed meanwhile, with a higher id
            item_store.add_unjudged(later, [new_item(other, "irrelevant")])
        built: list[NoveltyJudge] = []
        builder = threading.Thread(target=lambda: built.append(judge_of(ctx)), daemon=True)
        builder.start()
        try:
            deadline = time.monotonic() + 120
            while builder.is_alive() and not waiting_for_the_turn(ctx, name) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            in_flight.__exit__(None, None, None)  # the other replica commits
        builder.join()
        copy = judge_and_store(ctx, new_item(ctx, "copy"))
        assert f"item:{first}" in {doc.key for doc in built[0].index.docs}
        assert copy is not None and copy.verdict == "repeat" and copy.story == story
    finally:
        ctx.close()
        other.close()
