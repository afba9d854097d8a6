"""The labelled stream (tests/data/novelty): new-vs-known F1, story clustering B-cubed F1, redundant `new`."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from monitor.config import load_config
from monitor.replay import ReplayResult, read_items, replay
from tests.conftest import DATA, ROOT

FOLDER = DATA / "novelty"


@pytest.fixture(scope="module")
def results() -> tuple[list[ReplayResult], dict[str, dict[str, Any]]]:
    labels = {label["id"]: label for label in map(json.loads, (FOLDER / "labels.jsonl").read_text().splitlines())}
    out = replay(read_items(FOLDER / "stream.jsonl"), load_config(ROOT / "config" / "watchlist.yaml"))
    return out, labels


def b_cubed(pred: dict[str, Any], gold: dict[str, str]) -> float:
    precision = recall = 0.0
    for item, story in pred.items():
        same_pred = [j for j in pred if pred[j] == story]
        same_gold = [j for j in pred if gold[j] == gold[item]]
        both = [j for j in same_pred if gold[j] == gold[item]]
        precision += len(both) / len(same_pred)
        recall += len(both) / len(same_gold)
    precision, recall = precision / len(pred), recall / len(pred)
    return 2 * precision * recall / (precision + recall)


def test_stream_quality(results: tuple[list[ReplayResult], dict[str, dict[str, Any]]]) -> None:
    out, labels = results
    assert len(out) >= 80 and len({label["event"] for label in labels.values()}) >= 15
    tp = fp = fn = 0
    news: Counter[str] = Counter()
    for result in out:
        label = labels[result.id]
        want, got = label["expected"] in ("new", "update"), result.verdict in ("new", "update")
        tp, fp, fn = tp + (got and want), fp + (got and not want), fn + (want and not got)
        news[label["event"]] += result.verdict == "new"
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    # irrelevant items (no story) each stand alone
    pred = {r.id: r.story or f"alone:{r.id}" for r in out}
    clustering = b_cubed(pred, {i: labels[i]["event"] for i in pred})
    print(f"\nnew-vs-known: P {precision:.3f} R {recall:.3f} F1 {f1:.3f}; B-cubed F1 {clustering:.3f}")
    # The written stream is cleaner than real coverage; where they disagree the real corpus
    # (benchmarks/quality.py) wins, so these are regression floors, not the quality targets. The
    # development model of one split per tree (held-out macro-F1 0.869 -> 0.888 on real coverage)
    # reads 0.872 here: one first report sits at probability 0.49, its wire copy is then the `new`.
    assert f1 >= 0.87
    assert clustering >= 0.85
    # A split story re-announces its event; held to the share measured on real coverage (about 10%).
    assert len([event for event, count in news.items() if count > 1]) <= 0.1 * len(news)
