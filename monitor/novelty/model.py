"""The fitted decisions, read from ``weights.json`` beside this module.

Two small models, fitted by ``python -m monitor.novelty.fit`` on a labelled corpus with
cross-validation grouped by event (the held-out figures are stored with the weights):

* ``same_event``: boosted shallow trees over the channels of a pair of articles (title, body and
  name TF-IDF cosines, dense and multilingual similarity, shared numbers, days apart); it gives the
  probability that two reports describe one event;
* ``development``: boosted one-split trees over what an article states (dates against the seed
  horizon, closeness to the seeds, the story it joined, how it reports), giving the probability
  that it reports a development the seed corpus does not cover.

Evaluating them needs numpy only; fitting needs scikit-learn (the ``dev`` extra).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any

import numpy as np

WEIGHTS = "weights.json"


@dataclass(frozen=True)
class Tree:
    """One regression tree as flat arrays (a node is a leaf when its ``left`` is -1)."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]


@dataclass(frozen=True)
class Trees:
    """Gradient-boosted trees for a binary decision: a logistic link over the summed leaves."""

    features: tuple[str, ...]
    baseline: float
    trees: tuple[Tree, ...]
    threshold: float

    def probability(self, values: Mapping[str, float]) -> float:
        return float(self.probabilities([values])[0])

    def probabilities(self, rows: Sequence[Mapping[str, float]]) -> Any:
        """The probability of each row, all trees walked at once (one numpy step per level)."""
        if not rows:
            return np.zeros(0)
        x = np.array([[row[name] for name in self.features] for row in rows], dtype=np.float64)
        feature, threshold, left, right, value = self._stacked
        tree = np.arange(len(feature))[:, None]
        node = np.zeros((len(feature), len(x)), dtype=np.int64)
        column = np.arange(len(x))[None, :]
        for _ in range(feature.shape[1]):
            inner = left[tree, node] >= 0
            if not inner.any():
                break
            goes_left = x[column, feature[tree, node]] <= threshold[tree, node]
            node = np.where(inner, np.where(goes_left, left[tree, node], right[tree, node]), node)
        raw = self.baseline + value[tree, node].sum(axis=0)
        return 1.0 / (1.0 + np.exp(-raw))

    @cached_property
    def _stacked(self) -> tuple[Any, Any, Any, Any, Any]:
        """The trees as (trees x nodes) arrays, padded with leaves."""
        width = max((len(t.left) for t in self.trees), default=1)

        def pad(values: Sequence[float], fill: float, dtype: Any) -> Any:
            return np.array([*values, *([fill] * (width - len(values)))], dtype=dtype)

        def stack(part: str, fill: float, dtype: Any) -> Any:
            rows = [pad(getattr(t, part), fill, dtype) for t in self.trees] or [pad([], fill, dtype)]
            return np.vstack(rows)

        return (stack("feature", 0, np.int64), stack("threshold", 0.0, np.float64), stack("left", -1, np.int64),
                stack("right", -1, np.int64), stack("value", 0.0, np.float64))


@dataclass(frozen=True)
class Models:
    """Both fitted decisions and the cross-validated figures they were fitted with."""

    same_event: Trees
    development: Trees
    story_threshold: float
    merge_threshold: float  # story score with a second story at which the two are merged (above 1: never)
    report: Mapping[str, Any]


@cache
def load_models() -> Models:
    """The shipped models (read once per process)."""
    data = json.loads(resources.files("monitor.novelty").joinpath(WEIGHTS).read_text(encoding="utf-8"))
    return models_from(data)


def models_from(data: Mapping[str, Any]) -> Models:
    """Models from the JSON structure that :mod:`monitor.novelty.fit` writes."""
    return Models(
        same_event=_trees(data["same_event"]),
        development=_trees(data["development"]),
        story_threshold=float(data["story_threshold"]),
        merge_threshold=float(data.get("merge_threshold", 1.1)),
        report=data.get("report", {}),
    )


def _trees(data: Mapping[str, Any]) -> Trees:
    trees = tuple(
        Tree(tuple(t["feature"]), tuple(t["threshold"]), tuple(t["left"]), tuple(t["right"]), tuple(t["value"]))
        for t in data["trees"]
    )
    return Trees(tuple(data["features"]), float(data["baseline"]), trees, float(data["threshold"]))
