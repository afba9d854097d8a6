"""Fit the story and development decisions on a labelled corpus, with cross-validation grouped by event.

usage: python -m monitor.novelty.fit CORPUS.jsonl --seeds DIR --seed-events FILE.json [--out FILE.json]
       [--repeats N] [--held-out OUT.jsonl] [--config FILE] [--story-threshold X] [--merge-threshold X]

``CORPUS.jsonl`` holds labelled articles in stream order (``id``, ``title``, ``text``, ``published``,
``relevant``, ``event``, ``new_vs_seeds``); ``--seed-events`` maps each seed file's key to the event it
reports (``background`` for commentary). Needs scikit-learn (the ``dev`` extra).

1. The stream is replayed once with the labelled stories: every article is compared with every known
   document on the same-event channels (:func:`monitor.novelty.features.pair_features`).
2. Events are split into folds (GroupKFold); each background piece is a group of its own (commentary
   and rehash share a theme, not an event, and the scorer counts each alone). For each fold,
   boosted trees are fitted on the pairs of the other folds' events; the whole stream is replayed
   with them, collecting each article's development features; boosted trees are fitted on the other
   folds' articles; the stream is replayed again with both, and the held-out events' articles are
   scored (:mod:`.metrics`).
3. The figures are the mean over held-out folds; the shipped models are fitted on everything. With
   ``--repeats N`` the folding is repeated with N - 1 further shuffles of the events (the first is
   GroupKFold's own split) and the mean is over every held-out fold of every repeat: with few events,
   one split's figures move by several points with the split alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from monitor.config import load_config
from monitor.errors import MonitorError, UsageError
from monitor.language import detect_language
from monitor.novelty import judge as judge_module
from monitor.novelty import vectors
from monitor.novelty.decision import Decision
from monitor.novelty.embed import Embedder, Matrix, get_embedder
from monitor.novelty.engine import SEED_TIME, new_judge
from monitor.novelty.features import DEVELOPMENT_FEATURES, PAIR_FEATURES
from monitor.novelty.metrics import Labelled, read_labels, score
from monitor.novelty.model import WEIGHTS, models_from
from monitor.replay import ReplayItem, read_items, replay
from monitor.seeds import read_seeds

FOLDS = 5
STORY_THRESHOLD = 0.4  # story score that joins a story (mean and max of same-event probabilities)
MERGE_THRESHOLD = 0.8  # story score with a second story that shows the two report one event
TREES = {"max_depth": 3, "learning_rate": 0.05, "max_iter": 200, "min_samples_leaf": 20}
# The development decision has one row per article (about 200), not per pair: one split a tree, so
# that each piece of evidence adds its own amount (no interactions to overfit on 14 background pieces).
DEVELOPMENT_TREES = {"max_depth": 1, "learning_rate": 0.05, "max_iter": 300, "min_samples_leaf": 20}


@dataclass(frozen=True)
class Pair:
    """One (article, earlier document) pair of the labelled stream: its channels and their events."""

    values: tuple[float, ...]
    same: bool
    events: tuple[str, str]
    keys: tuple[str, str]

    @property
    def trainable(self) -> bool:
        """Both reports belong to an event (commentary shares a theme, not an event)."""
        return not any(event.startswith("background") for event in self.events)


class _CachedEmbedder:
    """The embedder with a memory of what it embedded: the stream is replayed many times."""

    def __init__(self, inner: Embedder) -> None:
        self.name, self.dim, self._inner = inner.name, inner.dim, inner
        self._seen: dict[str, Matrix] = {}

    def embed(self, texts: Sequence[str]) -> Matrix:
        missing = [t for t in dict.fromkeys(texts) if t not in self._seen]
        for text, row in zip(missing, self._inner.embed(missing), strict=True):
            self._seen[text] = row
        return np.array([self._seen[t] for t in texts], dtype=np.float32).reshape(len(texts), self.dim)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitor.novelty.fit", description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="labelled articles, one JSON object a line, in stream order")
    parser.add_argument("--seeds", type=Path, required=True, metavar="DIR", help="the seed folder")
    parser.add_argument("--seed-events", type=Path, required=True, metavar="FILE.json",
                        help="each seed file's key mapped to its event (background for commentary)")
    parser.add_argument("--config", type=Path, default=Path("config/watchlist.yaml"),
                        help="watchlist YAML: topics and novelty settings (default %(default)s)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(WEIGHTS), metavar="FILE.json",
                        help="where to write the models (default: the shipped monitor/novelty/weights.json)")
    parser.add_argument("--story-threshold", type=float, default=STORY_THRESHOLD,
                        help="story score at which an article joins a story (default %(default)s)")
    parser.add_argument("--merge-threshold", type=float, default=MERGE_THRESHOLD,
                        help="story score with a second story at which the two merge (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="repeat the grouped cross-validation over this many splits of the events (default 1)")
    parser.add_argument("--held-out", type=Path, metavar="OUT.jsonl",
                        help="also write each article's held-out replay row, as monitor replay does (error analysis)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be 1 or more, not {args.repeats}")
    for option, path in (("--out", args.out), ("--held-out", args.held_out)):
        if path is not None and (path.is_dir() or not path.absolute().parent.is_dir()):
            parser.error(f"{option} {path}: " + ("is a folder" if path.is_dir() else "its folder does not exist"))
    try:
        truth = read_labels(args.corpus)
        event_groups(truth)
        items = list(read_items(args.corpus))
        seed_events = _seed_events(args.seed_events)
        config = load_config(args.config)
        read_seeds(args.seeds)
        cache_embedders(config.novelty.embedder)
        data = fit(truth, items, seed_events, config, args.seeds, story_threshold=args.story_threshold,
                   merge_threshold=args.merge_threshold, repeats=args.repeats)
    except (MonitorError, OSError) as exc:
        print(f"error: {exc.message if isinstance(exc, UsageError) else exc}", file=sys.stderr)
        return 2
    rows = data.pop("held_out")
    outputs = [(args.held_out, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))] \
        if args.held_out is not None else []
    for path, text in [*outputs, (args.out, json.dumps(data, indent=1) + "\n")]:
        try:
            write_whole(path, text)
        except OSError as exc:
            print(f"error: {path}: not written ({exc.strerror or exc}); it is left as it was", file=sys.stderr)
            return 1
    print(json.dumps(data["report"], indent=1))
    return 0


def write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in its folder, renamed over it once complete:
    a failed or interrupted write (a full disk, Ctrl-C) leaves the previous file whole."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("x", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _seed_events(path: Path) -> dict[str, str]:
    """The ``--seed-events`` file: a JSON object of seed keys and events."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UsageError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise UsageError(f"{path}: must map each seed file's key to its event, as a JSON object of strings")
    return data


