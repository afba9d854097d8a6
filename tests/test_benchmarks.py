"""The benchmark scripts' own logic, on data written for the test (the benchmarks run on real corpora)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from benchmarks.clustering_limits import Study
from monitor.novelty.fit import FOLDS, Pair
from monitor.novelty.metrics import Labelled


def test_a_study_of_fewer_events_than_folds_measures_nothing_instead_of_failing() -> None:
    truth = [Labelled("a1", True, "vote", True), Labelled("a2", True, "vote", False), Labelled("x", False, "o", False)]
    pairs = [Pair((0.9,), True, ("vote", "vote"), ("a2", "a1"))]

    assert len(Study(truth, pairs, 1, {}).events()) < FOLDS
    assert Study(truth, pairs, 1, {}).run(only_online=True) == {}
    assert Study(truth, [], 1, {}).run() == {}  # a corpus with no publication dates: no dated pairs at all


def test_the_quality_scorer_leaves_no_temporary_file_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from benchmarks import quality

    def ctrl_c(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "score.py").write_text("print('scored')\n")
    (tmp_path / "temp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    monkeypatch.setattr(quality.subprocess, "run", ctrl_c)

    with pytest.raises(KeyboardInterrupt):
        quality.official(tmp_path / "corpus" / "corpus.jsonl", [{"id": "a1", "relevant": False}])

    assert list((tmp_path / "temp").iterdir()) == []
