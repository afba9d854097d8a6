"""An article's lexical profile: the channels story clustering compares.

Terms of the title, terms of the body, names and numbers, each a bag of counts; TF-IDF weights
come from the index's running document frequencies, so a word shared by every article (Pakistan,
Khan) weighs little and a rare one (a case name, an amount) weighs much. Words are casefolded,
diacritic-free and crudely stemmed (plural ``s``), which is enough for English and harmless for
other languages; names and numbers carry across languages written in Latin script.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from monitor.novelty.facts import facts
from monitor.novelty.text import latin_digits, normalize_text

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:\s?(?:%|bn|billion|m|million|mn|crore|lakh))?")
_BODY_CHARS = 1500  # the lead carries the event; a long article's tail is background
STOPWORDS = frozenset(
    "a an the and or but if then than that this these those there here of in on at to for from by with "
    "about as into over after before under between during against without within through up down out off "
    "is are was were be been being has have had do does did will would shall should can could may might "
    "must not no nor so too very also just only even still yet again more most much many some any all "
    "each every both other such own same few said says say told tells according added adding who whom "
    "whose which what when where why how it its he him his she her they them their we us our you your "
    "i me my mr mrs ms dr while since because however although though whether new news report reports "
    "reported reporting one two three year years day days week weeks month months time today yesterday "
    "monday tuesday wednesday thursday friday saturday sunday january february march april june july "
    "august september october november december jan feb mar apr jun jul aug sep sept oct nov dec "
    "per cent percent including include includes like well back made make makes being get got take took "
    "de la el en los las del que y di il e le der die das und von al ul ki ka ke ko se ne hai".split()
)


@dataclass(frozen=True)
class Profile:
    """The bags of one article (or, summed, of one story)."""

    title: Mapping[str, float]
    body: Mapping[str, float]
    names: Mapping[str, float]
    numbers: frozenset[str]

    @property
    def terms(self) -> set[str]:
        """Every term of the title and body (for document frequencies)."""
        return set(self.title) | set(self.body) | {f"@{n}" for n in self.names} | {f"#{n}" for n in self.numbers}


def terms(text: str) -> list[str]:
    """Content words of ``text``: normalised, stop words and one-letter words dropped, plural ``s`` cut."""
    out = []
    for word in normalize_text(latin_digits(text)).split():
        if word in STOPWORDS or len(word) < 2 or word.isdigit():
            continue
        plural = len(word) > 4 and word.endswith("s") and not word.endswith("ss")
        out.append(word[:-1] if plural else word)
    return out


def numbers(text: str) -> frozenset[str]:
    """Amounts and counts (not years) the text states, normalised (``397m``, ``29%``, ``25``)."""
    found = set()
    for match in _NUMBER.finditer(latin_digits(text)):
        value = re.sub(r"[\s,]", "", match.group(0)).lower()
        value = re.sub(r"(million|mn)$", "m", re.sub(r"billion$", "bn", value))
        digits = re.sub(r"\D.*", "", value)
        if digits and not (len(digits) == 4 and digits[:2] in ("19", "20") and value == digits):
            found.add(value)
    return frozenset(found)


def profile(title: str, text: str) -> Profile:
    """The profile of one article."""
    body = text[:_BODY_CHARS]
    names: Counter[str] = Counter()
    for fact in sorted(facts(f"{title}. {body}")):  # one order in every process (a set follows the hash seed)
        if fact.startswith("p:"):
            names.update(w for w in fact[2:].split() if w not in STOPWORDS and len(w) > 2)
    return Profile(Counter(terms(title)), Counter(terms(body)), names, numbers(f"{title} {body}"))


class Weigher:
    """TF-IDF weighting (sublinear term frequency) of bags under one set of document frequencies,
    remembering each bag it weighed: an article is compared with many documents in one pass."""

    def __init__(self, idf: Mapping[str, float]) -> None:
        self._idf = idf
        self._seen: dict[tuple[int, str], tuple[dict[str, float], float]] = {}

    def cosine(self, a: Mapping[str, float], b: Mapping[str, float], prefix: str = "") -> float:
        """TF-IDF cosine of two bags; ``prefix`` selects the idf entries (``@`` for names)."""
        if not a or not b:
            return 0.0
        (wa, na), (wb, nb) = self._weigh(a, prefix), self._weigh(b, prefix)
        small, large = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
        dot = sum(v * large[w] for w, v in small.items() if w in large)
        return dot / (na * nb) if dot else 0.0

    def _weigh(self, bag: Mapping[str, float], prefix: str) -> tuple[dict[str, float], float]:
        key = (id(bag), prefix)
        if key not in self._seen:
            weights = {w: (1.0 + math.log(c)) * self._idf.get(prefix + w, 0.0) for w, c in bag.items() if c > 0}
            self._seen[key] = weights, math.sqrt(sum(v * v for v in weights.values())) or 1.0
        return self._seen[key]


def cosine(a: Mapping[str, float], b: Mapping[str, float], idf: Mapping[str, float], prefix: str = "") -> float:
    """TF-IDF cosine of two bags (see :class:`Weigher`)."""
    return Weigher(idf).cosine(a, b, prefix)
