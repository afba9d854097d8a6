"""Novelty benchmark: replay throughput, and judging time as the store grows (1k, 10k, 100k items).

* Replay: the labelled stream (tests/data/novelty/stream.jsonl) through ``monitor.replay``
  with the shipped config and the default embedder, after the five seeds: articles per second.
* Growth: a judge is filled with synthetic stored articles (sentences drawn from the seed
  corpus's vocabulary, each article with its own names and numbers, one every 5 minutes), then
  the same 30 probe articles are judged (not remembered, three times each) at 1k, 10k and 100k stored
  items.
  Reported: median ms per judged article at each size, the 100k/1k ratio, and memory per stored item
  (process RSS growth while filling, divided by the items added).

Usage: .venv/bin/python benchmarks/novelty.py [--max 100000]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from monitor.config import load_config  # noqa: E402
from monitor.novelty.engine import new_judge  # noqa: E402
from monitor.novelty.judge import NoveltyJudge  # noqa: E402
from monitor.replay import read_items, replay  # noqa: E402
from monitor.seeds import read_seeds  # noqa: E402

STREAM = ROOT / "tests" / "data" / "novelty" / "stream.jsonl"
START = datetime(2025, 1, 1, tzinfo=UTC)


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic(rng: random.Random, words: list[str], n: int) -> tuple[str, str]:
    names = [f"{rng.choice(['Ahmed', 'Sara', 'Bilal', 'Nadia', 'Omar', 'Hina'])} {rng.choice(words).title()}"
             for _ in range(2)]
    sentences = []
    for i in range(5):
        body = " ".join(rng.choice(words) for _ in range(rng.randint(12, 22)))
        sentences.append(f"{names[i % 2]} said on {rng.randint(1, 28)} March that {body} {rng.randint(10, 9999)}.")
    return f"Report {n}: {names[0]} and {rng.choice(words)}", " ".join(sentences)


def fill(judge: NoveltyJudge, rng: random.Random, words: list[str], start: int, stop: int) -> None:
    """Stored items as a restart reloads them, each with a stored multilingual vector (random here: computing
    100k real ones would take hours, and the values do not change the cost of judging)."""
    vectors = np.random.default_rng(start)
    for n in range(start, stop):
        title, text = synthetic(rng, words, n)
        vector = vectors.standard_normal(384).astype(np.float32)
        judge.remember(f"synthetic:{n}", title, text, START + timedelta(minutes=5 * n), story_id=None, language="en",
                       vector=(vector / np.linalg.norm(vector)).astype(np.float16).tobytes())


PASSES = 3  # each probe is judged this many times: one pass of 30 moves by several ms with the machine


def probe(judge: NoveltyJudge, probes: list[tuple[str, str]], when: datetime) -> float:
    """The median time to judge one probe article (ms), over :data:`PASSES` passes."""
    times = []
    for _ in range(PASSES):
        for title, text in probes:
            began = time.perf_counter()
            judge.judge("probe", title, text, when, "en", remember=False)
            times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max", type=int, default=100_000)
    args = parser.parse_args()
    config = load_config(ROOT / "config" / "watchlist.yaml")

    items = list(read_items(STREAM))
    seeds = read_seeds(ROOT / "seeds")
    new_judge(config.novelty.settings(), seeds)  # load models and seeds once before timing
    began = time.perf_counter()
    replay(items, config)
    replay_rate = len(items) / (time.perf_counter() - began)

    judge = new_judge(config.novelty.settings(), seeds)
    words = sorted({w.lower() for d in judge.index.docs for w in d.text.split() if w.isalpha() and len(w) > 3})
    rng = random.Random(7)
    probes = [(i.title, i.text) for i in items if i.id < "n040"][:30]
    sizes = [s for s in (1_000, 10_000, 100_000) if s <= args.max]
    timings: dict[int, float] = {}
    filled, rss_before = 0, rss_mb()
    for size in sizes:
        fill(judge, rng, words, filled, size)
        filled = size
        timings[size] = probe(judge, probes, START + timedelta(minutes=5 * size))
    per_item_kb = (rss_mb() - rss_before) * 1024 / max(filled, 1)

    print(f"replay: {len(items)} labelled articles at {replay_rate:.1f} articles/s (default embedder, 2 cores)")
    for size in sizes:
        print(f"judging with {size:>7,} stored items: {timings[size]:.1f} ms per article (median)")
    if len(sizes) > 1:
        print(f"growth {sizes[-1]:,} vs {sizes[0]:,}: {timings[sizes[-1]] / timings[sizes[0]]:.2f}x")
    kept = len(judge.index.docs)
    print(f"memory: {per_item_kb:.1f} KB of process RSS growth per stored item over {filled:,} items; the judge "
          f"keeps the {kept:,} documents of the {judge.index.window.days}-day story window "
          f"({(rss_mb() - rss_before) * 1024 / max(kept, 1):.1f} KB each, vectors "
          f"{judge.index.memory_bytes() / max(kept, 1) / 1024:.1f} KB of it)")


if __name__ == "__main__":
    main()