def cache_embedders(name: str) -> None:
    """Embed each text once in this process (the stream is replayed many times)."""
    cached = _CachedEmbedder(get_embedder(name))
    from monitor.novelty import engine

    # The stream is replayed a dozen times: embed each text once.
    setattr(engine, "get_embedder", lambda _name: cached)  # noqa: B010
    setattr(judge_module, "lead_vector", lru_cache(maxsize=None)(vectors.lead_vector))  # noqa: B010


def fit(
    truth: list[Labelled], items: list[ReplayItem], seed_events: dict[str, str], config: Any, seeds: Path,
    *, story_threshold: float = STORY_THRESHOLD, merge_threshold: float = MERGE_THRESHOLD, repeats: int = 1,
) -> dict[str, Any]:
    """Fit both decisions; returns the JSON structure of ``weights.json`` with its cross-validated report,
    and under ``held_out`` each article's replay row from the fold that held its event out (first split)."""
    events = event_groups(truth)
    print(f"first pass: {sum(t.relevant for t in truth)} relevant articles of {len(truth)}, each compared with "
          "every earlier document (every text embedded)", file=sys.stderr)
    pairs = labelled_pairs(items, truth, seed_events, config, seeds)
    folds = []
    held_rows: dict[str, dict[str, object]] = {}
    for repeat in range(repeats):
        for fold, test in enumerate(event_splits(events, repeat)):
            print(f"split {repeat + 1}/{repeats}, fold {fold + 1}/{FOLDS}: {len(test)} events held out",
                  file=sys.stderr)
            data = _fit_once(pairs, truth, items, config, seeds, exclude=test, story_threshold=story_threshold,
                             merge_threshold=merge_threshold)
            results = [r.row() for r in replay(items, config, seeds_dir=seeds, models=models_from(data))]
            folds.append(score(truth, results, only={t.id for t in truth if group(t) in test}))
            if repeat == 0:
                held_rows |= _held_rows(truth, results, test, fold)
    report = {
        "folds": FOLDS, "repeats": repeats, "grouped_by": "event", "story_threshold": story_threshold,
        "merge_threshold": merge_threshold,
        "held_out_mean": _mean(folds),
        "per_split": [_mean(folds[r * FOLDS : (r + 1) * FOLDS]) for r in range(repeats)] if repeats > 1 else [],
        "per_fold": folds,
    }
    print(f"final fit: all {len(events)} events, for the models written", file=sys.stderr)
    data = _fit_once(pairs, truth, items, config, seeds, exclude=set(), story_threshold=story_threshold,
                     merge_threshold=merge_threshold)
    results = [r.row() for r in replay(items, config, seeds_dir=seeds, models=models_from(data))]
    report["in_sample"] = score(truth, results)
    data["report"] = report
    data["held_out"] = [held_rows.get(t.id) or row for t, row in zip(truth, results, strict=True)]
    return data


