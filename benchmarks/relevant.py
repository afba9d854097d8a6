"""What a relevant new article costs, end to end, once its page is fetched: extraction, language,
matching, judging and storing, with the novelty judge's share.

Each article of a corpus (``monitor replay`` format: ``title``, ``text``) is served to the stages
the way a poll hands them a fetched page: its text as an HTML page. The ones the shipped watchlist
keeps are judged and stored in a fresh SQLite database, in order, so the judge works against a
growing store. The judge is built (models, seeds) before the clock starts; that one-off cost is
printed on its own.

Usage: .venv/bin/python benchmarks/relevant.py CORPUS.jsonl [--repeat 3]
       (e.g. ../shared/eval-dev/corpus.jsonl: real articles; the corpus is read, never copied)
"""

from __future__ import annotations

import argparse
import html
import logging
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor import judging  # noqa: E402
from monitor.clock import FrozenClock  # noqa: E402
from monitor.config import load_config  # noqa: E402
from monitor.context import Context, build_context  # noqa: E402
from monitor.extract import extract_article  # noqa: E402
from monitor.language import detect_language  # noqa: E402
from monitor.match import match  # noqa: E402
from monitor.novelty.judge import NoveltyJudge  # noqa: E402
from monitor.novelty.text import content_hash  # noqa: E402
from monitor.replay import ReplayItem, read_items  # noqa: E402
from monitor.startup import start  # noqa: E402
from monitor.types import FeedEntry, NewItem  # noqa: E402

T0 = datetime(2025, 1, 1, tzinfo=UTC)
STAGES = ("extract", "language", "match", "judge: prepare", "judge: decide", "judge: remember", "store")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the corpus, each in a fresh store")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    items = list(read_items(args.corpus))
    per_article: list[dict[str, float]] = []
    build = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            clock = FrozenClock(T0)
            ctx = _context(Path(tmp), clock)
            try:
                started = time.perf_counter()
                judge = judging.judge_of(ctx)
                build.append(time.perf_counter() - started)
                per_article += _pass(ctx, clock, judge, items)
            finally:
                ctx.close()
    _report(per_article, build, len(items), args.repeat)


def _context(workdir: Path, clock: FrozenClock) -> Context:
    shipped = yaml.safe_load((ROOT / "config" / "watchlist.yaml").read_text())
    config = {"data_dir": str(workdir), "seeds_dir": str(ROOT / "seeds"), "google_news": {"enabled": False},
              "topics": shipped["topics"], "feeds": [{"url": "http://127.0.0.1:9/feed.xml", "name": "bench"}]}
    path = workdir / "bench.yaml"
    path.write_text(yaml.safe_dump(config))
    ctx = build_context(load_config(path), clock=clock)
    start(ctx)
    return ctx


def _pass(ctx: Context, frozen: FrozenClock, judge: NoveltyJudge, items: list[ReplayItem]) -> list[dict[str, float]]:
    """Every item through the stages; the times of those judged and stored."""
    topics = ctx.config.compiled_topics()
    timer = _Timer()
    _time_judge(judge, timer)
    measured = []
    clock = T0
    for number, item in enumerate(items):
        clock = max(clock, item.published or clock) + timedelta(seconds=1)
        frozen.set(clock)
        timer.spent.clear()
        with timer("extract"):
            article = extract_article(_page(item), url=item.url or f"https://example.org/{number}", summary="")
        with timer("language"):
            language = article.language or detect_language(article.text)
        with timer("match"):
            relevance = match(topics, item.title, article.text, language)
        if not relevance.relevant:
            continue
        entry = FeedEntry(key=f"bench:{number}", title=item.title, link=item.url or f"https://example.org/{number}",
                          summary="", published=item.published)
        new = NewItem(feed_id=1, entry=entry, article=replace(article, language=language), relevance=relevance,
                      judgement=None, content_hash=content_hash(article.text), fetched_at=clock, outlet="bench")
        with timer("store"):
            judging.judge_and_store(ctx, new)
        spent = dict(timer.spent)
        spent["store"] -= sum(v for k, v in spent.items() if k.startswith("judge"))  # the judge ran inside it
        measured.append(spent)
    return measured


class _Timer:
    def __init__(self) -> None:
        self.spent: defaultdict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.spent[stage] += time.perf_counter() - started


def _time_judge(judge: NoveltyJudge, timer: _Timer) -> None:
    """Wrap the judge's three steps so that their time is counted apart from storing."""
    for method, stage in (("prepare", "judge: prepare"), ("decide", "judge: decide"), ("accept", "judge: remember")):
        original: Callable[..., Any] = getattr(NoveltyJudge, method)

        def timed(*args: Any, _original: Callable[..., Any] = original, _stage: str = stage, **kwargs: Any) -> Any:
            with timer(_stage):
                return _original(*args, **kwargs)

        setattr(judge, method, timed.__get__(judge))


def _page(item: ReplayItem) -> str:
    if item.html:
        return item.html
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in item.text.split("\n") if p.strip())
    return (f"<html><head><title>{html.escape(item.title)}</title></head><body><nav>Home | World</nav>"
            f"<article><h1>{html.escape(item.title)}</h1>{paragraphs}</article><footer>(c)</footer></body></html>")


def _report(rows: list[dict[str, float]], build: list[float], items: int, repeat: int) -> None:
    totals = [sum(r.values()) for r in rows]
    total = sum(totals)
    print(f"relevant articles: {len(rows) // repeat} of {items}, {repeat} passes, each in a fresh store")
    print(f"judge built before the first article (models, seeds): {statistics.median(build) * 1000:.0f} ms (once)")
    print(f"per relevant article, median {statistics.median(totals) * 1000:.1f} ms, "
          f"mean {statistics.mean(totals) * 1000:.1f} ms, p90 {_p90(totals) * 1000:.1f} ms")
    print("stage            median ms   mean ms   share")
    for stage in STAGES:
        values = [r.get(stage, 0.0) for r in rows]
        print(f"{stage:<16} {statistics.median(values) * 1000:9.1f} {statistics.mean(values) * 1000:9.1f} "
              f"{100 * sum(values) / total:6.1f} %")
    judge = sum(r.get(s, 0.0) for r in rows for s in STAGES if s.startswith("judge"))
    print(f"the judge's share: {100 * judge / total:.1f} %")


def _p90(values: list[float]) -> float:
    return sorted(values)[int(0.9 * (len(values) - 1))]


if __name__ == "__main__":
    main()
