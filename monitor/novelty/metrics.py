"""Detection quality against a labelled corpus, as the corpus's scorer defines it.

relevance precision and recall; ``vs_seeds`` macro-F1 (mean F1 of "new" and "known") and known-recall
on relevant items; B-cubed F1 of stories against events (relevant, non-background items); alert
economy (events reported ``new`` more than once, and new events never reported ``new``). With
``only``, the figures cover those items (a held-out fold's); a held-out item's story still counts
every item in it, so joining another fold's event costs precision. A figure with nothing to count (no
article said relevant, no known article, no clustered article) is 0.0, as the scorer reports it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.errors import UsageError


@dataclass(frozen=True)
class Labelled:
    """One labelled article."""

    id: str
    relevant: bool
    event: str
    new: bool

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Labelled:
        """The labels of one corpus line; a missing or mistyped label is a KeyError or TypeError naming it."""
        for name in ("relevant", "new_vs_seeds"):
            if not isinstance(row[name], bool):
                raise TypeError(f"{name} must be true or false, not {json.dumps(row[name])}")
        if not isinstance(row["event"], str) or not row["event"]:
            raise TypeError(f"event must be a non-empty string, not {json.dumps(row['event'])}")
        return cls(str(row["id"]), row["relevant"], row["event"], row["new_vs_seeds"])


def read_labels(path: Path) -> list[Labelled]:
    """The labels of a corpus file, one per non-blank line as :func:`monitor.replay.read_items` reads
    its lines; a line without them is a UsageError naming the file, the line and the label."""
    truth = []
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw.decode("utf-8"))
                if not isinstance(row, dict):
                    raise TypeError(f"a JSON object, not {type(row).__name__}")
                truth.append(Labelled.of(row))
            except KeyError as exc:
                raise UsageError(f"{path}:{number}: not a labelled item (no {exc})") from exc
            except (ValueError, TypeError, RecursionError) as exc:
                raise UsageError(f"{path}:{number}: not a labelled item ({type(exc).__name__}: {exc})") from exc
    return truth


def score(
    truth: Sequence[Labelled], results: Sequence[Mapping[str, Any]], only: Collection[str] | None = None,
) -> dict[str, float]:
    """The figures for ``results`` (replay output rows) against ``truth``, over the items whose ids are
    in ``only`` (every item when None)."""
    predicted = {str(r["id"]): r for r in results}
    chosen = [t for t in truth if only is None or t.id in only]
    relevant = [t for t in chosen if t.relevant]
    figures = _relevance(chosen, predicted) | _vs_seeds(relevant, predicted)
    figures |= _bcubed(truth, chosen, predicted) | _alerts(relevant, predicted)
    return {k: round(v, 4) for k, v in figures.items()}


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _relevance(chosen: Sequence[Labelled], predicted: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    said = {t.id: bool(predicted.get(t.id, {}).get("relevant")) for t in chosen}
    tp = sum(said[t.id] and t.relevant for t in chosen)
    fp = sum(said[t.id] and not t.relevant for t in chosen)
    fn = sum(not said[t.id] and t.relevant for t in chosen)
    return {"relevance_p": tp / (tp + fp) if tp + fp else 0.0, "relevance_r": tp / (tp + fn) if tp + fn else 0.0}


def _vs_seeds(relevant: Sequence[Labelled], predicted: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    said = {t.id: predicted.get(t.id, {}).get("vs_seeds") == "new" for t in relevant}
    tp = sum(said[t.id] and t.new for t in relevant)
    fp = sum(said[t.id] and not t.new for t in relevant)
    fn = sum(not said[t.id] and t.new for t in relevant)
    tn = len(relevant) - tp - fp - fn
    return {
        "vs_seeds_macro_f1": (_f1(tp, fp, fn) + _f1(tn, fn, fp)) / 2,
        "known_recall": tn / (tn + fp) if tn + fp else 0.0,
    }


def _bcubed(
    truth: Sequence[Labelled], chosen: Sequence[Labelled], predicted: Mapping[str, Mapping[str, Any]],
) -> dict[str, float]:
    event = {t.id: t.event for t in truth if t.relevant and t.event != "background"}
    story = {i: predicted.get(i, {}).get("story") or f"__none__{i}" for i in event}
    by_story: defaultdict[str, set[str]] = defaultdict(set)
    by_event: defaultdict[str, set[str]] = defaultdict(set)
    for i in event:
        by_story[story[i]].add(i)
        by_event[event[i]].add(i)
    ids = [i for i in dict.fromkeys(t.id for t in chosen) if i in event]
    if not ids:
        return {"bcubed_p": 0.0, "bcubed_r": 0.0, "bcubed_f1": 0.0}
    p = sum(len(by_story[story[i]] & by_event[event[i]]) / len(by_story[story[i]]) for i in ids) / len(ids)
    r = sum(len(by_story[story[i]] & by_event[event[i]]) / len(by_event[event[i]]) for i in ids) / len(ids)
    return {"bcubed_p": p, "bcubed_r": r, "bcubed_f1": 2 * p * r / (p + r) if p + r else 0.0}


def _alerts(relevant: Sequence[Labelled], predicted: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    news: defaultdict[str, int] = defaultdict(int)
    for t in relevant:
        news[t.event] += predicted.get(t.id, {}).get("verdict") == "new"
    new_events = {t.event for t in relevant if t.new}
    total = max(len(new_events), 1)
    return {
        "new_events": float(len(new_events)),
        "redundant_new": float(sum(max(0, n - 1) for n in news.values())),
        "events_no_new": float(sum(1 for e in new_events if news[e] == 0)),
        "redundant_share": sum(1 for e in new_events if news[e] > 1) / total,
        "missed_share": sum(1 for e in new_events if news[e] == 0) / total,
    }
