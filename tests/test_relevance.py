"""Precision and recall of the shipped watchlist on the labelled relevance set (tests/data/relevance)."""

from __future__ import annotations

import json

from monitor.config import load_config
from monitor.language import detect_language
from monitor.match import match
from tests.conftest import DATA, ROOT


def test_shipped_watchlist_precision_and_recall() -> None:
    topics = load_config(ROOT / "config" / "watchlist.yaml").compiled_topics()
    articles = [json.loads(line) for line in (DATA / "relevance" / "articles.jsonl").read_text().splitlines()]
    assert len(articles) >= 60
    tp = fp = fn = 0
    misses = []
    for article in articles:
        result = match(topics, article["title"], article["text"], detect_language(article["text"]))
        got, want = set(result.topics), set(article["topics"])
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
        if got != want:
            misses.append(f"{article['id']} ({article['category']}): got {sorted(got)}, want {sorted(want)}")
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\nrelevance set: {len(articles)} articles, precision {precision:.3f}, recall {recall:.3f}")
    print("\n".join(misses))
    assert precision >= 0.95, misses
    assert recall >= 0.95, misses
