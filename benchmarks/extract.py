"""Extraction + matching benchmark: the pipeline's stage against bare ``trafilatura.extract``.

Pages: every bundled article page (demo samples, extraction golden pages, end-to-end
fixtures). For each page the pipeline stage runs ``extract_article`` (trafilatura with
metadata, language identification) and ``match`` with the shipped watchlist topics.

It reports, measured in one run:
* single-core time per page for bare ``trafilatura.extract`` and for the pipeline stage,
  and the overhead as a ratio (interleaved rounds, medians, so machine noise hits both alike);
* throughput in articles per second on 2 cores (two worker processes) for the stage.

Usage: .venv/bin/python benchmarks/extract.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from monitor.config import load_config  # noqa: E402
from monitor.extract import extract_article  # noqa: E402
from monitor.match import match  # noqa: E402

FOLDERS = ("monitor/demo/data/articles", "tests/data/extract", "tests/data/e2e")
TOPICS = load_config(ROOT / "config" / "watchlist.yaml").compiled_topics()


def pages() -> list[tuple[str, str]]:
    found = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).glob("*.html")):
            found.append((f"https://bench.example/{path.name}", path.read_text(encoding="utf-8")))
    return found


def bare(url: str, html: str) -> int:
    return len(trafilatura.extract(html, url=url) or "")


def stage(url: str, html: str) -> int:
    article = extract_article(html, url=url, summary="")
    match(TOPICS, article.title, article.text, article.language)
    return len(article.text)


def one_round(fn: object, docs: list[tuple[str, str]]) -> float:
    assert callable(fn)
    start = time.perf_counter()
    for url, html in docs:
        fn(url, html)
    return time.perf_counter() - start


def throughput(docs: list[tuple[str, str]], rounds: int) -> float:
    work = docs * rounds
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(stage, *zip(*docs, strict=True)))  # warm both workers
        start = time.perf_counter()
        list(pool.map(stage, *zip(*work, strict=True), chunksize=8))
        return len(work) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    docs = pages()
    stage(*docs[0])  # load models and caches before timing
    bare(*docs[0])
    bare_times, stage_times = [], []
    for _ in range(args.rounds):
        bare_times.append(one_round(bare, docs))
        stage_times.append(one_round(stage, docs))
    b, s = statistics.median(bare_times) / len(docs), statistics.median(stage_times) / len(docs)
    size = sum(len(html) for _, html in docs) / len(docs) / 1024
    print(f"pages: {len(docs)} (mean {size:.1f} KB), {args.rounds} interleaved rounds, medians")
    print(f"bare trafilatura.extract: {b * 1000:.2f} ms/page")
    print(f"pipeline stage (extract with metadata + language + match): {s * 1000:.2f} ms/page")
    print(f"overhead of the stage over bare extraction: {(s / b - 1) * 100:.0f}% (ratio {s / b:.2f})")
    print(f"stage throughput on 2 cores: {throughput(docs, max(4, args.rounds // 3)):.0f} articles/s")


if __name__ == "__main__":
    main()