def group(label: Labelled) -> str:
    """The cross-validation group of a labelled article: its event; a background piece on its own."""
    return f"background:{label.id}" if label.event == "background" else label.event


def event_groups(truth: Sequence[Labelled]) -> Any:
    """The cross-validation groups of the relevant articles, sorted; fewer than :data:`FOLDS` is a UsageError."""
    events = np.array(sorted({group(t) for t in truth if t.relevant}))
    if len(events) < FOLDS:
        raise UsageError(f"the corpus has {len(events)} event(s) among its relevant articles (each background "
                         f"piece counts as one): cross-validation in {FOLDS} folds needs at least {FOLDS}")
    return events


def event_splits(events: Any, repeat: int) -> list[set[str]]:
    """The held-out events of each fold: GroupKFold's own split first, then shuffled ones."""
    from sklearn.model_selection import GroupKFold

    folding = GroupKFold(n_splits=FOLDS, shuffle=True, random_state=repeat) if repeat else GroupKFold(n_splits=FOLDS)
    return [set(events[held]) for _, held in folding.split(events, groups=events)]


def _mean(folds: Sequence[dict[str, float]]) -> dict[str, float]:
    return {k: round(float(np.mean([f[k] for f in folds])), 4) for k in folds[0]}


def _held_rows(
    truth: list[Labelled], results: list[dict[str, object]], test: set[str], fold: int,
) -> dict[str, dict[str, object]]:
    """The rows of the held-out events' articles, their stories named by fold (stories of different
    replays are different)."""
    return {
        t.id: row | {"story": f"f{fold}{row['story']}" if row["story"] else None}
        for t, row in zip(truth, results, strict=True) if t.relevant and group(t) in test
    }


