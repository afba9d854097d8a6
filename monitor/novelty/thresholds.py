"""The judge's tunable thresholds: one light module, so the config (and ``check-config``) can name
their defaults without loading the judge, its models or numpy."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    """Sentence and copy thresholds (calibrated for the wordllama embedder); the story and
    development decisions are fitted (:mod:`monitor.novelty.model`)."""

    sentence_low: float = 0.30
    sentence_high: float = 0.80
    duplicate_containment: float = 0.8
    min_sentence_chars: int = 25
    languages: frozenset[str] = frozenset({"en"})
