"""The operator's use cases against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor import admin
from monitor.clock import FrozenClock
from monitor.config import load_config
from monitor.context import build_context
from monitor.errors import UsageError
from monitor.startup import start
from monitor.types import FeedSpec
from tests.conftest import ROOT, write_config

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_feed_administration(tmp_path: Path, db_url: str) -> None:
    path = write_config(tmp_path / "w.yaml", database_url=db_url, feeds=[{"url": "http://127.0.0.1:9/a.xml"}])
    ctx = build_context(load_config(path), clock=FrozenClock(NOW))
    try:
        start(ctx)
        added = admin.import_feeds(ctx, [FeedSpec("http://127.0.0.1:9/b.xml", "B", None, None, "opml"),
                                         FeedSpec("http://127.0.0.1:9/a.xml", "A again", None, None, "opml")])
        assert added == 1
        assert [f.url for f in admin.listed_feeds(ctx)] == ["http://127.0.0.1:9/a.xml", "http://127.0.0.1:9/b.xml"]
        details = admin.feed_details(ctx, "B")
        assert details.feed.url.endswith("/b.xml") and details.errors == ()
        assert admin.enable_feed(ctx, str(details.feed.id)).id == details.feed.id
        with pytest.raises(UsageError, match="no feed 'nosuch'"):
            admin.feed_details(ctx, "nosuch")
        seen = admin.overview(ctx)
        assert len(seen.feeds) == 2 and seen.verdicts == {} and seen.deliveries == {}
        assert {s.key for s in admin.seeds(ctx)} == {p.stem for p in (ROOT / "seeds").glob("*.txt")}
        assert admin.database_state(ctx) == ("ok", None)  # nothing polled yet
        assert admin.backlog(ctx) == (2, 0)
        assert admin.developments(ctx, 7) == [] and admin.recent_stories(ctx, 14) == admin.StoryList((), 0)
        assert admin.story_details(ctx, 12345) is None
    finally:
        ctx.close()
