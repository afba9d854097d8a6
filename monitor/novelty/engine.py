"""Building the novelty judge: its settings and the seed corpus come from the caller."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from threadpoolctl import threadpool_limits

from monitor.novelty.embed import get_embedder
from monitor.novelty.judge import NoveltyJudge
from monitor.novelty.model import Models
from monitor.types import JudgeSettings, SeedDoc

SEED_TIME = datetime(1970, 1, 1, tzinfo=UTC)


def new_judge(settings: JudgeSettings, seeds: Iterable[SeedDoc], models: Models | None = None) -> NoveltyJudge:
    """A judge with ``settings`` that knows ``seeds`` as known coverage; seed stories never expire.

    BLAS is held to one thread for the whole process: the judge's vector products are small, and
    BLAS threads left waiting after one take the cores the multilingual model needs next (judging
    with 10,000 stored items took 142 ms an article with two BLAS threads, 61 ms with one)."""
    threadpool_limits(limits=1, user_api="blas")
    judge = NoveltyJudge(get_embedder(settings.embedder), settings.thresholds, models=models,
                         window=settings.story_window)
    for seed in seeds:
        judge.add_seed(seed.key, seed.title, seed.text, SEED_TIME, seed_day(seed.published))
    return judge


def seed_day(value: str) -> date | None:
    """The day a seed was published, from its ``published`` metadata (None when absent or malformed)."""
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
