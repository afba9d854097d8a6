"""A stored multilingual vector: used as stored, or computed again when it was computed from
another lead or model release, never renewed without the model."""

from __future__ import annotations

import numpy as np
import pytest

from monitor.novelty import vectors
from monitor.novelty.embed import HashingEmbedder
from monitor.novelty.judge import NoveltyJudge
from monitor.types import StoredVector
from tests.novelty.test_layers import REPORT, T0


def test_a_stored_vector_is_reused_unless_it_was_computed_from_another_lead() -> None:
    title = "Court adjourns Khan appeal"
    first = NoveltyJudge(HashingEmbedder()).judge("item:1", title, REPORT, T0).judgement
    assert len(first.vector) == 2 * 384 and len(first.vector_of) == 16
    j = NoveltyJudge(HashingEmbedder())
    other = np.full(384, 0.05, dtype=np.float16).tobytes()  # what no lead of this report embeds to

    def reloaded() -> bytes:
        cross = j.index.docs[-1].report.cross
        assert cross is not None
        return cross.astype(np.float16).tobytes()

    # Stored with the fingerprint of this lead, or before fingerprints were: used as stored.
    assert j.remember("item:1", title, REPORT, T0, story_id=7, language="en", vector=first.vector,
                      vector_of=first.vector_of) is None
    assert reloaded() == first.vector
    assert j.remember("item:2", title, REPORT, T0, story_id=7, language="en", vector=other) is None
    assert reloaded() == other
    # Computed from another lead or by another model (an upgrade changed either): computed again
    # now, and returned for the caller to store.
    renewed = j.remember("item:3", title, REPORT, T0, story_id=7, language="en", vector=other, vector_of="0" * 16)
    assert renewed == StoredVector(first.vector, first.vector_of) and reloaded() == first.vector
    # Of another size (not this model's vector at all), even without a fingerprint: computed again.
    renewed = j.remember("item:4", title, REPORT, T0, story_id=7, language="en", vector=bytes(8) + first.vector)
    assert renewed == StoredVector(first.vector, first.vector_of) and reloaded() == first.vector


def test_without_the_multilingual_model_a_stored_vector_is_used_and_never_renewed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    title = "Court adjourns Khan appeal"
    first = NoveltyJudge(HashingEmbedder()).judge("item:1", title, REPORT, T0).judgement
    monkeypatch.setattr(vectors, "cross_lingual", lambda: None)  # a replica installed without the extra
    assert vectors.fingerprint(title) != first.vector_of
    j = NoveltyJudge(HashingEmbedder())
    assert j.remember("item:1", title, REPORT, T0, story_id=7, language="en", vector=first.vector,
                      vector_of=first.vector_of) is None  # not overwritten with zeros
    cross = j.index.docs[-1].report.cross
    assert cross is not None and cross.astype(np.float16).tobytes() == first.vector


def test_the_fingerprint_names_the_model_release(monkeypatch: pytest.MonkeyPatch) -> None:
    before = vectors.fingerprint("Court adjourns Khan appeal")
    monkeypatch.setattr(vectors, "_model_version", lambda: "0.0.0-other")
    assert vectors.fingerprint("Court adjourns Khan appeal") != before
