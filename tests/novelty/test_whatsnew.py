"""What's new, sentence by sentence: the closest known sentence, found a block of rows at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from monitor.novelty import whatsnew
from monitor.novelty.embed import HashingEmbedder
from monitor.novelty.judge import NoveltyJudge
from monitor.types import Thresholds

T0 = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("cells", [1, 7, 1 << 22])
def test_the_closest_known_sentence_is_found_a_block_at_a_time(monkeypatch: pytest.MonkeyPatch, cells: int) -> None:
    rng = np.random.default_rng(0)
    vectors, known = rng.normal(size=(50, 8)).astype(np.float32), rng.normal(size=(30, 8)).astype(np.float32)
    monkeypatch.setattr(whatsnew, "_PRODUCT_CELLS", cells)
    best, closest = whatsnew._closest(vectors, known)
    full = vectors @ known.T
    assert (best == full.argmax(axis=1)).all() and np.allclose(closest, full.max(axis=1))


def test_known_documents_without_a_sentence_leave_every_sentence_novel() -> None:
    """Without seeds, a title-less entry of a few words (no sentence) was the only known document near
    the next report, whose sentences then had nothing to be compared with: argmax of an empty product."""
    judge = NoveltyJudge(HashingEmbedder(), Thresholds())
    judge.judge("a", "", "Imran Khan jailed", T0)
    decision = judge.judge("b", "Imran Khan jailed", "Imran Khan was jailed in Adiala after the verdict on Tuesday.",
                           T0 + timedelta(hours=1))
    assert decision.neighbours[0][0] == "a"
    assert [(c.novel, c.similarity, c.closest) for c in decision.checks] == [(True, 0.0, "")]
    best, closest = whatsnew._closest(np.ones((2, 8), np.float32), np.zeros((0, 8), np.float32))
    assert best.tolist() == [0, 0] and closest.tolist() == [0.0, 0.0]
