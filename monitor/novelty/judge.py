"""The novelty judge: compares an article's sentences with everything known.

A sentence is *known* when a sentence with the same normalised words was seen in a
seed or a stored item. An article whose whole normalised text is known, or whose
known share reaches ``repeat_share``, is a ``repeat``; one with some known sentences is
an ``update``; one with none is ``new``. ``vs_seeds`` applies the same rule to the seed
corpus alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from monitor.novelty.text import fingerprint, sentences
from monitor.types import Judgement, Verdict, VsSeeds

Lookup = Callable[[Sequence[str]], Mapping[str, str]]


@dataclass(frozen=True)
class Thresholds:
    repeat_share: float = 0.8
    min_sentence_chars: int = 25


def judge(text: str, *, hash_origin: str | None, lookup: Lookup, thresholds: Thresholds) -> Judgement:
    """Judge ``text``; ``hash_origin`` says where an identical text was seen ("seed", "item" or None)."""
    parts = sentences(text, thresholds.min_sentence_chars)
    if hash_origin is not None:
        origin: VsSeeds = "known" if hash_origin == "seed" else "new"
        return Judgement("repeat", origin, 0.0, (), len(parts), len(parts))
    if not parts:
        return Judgement("new", "new", 1.0)
    keys = [fingerprint(s) for s in parts]
    origins = lookup(keys)
    known = [k in origins for k in keys]
    seed_known = sum(origins.get(k) == "seed" for k in keys)
    share = sum(known) / len(parts)
    novel = tuple(s for s, is_known in zip(parts, known, strict=True) if not is_known)
    verdict: Verdict = "repeat" if share >= thresholds.repeat_share else ("update" if share > 0 else "new")
    vs_seeds: VsSeeds = "known" if seed_known / len(parts) >= thresholds.repeat_share else "new"
    return Judgement(verdict, vs_seeds, round(1.0 - share, 4), novel, sum(known), len(parts))
