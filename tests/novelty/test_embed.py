"""The embedders: a long text among short ones is batched with its like, and results do not change."""

from __future__ import annotations

import numpy as np

from monitor.novelty import embed


def test_batches_keep_padding_bounded_and_cover_every_text() -> None:
    texts = ["a short sentence."] * 70 + ["x" * 30_000, "y" * 5_000]
    batches = embed._batches(texts)
    assert sorted(i for batch in batches for i in batch) == list(range(len(texts)))
    for batch in batches:
        longest = max(len(texts[i]) for i in batch)
        assert len(batch) <= 64 and (len(batch) == 1 or len(batch) * longest <= embed.BATCH_CHARS)


def test_wordllama_vectors_do_not_depend_on_the_batch_a_text_is_in() -> None:
    model = embed.WordLlamaEmbedder()
    short = ["Imran Khan's appeal was heard on Monday.", "The court adjourned until next week."]
    alone = model.embed(short)
    beside_a_long_one = model.embed([*short, "The hearing went on. " * 3000])
    assert np.allclose(alone, beside_a_long_one[:2], atol=1e-6)
    assert np.isclose(np.linalg.norm(beside_a_long_one[2]), 1.0)
