"""What's new, sentence by sentence: each sentence of an article against the known sentences of the
seeds, its story and its nearest documents.

A sentence is *novel* when it brings a new fact (name, number, date, quotation or action; not in a
sentence about the past that reports no action, such as "held since 2023") and no known sentence
is ``sentence_high`` similar to it, or when nothing known is even ``sentence_low`` similar. In a
language the sentence embedder does not cover, a sentence is novel when it states a number no
known document holds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from monitor.novelty.dates import retold, stated_dates
from monitor.novelty.decision import Prepared, SentenceCheck
from monitor.novelty.facts import new_facts
from monitor.novelty.index import KnownDoc
from monitor.types import Thresholds


def check_sentences(article: Prepared, pool: Sequence[KnownDoc], t: Thresholds) -> list[SentenceCheck]:
    """Each sentence of the article, novel or known against the documents of ``pool``."""
    if not article.sentences:
        return []
    if article.language not in t.languages:
        return _check_numbers(article, pool)
    if not pool:
        return [SentenceCheck(s, True, 0.0, "", tuple(sorted(f))) for s, f in
                zip(article.sentences, article.sentence_facts, strict=True)]
    return _check_meaning(article, pool, t)


def _check_meaning(article: Prepared, pool: Sequence[KnownDoc], t: Thresholds) -> list[SentenceCheck]:
    assert article.vectors is not None
    known = np.vstack([d.vectors for d in pool]).astype(np.float32)
    texts = [s for d in pool for s in d.sentences]
    owners = [d.key for d in pool for _ in d.sentences]
    vocab = set().union(*(d.vocabulary for d in pool))
    known_days = frozenset[str]().union(*(d.days for d in pool))
    quotes = [set(f[2:].split()) for d in pool for f in d.facts if f.startswith("q:")]
    best, closest = _closest(article.vectors, known)
    checks = []
    for row, sentence in enumerate(article.sentences):
        similarity = float(closest[row])
        found = article.sentence_facts[row]
        fresh = set() if _retold(sentence, found, article) else new_facts(found, vocab, known_days, quotes)
        novel = similarity < t.sentence_low or (similarity < t.sentence_high and bool(fresh))
        closest_text, owner = (texts[best[row]], owners[best[row]]) if texts else ("", "")
        checks.append(SentenceCheck(sentence, novel, round(similarity, 3), closest_text, tuple(sorted(fresh)), owner))
    return checks


_PRODUCT_CELLS = 1 << 22  # similarities computed at once (16 MB): a long live blog against its story's


def _closest(vectors: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``vectors``, the index of the closest row of ``known`` and their similarity,
    a block of rows at a time (the whole product could take gigabytes). Without a known sentence (no
    known document had one: a title-less entry of a few words has none), every similarity is 0."""
    rows = max(1, _PRODUCT_CELLS // max(1, len(known)))
    best = np.zeros(len(vectors), dtype=np.int64)
    closest = np.zeros(len(vectors), dtype=np.float32)
    if not len(known):
        return best, closest
    for start in range(0, len(vectors), rows):
        block = vectors[start:start + rows] @ known.T
        best[start:start + rows] = block.argmax(axis=1)
        closest[start:start + rows] = block[np.arange(len(block)), best[start:start + rows]]
    return best, closest


def _check_numbers(article: Prepared, pool: Sequence[KnownDoc]) -> list[SentenceCheck]:
    vocab = set().union(*(d.vocabulary for d in pool)) if pool else set()
    checks = []
    for sentence, found in zip(article.sentences, article.sentence_facts, strict=True):
        numbers = {f for f in found if f.startswith("n:")}
        fresh = set() if _retold(sentence, found, article) else new_facts(numbers, vocab, frozenset())
        checks.append(SentenceCheck(sentence, bool(fresh), 0.0, "", tuple(sorted(fresh))))
    return checks


def _retold(sentence: str, facts: set[str], article: Prepared) -> bool:
    """A sentence about the past that reports no action ("held since September 2023"): background,
    whatever names and numbers it holds."""
    if any(f.startswith("a:") for f in facts):
        return False
    return retold(stated_dates(sentence, article.when, article.utc_offset), article.when, article.utc_offset)
