"""The shipped models: readable, and the exported trees reproduce the fitted ones."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from monitor.novelty.features import DEVELOPMENT_FEATURES, PAIR_FEATURES
from monitor.novelty.fit import _export_trees, _placeholder_development
from monitor.novelty.model import load_models, models_from


def test_shipped_models_read_every_feature_and_carry_their_held_out_figures() -> None:
    models = load_models()
    assert models.same_event.features == PAIR_FEATURES and models.same_event.trees
    assert models.development.features == DEVELOPMENT_FEATURES and models.development.trees
    held_out = models.report["held_out_mean"]
    assert models.report["grouped_by"] == "event" and 0 < held_out["bcubed_f1"] <= 1


def test_exported_trees_give_the_same_probabilities_as_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((400, len(PAIR_FEATURES)))
    y = x[:, 0] + x[:, 3] > 1.0
    fitted = HistGradientBoostingClassifier(max_depth=3, max_iter=20, random_state=0).fit(x, y)
    data = {"same_event": _export_trees(fitted, PAIR_FEATURES), "development": _placeholder_development(),
            "story_threshold": 0.4}
    trees = models_from(data).same_event
    expected = fitted.predict_proba(x[:50])[:, 1]
    rows = [dict(zip(PAIR_FEATURES, row, strict=True)) for row in x[:50]]
    assert np.abs(trees.probabilities(rows) - expected).max() < 1e-5  # all rows and trees at once (leaves: 6 digits)
    assert abs(trees.probability(rows[3]) - expected[3]) < 1e-5
