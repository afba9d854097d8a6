"""What's new, sentence by sentence: the closest known sentence, found a block of rows at a time."""

from __future__ import annotations

import subprocess
import sys
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


def test_dated_sentences_against_long_known_documents_are_read_in_linear_time() -> None:
    """A date fact was searched for in the text of every known document, sentence after sentence:
    4,000 dated sentences against 400 known documents of 100,000 characters took minutes."""
    code = ("from datetime import UTC, datetime; from monitor.novelty.embed import HashingEmbedder; "
            "from monitor.novelty.judge import NoveltyJudge; from monitor.novelty.whatsnew import check_sentences; "
            "from monitor.types import Thresholds; j = NoveltyJudge(HashingEmbedder(), Thresholds()); "
            "t = datetime(2026, 3, 11, tzinfo=UTC); j.judge('k', 'Khan court', 'Khan told the court ' * 5000, t); "
            "dated = ' '.join(f'Khan told the court on {1 + i % 28} March {i} things.' for i in range(4000)); "
            "checks = check_sentences(j.prepare('d', 'Khan court', dated, t), j.index.docs[-1:] * 400, Thresholds()); "
            "assert len(checks) == 4000 and 't:1 march' in checks[0].new_facts")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