def labelled_pairs(
    items: list[ReplayItem], truth: list[Labelled], seed_events: dict[str, str], config: Any, seeds: Path,
) -> list[Pair]:
    """Every (article, earlier document) pair of the relevant articles of the labelled stream, with its
    channels; the seeds are the first documents."""
    judge = new_judge(config.novelty.settings(), read_seeds(seeds), _placeholder())
    event_of = {doc.key: seed_events.get(doc.key, "background") for doc in judge.index.docs}
    story_of: dict[str, int] = {}
    for doc in judge.index.docs:
        story_of.setdefault(event_of[doc.key], doc.story)
    pairs = []
    clock = SEED_TIME
    for item, label in zip(items, truth, strict=True):
        if not label.relevant:
            continue
        clock = max(clock, item.published or clock)
        event = group(label)
        story = story_of.setdefault(event, 100_000 + len(story_of))
        rows = judge.learn(item.id, item.title, item.text, item.published or clock, detect_language(item.text),
                           dated=item.published is not None, story_id=story)
        event_of[item.id] = event
        pairs += [Pair(tuple(values[f] for f in PAIR_FEATURES), event_of[key] == event, (event, event_of[key]),
                       (item.id, key)) for key, values in rows]
    return pairs


def pair_trees(pairs: Sequence[Pair], exclude: Collection[str] = ()) -> Any:
    """Boosted trees for the same-event probability, fitted on the pairs of events outside ``exclude``."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    kept = [p for p in pairs if p.trainable and p.events[0] not in exclude and p.events[1] not in exclude]
    return HistGradientBoostingClassifier(random_state=0, **TREES).fit(
        np.array([p.values for p in kept]), np.array([p.same for p in kept]))


def _fit_once(
    pairs: list[Pair], truth: list[Labelled], items: list[ReplayItem], config: Any, seeds: Path, *,
    exclude: set[str], story_threshold: float, merge_threshold: float,
) -> dict[str, Any]:
    """Trees on the pairs outside ``exclude``, then the development model on the articles outside it."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    data = {"same_event": _export_trees(pair_trees(pairs, exclude), PAIR_FEATURES),
            "development": _placeholder_development(), "story_threshold": story_threshold,
            "merge_threshold": merge_threshold}
    decisions = _development_rows(items, config, seeds, data)
    rows = [(decisions[t.id], t.new) for t in truth if t.relevant and t.id in decisions and group(t) not in exclude]
    development = HistGradientBoostingClassifier(random_state=0, **DEVELOPMENT_TREES).fit(
        np.array([r for r, _ in rows]), np.array([y for _, y in rows]))
    data["development"] = _export_trees(development, DEVELOPMENT_FEATURES)
    return data


def _development_rows(items: list[ReplayItem], config: Any, seeds: Path, data: dict[str, Any]) -> dict[
        str, list[float]]:
    """Each judged article's development features, replaying the stream with ``data``'s story model."""
    rows: dict[str, list[float]] = {}

    def observe(key: str, decision: Decision) -> None:
        rows[key] = [dict(decision.development_features).get(f, 0.0) for f in DEVELOPMENT_FEATURES]

    replay(items, config, seeds_dir=seeds, models=models_from(data), observe=observe)
    return rows


def _export_trees(model: Any, features: Sequence[str]) -> dict[str, Any]:
    """scikit-learn's fitted trees as plain arrays (see :class:`monitor.novelty.model.Tree`)."""
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        trees.append({
            "feature": nodes["feature_idx"].tolist(),
            "threshold": np.where(leaf, 0.0, nodes["num_threshold"]).tolist(),  # a leaf's is unset memory
            "left": np.where(leaf, -1, nodes["left"].astype(np.int64)).tolist(),
            "right": np.where(leaf, -1, nodes["right"].astype(np.int64)).tolist(),
            "value": nodes["value"].round(6).tolist(),
        })
    return {"features": list(features), "baseline": float(model._baseline_prediction.ravel()[0]),
            "trees": trees, "threshold": 0.5}


def _placeholder_development() -> dict[str, Any]:
    """No trees: every article gets probability one half (the stories are all the first pass needs)."""
    return {"features": list(DEVELOPMENT_FEATURES), "baseline": 0.0, "trees": [], "threshold": 0.5}


def _placeholder() -> Any:
    return models_from({"same_event": {"features": list(PAIR_FEATURES), "baseline": 0.0, "trees": [], "threshold": 0.5},
                        "development": _placeholder_development(), "story_threshold": 1.1})


if __name__ == "__main__":
    raise SystemExit(main())
