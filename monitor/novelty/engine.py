"""Building the novelty judge for a config: the seed corpus first, then what is already stored."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from monitor.config import Config
from monitor.novelty.embed import get_embedder
from monitor.novelty.judge import NoveltyJudge
from monitor.novelty.model import Models
from monitor.seeds import read_seeds

SEED_TIME = datetime(1970, 1, 1, tzinfo=UTC)


def new_judge(config: Config, seeds_dir: Path | None = None, models: Models | None = None) -> NoveltyJudge:
    """A judge that knows the seed corpus (``seeds_dir`` or the config's); seed stories never expire."""
    judge = NoveltyJudge(get_embedder(config.novelty.embedder), config.novelty.thresholds(), models=models)
    judge.index.window = config.novelty.story_window
    for seed in read_seeds(seeds_dir or config.seeds_dir):
        judge.add_seed(seed.key, seed.title, seed.text, SEED_TIME, _day(seed.published))
    return judge


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
