"""What limits story clustering on a labelled corpus: the same-event probabilities against other ways
of deciding with them, and against the publication dates the corpus lacks.

usage: .venv/bin/python benchmarks/clustering_limits.py CORPUS.jsonl --seeds DIR --seed-events FILE.json
       [--repeats N]

The stream is replayed once with the labelled stories (as `python -m monitor.novelty.fit` does) and every
(article, earlier document) pair gets its same-event probability from trees fitted without the held-out
events (grouped cross-validation, repeated over N splits). From the same out-of-fold probabilities,
B-cubed F1 on the held-out events (the corpus scorer's formula, mean over folds) is computed for:

* the **online rule**: each article in stream order joins the story it belongs to most strongly when
  the story score (mean and largest of its probabilities with the story's reports) reaches the shipped
  threshold, else starts a story; as in the judge, a dated article does not join a story (other than
  a seed's) none of whose dated reports is within a week of it (also shown without that rule). Every
  earlier document counts, not only the judge's candidates, and there is no merge step, so it reads
  near, not exactly at, the fit's own replay;
* **offline average linkage**: every article grouped at once, with hindsight, by average linkage over
  the same probabilities: what any clustering rule could reach on these probabilities;
* an **oracle join**: the online rule's ranking of stories, but the article joins its top story only
  when that story's majority event is its own: how much is lost in the join decision, not the ranking;
* the **dated articles alone**, with their publication dates and with the dates removed (trees fitted
  on those pairs only, the week rule off for the latter): what dates are worth where the corpus has them
  (not measured when the dated articles hold fewer events than folds).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, time
from pathlib import Path

import numpy as np

from monitor.config import load_config
from monitor.errors import MonitorError, UsageError
from monitor.novelty.engine import seed_day
from monitor.novelty.features import FAR_DAYS, PAIR_FEATURES, story_score
from monitor.novelty.fit import (
    FOLDS,
    STORY_THRESHOLD,
    Pair,
    cache_embedders,
    event_groups,
    event_splits,
    group,
    labelled_pairs,
    pair_trees,
)
from monitor.novelty.judge import STORY_MEMBERS
from monitor.novelty.metrics import Labelled, read_labels, score
from monitor.replay import ReplayItem, read_items
from monitor.seeds import read_seeds

LINKAGE_THRESHOLDS = (0.3, 0.4, 0.5)
_UNDATED = {"near": 0.0, "far": 0.0, "nodate": 1.0}
Join = Callable[[str, Sequence[str], float], bool]  # article, its top story's reports, their score -> join


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--seeds", type=Path, required=True)
    parser.add_argument("--seed-events", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=Path("config/watchlist.yaml"))
    parser.add_argument("--repeats", type=int, default=5, help="splits of the events (default %(default)s)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be 1 or more, not {args.repeats}")
    try:
        truth = read_labels(args.corpus)
        event_groups(truth)  # enough events for the folds, before the long replay
        config = load_config(args.config)
        seed_events = json.loads(args.seed_events.read_text("utf-8"))
        read_seeds(args.seeds)
    except (MonitorError, OSError, ValueError) as exc:
        print(f"error: {exc.message if isinstance(exc, UsageError) else exc}", file=sys.stderr)
        return 2
    cache_embedders(config.novelty.embedder)
    print("replaying the stream once with the labelled stories ...", file=sys.stderr)
    items = list(read_items(args.corpus))
    pairs = labelled_pairs(items, truth, seed_events, config, args.seeds)
    published = _publication_times(items, args.seeds)
    study = Study(truth, pairs, args.repeats, published)
    results = study.run()
    dated = [p for p in pairs if p.keys[0] in published and (p.keys[1] in published or p.keys[1] in study.seeds)]
    on_dated = Study(truth, dated, args.repeats, published)
    undated = Study(truth, [_undated(p) for p in on_dated.pairs], args.repeats, {})
    results |= {name: figures["online rule"] for name, figures in (
        ("online rule, dated articles only", on_dated.run(only_online=True)),
        ("online rule, the same articles with their dates removed", undated.run(only_online=True))) if figures}
    print(f"B-cubed F1 on held-out events, mean over {args.repeats} x {FOLDS} folds (per split in brackets):")
    for name, figures in results.items():
        per_split = " / ".join(f"{f:.3f}" for f in figures.mean(axis=1))
        print(f"  {name:<58} {figures.mean():.3f}  ({per_split})")
    if len(on_dated.events()) < FOLDS:
        print(f"  (dated articles alone: not measured, their {len(on_dated.events())} events are fewer than the "
              f"{FOLDS} folds)")
    return 0


def _at_threshold(_article: str, _reports: Sequence[str], value: float) -> bool:
    return value >= STORY_THRESHOLD


def _publication_times(items: Sequence[ReplayItem], seeds: Path) -> dict[str, datetime]:
    """When each labelled article (as the replay reads it) and dated seed (midnight UTC, as the judge
    dates it) was published, where known."""
    times = {item.id: item.published for item in items if item.published is not None}
    for seed in read_seeds(seeds):
        day = seed_day(seed.published)
        if day is not None:
            times[seed.key] = datetime.combine(day, time(), tzinfo=UTC)
    return times


def _undated(pair: Pair) -> Pair:
    values = tuple(_UNDATED.get(name, value) for name, value in zip(PAIR_FEATURES, pair.values, strict=True))
    return replace(pair, values=values)


class Study:
    """Out-of-fold same-event probabilities of one set of pairs, and the stories each rule builds with them."""

    def __init__(
        self, truth: Sequence[Labelled], pairs: Sequence[Pair], repeats: int, published: Mapping[str, datetime],
    ) -> None:
        self.pairs = list(pairs)
        self.published = published
        self.order = list(dict.fromkeys(p.keys[0] for p in self.pairs))  # articles, in stream order
        kept = set(self.order)
        self.seeds = list(dict.fromkeys(p.keys[1] for p in self.pairs if p.keys[1] not in kept))
        self.event = {key: event for p in self.pairs for key, event in zip(p.keys, p.events, strict=True)}
        self.truth = [t for t in truth if t.id in kept or not t.relevant]
        self.repeats = repeats

    def events(self) -> np.ndarray:
        """The cross-validation groups of the study's articles."""
        return np.array(sorted({group(t) for t in self.truth if t.relevant}))

    def run(self, *, only_online: bool = False) -> dict[str, np.ndarray]:
        """B-cubed F1 of each rule, one row per split and one column per fold; none when the articles
        hold fewer events than folds (a corpus with few or no publication dates, for the dated study)."""
        events = self.events()
        if len(events) < FOLDS:
            return {}
        figures: defaultdict[str, list[float]] = defaultdict(list)
        for repeat in range(self.repeats):
            for test in event_splits(events, repeat):
                trees = pair_trees(self.pairs, test)
                values = trees.predict_proba(np.array([p.values for p in self.pairs]))[:, 1]
                probability = dict(zip((p.keys for p in self.pairs), values, strict=True))
                held = {t.id for t in self.truth if group(t) in test}
                for name, stories in self._stories(probability, only_online).items():
                    rows = [{"id": t.id, "story": stories.get(t.id)} for t in self.truth]
                    figures[name].append(score(self.truth, rows, only=held)["bcubed_f1"])
        return {name: np.array(values).reshape(self.repeats, -1) for name, values in figures.items()}

    def _stories(self, probability: dict[tuple[str, str], float], only_online: bool) -> dict[str, dict[str, str]]:
        stories = {"online rule": self._online(probability, _at_threshold)}
        if only_online:
            return stories
        stories["online rule without the week rule"] = self._online(probability, _at_threshold, week=False)
        stories["oracle join on the online rule's top story"] = self._online(probability, self._majority_is_own)
        for threshold in LINKAGE_THRESHOLDS:
            stories[f"offline average linkage at {threshold}"] = self._linkage(probability, threshold)
        return stories

    def _online(self, probability: dict[tuple[str, str], float], join: Join, *, week: bool = True) -> dict[str, str]:
        story = {seed: f"seed:{seed}" for seed in self.seeds}
        members: defaultdict[str, list[str]] = defaultdict(list)
        for seed in self.seeds:
            members[story[seed]].append(seed)
        for article in self.order:
            by_story: defaultdict[str, list[float]] = defaultdict(list)
            for key in story:
                by_story[story[key]].append(probability[article, key])
            scored = [(story_score(values, min(len(members[s]), STORY_MEMBERS)), s) for s, values in by_story.items()
                      if not (week and self._too_far(article, s, members[s]))]
            value, best = max(scored) if scored else (0.0, "")
            chosen = best if best and join(article, members[best], value) else f"story:{article}"
            story[article] = chosen
            members[chosen].append(article)
        return story

    def _too_far(self, article: str, story: str, reports: Sequence[str]) -> bool:
        """As the judge decides: published more than a week from every dated report of the story (a
        seed story is never too far)."""
        if article not in self.published or story.startswith("seed:"):
            return False
        when = self.published[article]
        days = [abs((when - self.published[key]).total_seconds()) / 86400 for key in reports if key in self.published]
        return bool(days) and min(days) > FAR_DAYS

    def _majority_is_own(self, article: str, reports: Sequence[str], _value: float) -> bool:
        majority, _ = Counter(self.event[key] for key in reports).most_common(1)[0]
        return majority == self.event[article]

    def _linkage(self, probability: dict[tuple[str, str], float], threshold: float) -> dict[str, str]:
        from sklearn.cluster import AgglomerativeClustering

        keys = [*self.seeds, *self.order]
        index = {key: i for i, key in enumerate(keys)}
        distance = np.ones((len(keys), len(keys)))
        np.fill_diagonal(distance, 0.0)
        for (a, b), value in probability.items():
            distance[index[a], index[b]] = distance[index[b], index[a]] = 1.0 - value
        labels = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                         distance_threshold=1.0 - threshold).fit_predict(distance)
        return {key: f"cluster:{label}" for key, label in zip(keys, labels, strict=True)}


if __name__ == "__main__":
    raise SystemExit(main())
