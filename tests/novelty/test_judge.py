"""The foundation novelty judge: exact sentence knowledge against seeds and history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from monitor.novelty.judge import Thresholds, judge
from monitor.novelty.text import fingerprint, sentences
from tests.conftest import ROOT

SEED = (ROOT / "seeds" / "004_2a426e1102b2ca31.txt").read_text(encoding="utf-8")
T = Thresholds(repeat_share=0.8, min_sentence_chars=25)


def lookup_for(known: Mapping[str, str]) -> object:
    def lookup(keys: Sequence[str]) -> Mapping[str, str]:
        return {k: known[k] for k in keys if k in known}

    return lookup


def seed_knowledge() -> dict[str, str]:
    return {fingerprint(s): "seed" for s in sentences(SEED, T.min_sentence_chars)}


def test_identical_text_is_a_repeat_of_the_seeds() -> None:
    result = judge(SEED, hash_origin="seed", lookup=lookup_for({}), thresholds=T)  # type: ignore[arg-type]
    assert (result.verdict, result.vs_seeds, result.novel_sentences) == ("repeat", "known", ())


def test_reformatted_copy_is_a_repeat() -> None:
    # Same words, different whitespace and quotes: every sentence is known.
    copy = SEED.replace("\u201c", '"').replace("\u201d", '"').replace("\n", "\n\n").replace(" ", "  ")
    result = judge(copy, hash_origin=None, lookup=lookup_for(seed_knowledge()), thresholds=T)  # type: ignore[arg-type]
    assert result.verdict == "repeat" and result.vs_seeds == "known"
    assert result.novel_sentences == ()


def test_added_sentences_are_novel() -> None:
    added = "The Foreign Office announced on Tuesday that a second round of talks would open on 4 December."
    text = SEED.split("\n", 3)[0] + "\n" + added
    result = judge(text, hash_origin=None, lookup=lookup_for(seed_knowledge()), thresholds=T)  # type: ignore[arg-type]
    assert result.verdict == "update"
    assert result.novel_sentences == (added,)
    assert result.vs_seeds == "new"


def test_unknown_text_is_new() -> None:
    text = "A committee met in Peshawar on Monday. It approved a rally for the 29th of the month."
    result = judge(text, hash_origin=None, lookup=lookup_for(seed_knowledge()), thresholds=T)  # type: ignore[arg-type]
    assert result.verdict == "new" and result.score == 1.0 and len(result.novel_sentences) == 2


def test_history_repeat_is_new_relative_to_seeds() -> None:
    result = judge(SEED, hash_origin="item", lookup=lookup_for({}), thresholds=T)  # type: ignore[arg-type]
    assert result.verdict == "repeat" and result.vs_seeds == "new"
