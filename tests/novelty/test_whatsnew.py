"""What's new, sentence by sentence: the closest known sentence, found a block of rows at a time."""

from __future__ import annotations

import numpy as np
import pytest

from monitor.novelty import whatsnew


@pytest.mark.parametrize("cells", [1, 7, 1 << 22])
def test_the_closest_known_sentence_is_found_a_block_at_a_time(monkeypatch: pytest.MonkeyPatch, cells: int) -> None:
    rng = np.random.default_rng(0)
    vectors, known = rng.normal(size=(50, 8)).astype(np.float32), rng.normal(size=(30, 8)).astype(np.float32)
    monkeypatch.setattr(whatsnew, "_PRODUCT_CELLS", cells)
    best, closest = whatsnew._closest(vectors, known)
    full = vectors @ known.T
    assert (best == full.argmax(axis=1)).all() and np.allclose(closest, full.max(axis=1))
