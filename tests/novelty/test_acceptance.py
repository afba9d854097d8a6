"""Acceptance on the seed corpus: with seeds 000 and 001 known, replay 002, 003 and 004 in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.novelty.decision import Decision
from monitor.novelty.embed import get_embedder
from monitor.novelty.judge import NoveltyJudge
from tests.conftest import ROOT

SEEDS = {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))}
WHEN = datetime(2024, 11, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def decisions() -> dict[str, Decision]:
    judge = NoveltyJudge(get_embedder("wordllama"))
    for key in ("000", "001"):
        judge.add_seed(key, "", SEEDS[key], WHEN)
    return {key: judge.judge(key, "", SEEDS[key], WHEN + timedelta(hours=1)) for key in ("002", "003", "004")}


def test_translated_paraphrase_is_a_known_repeat(decisions: dict[str, Decision]) -> None:
    judgement = decisions["002"].judgement
    assert (judgement.verdict, judgement.vs_seeds, judgement.novel_sentences) == ("repeat", "known", ())


def test_reactions_are_new_and_the_closing_rehash_is_known(decisions: dict[str, Decision]) -> None:
    decision = decisions["003"]
    assert decision.judgement.verdict in ("update", "new")
    novel = " ".join(decision.judgement.novel_sentences)
    for needle in ("Prime Minister Shehbaz Sharif and other Pakistani politicians had immediately congratulated",
                   "PM Sharif wrote on X", "anti-war victory", "We can work together"):
        assert needle in novel, needle
    checks = list(decision.checks)
    start = next(i for i, c in enumerate(checks) if c.sentence.startswith("The US-Pakistan relationship has long"))
    rehash = checks[start:]
    known = sum(not c.novel for c in rehash)
    assert known / len(rehash) >= 0.9, [c.sentence for c in rehash if c.novel]


def test_asif_extradition_piece_is_new(decisions: dict[str, Decision]) -> None:
    assert decisions["004"].judgement.verdict == "new"
    assert decisions["004"].judgement.vs_seeds == "new"
