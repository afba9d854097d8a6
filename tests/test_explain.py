"""``monitor explain``: an article is judged as of the date its page states."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.clock import FrozenClock
from monitor.config import load_config
from monitor.context import build_context
from monitor.explain import explain, load_article
from monitor.judging import judge_of
from monitor.startup import start
from tests.conftest import DATA, write_config

PAGE = DATA / "extract" / "short-wire.html"  # states its publication: 2026-10-06T11:42:00Z
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_an_article_is_judged_as_of_its_own_publication_date(tmp_path: Path) -> None:
    ctx = build_context(load_config(write_config(tmp_path / "w.yaml")), clock=FrozenClock(NOW))
    try:
        start(ctx)
        title, text, language, published = load_article(ctx, str(PAGE))
        assert published.startswith("2026-10-06")
        rewrite = " ".join(sorted(text.replace(".", "").split(), key=str.lower))  # same words, no shared run
        judge_of(ctx).remember("earlier", title, rewrite, datetime(2026, 10, 3, tzinfo=UTC), story_id=900,
                               language=language)
        decision = explain(ctx, str(PAGE))
        # Judged as of now (seven weeks on), the earlier report would be out of the story window.
        days = {c.story: c.days_apart for c in decision.candidates}
        assert days[900] == pytest.approx(3 + (11 * 60 + 42) / 1440)
    finally:
        ctx.close()
