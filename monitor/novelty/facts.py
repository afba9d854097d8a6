"""Salient facts of a sentence: numbers, dates, quotations, names and actions.

A paraphrase or a translation keeps the facts of its original and changes the words
around them; a development adds a fact (a new actor, number, date or quotation). These
are found with patterns (no model), so they work for any language written with digits
and, for names, in Latin script.
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set

from monitor.novelty.text import latin_digits, normalize_text

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_QUOTE = re.compile(r"[\"“”«»]([^\"“”«»]{8,300})[\"“”«»]")
_NAME = re.compile(r"(?<![\w’'])[A-Z][\w’'\-]*(?:\s+(?:[A-Z][\w’'\-]*|(?:of|al|bin|ul|ud|e|i|de|van|von)\b))*")
QUOTE_OVERLAP = 0.6
_TIME_WORDS = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_CALENDAR = re.compile(rf"\b({_MONTHS}|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_DATE = re.compile(rf"\b(\d{{1,2}})\s+({_MONTHS})\b|\b({_MONTHS})\s+(\d{{1,2}})\b")
# A day and month in normalised text, at each word (the pairs overlap: "march 3 april" holds two).
_DAY_MONTH = re.compile(rf"(?<= )(?=(\d+ (?:{_MONTHS.lower()})|(?:{_MONTHS.lower()}) \d+) )")


def _day_month(match: tuple[str, str, str, str]) -> str:
    day = match[0] or match[3]
    month = match[1] or match[2]
    return f"{int(day)} {month.lower()}"


# Verbs that report something done (a ruling, an arrest, a deal, a vote): a sentence with one that
# nothing known uses reports a new action, whatever its names and numbers.
ACTIONS = frozenset(
    "sentenced convicted acquitted granted indicted arrested released designated imposed signed approved announced "
    "elected resigned rejected adjourned deferred ordered directed summoned banned suspended appointed nominated "
    "launched agreed visited dismissed disqualified filed issued passed unfroze exempted thanked welcomed condemned "
    "decided ruled barred reserved extended".split()
)
# "Khan, 74, ...": an age in apposition, not a fact of the event. A word holding a capital is matched
# from its start, and read once: tried from each of its capitals, a long run of them ("A'A'A'...")
# was scanned to its end from every one, in quadratic time (over a minute for one article).
_AGE = re.compile(r"(?<![\w’'\-])(?=[\w’'\-]*?[A-Z])[\w’'\-]*+,\s+(\d{1,3}),")
_WORDS = re.compile(r"\w+")

# Capitalised words that are not names (sentence openers, titles, function words).
_NOT_NAMES = frozenset(
    "the a an he she it they we i you this that these those his her its their our my however but and or if "
    "when while after before as in on at for from by with to of also some many most more several other "
    "mr mrs ms dr prime minister president former chief said says according meanwhile earlier later today "
    "yesterday last next new speaking asked there here what who why how where".split()
)


def facts(sentence: str) -> set[str]:
    """The sentence's salient facts, normalised: ``n:625000``, ``d:november``, ``q:…``, ``p:shehbaz sharif``,
    ``a:sentenced`` (an action)."""
    text = latin_digits(sentence)
    found = {f"n:{m.replace(',', '')}" for m in _NUMBER.findall(text)} - {f"n:{a}" for a in _AGE.findall(text)}
    found.update(f"a:{w}" for w in _WORDS.findall(text.lower()) if w in ACTIONS)
    found.update(f"d:{m.lower()}" for m in _CALENDAR.findall(text))
    found.update(f"t:{_day_month(m)}" for m in _DATE.findall(text))
    found.update(f"q:{normalize_text(q)}" for q in _QUOTE.findall(text) if len(q.split()) >= 2)
    opening = len(text) - len(text.lstrip(" \"“‘'([-"))
    for match in _NAME.finditer(text):
        if match.start() <= opening and " " not in match.group(0):
            continue  # a lone capitalised first word is how sentences start, not a name
        words = [w for w in normalize_text(match.group(0)).split() if w not in _NOT_NAMES]
        if words and not all(w in _TIME_WORDS for w in words):
            found.add("p:" + " ".join(words))
    return found


def new_facts(
    found: set[str], vocabulary: set[str], known_days: Set[str], known_quotes: Sequence[set[str]] = (),
) -> set[str]:
    """The facts not already known: a number, weekday, month or name with a word outside
    ``vocabulary``; a date ("28 March") not among ``known_days`` (see :func:`stated_days`); a
    quotation whose words are mostly missing from every known quotation (a reworded quote is the
    same quote)."""
    fresh = set()
    for fact in found:
        kind, value = fact[0], fact[2:]
        if kind == "q":
            words = set(value.split())
            if not any(len(words & known) >= QUOTE_OVERLAP * len(words) for known in known_quotes):
                fresh.add(fact)
        elif kind == "t":
            if value not in known_days and _month_day(value) not in known_days:
                fresh.add(fact)
        elif any(word not in vocabulary for word in value.split()):
            fresh.add(fact)
    return fresh


def stated_days(text: str) -> frozenset[str]:
    """The days of a month (``28 march``, ``march 28``) that a normalised text states, in whole words:
    what a date fact is looked up in. Searching the known documents' text for each dated sentence
    took a long article against a story of long reports minutes."""
    return frozenset(match.group(1) for match in _DAY_MONTH.finditer(f" {text} "))


def _month_day(value: str) -> str:
    day, month = value.split(" ", 1)
    return f"{month} {day}"


def vocabulary(text: str) -> set[str]:
    """The normalised words of ``text`` with digits unified (for :func:`new_facts`)."""
    text = latin_digits(text)
    words = set(normalize_text(text).split())
    words.update(m.replace(",", "") for m in _NUMBER.findall(text))
    return words


QuoteEnds = dict[str, set[str]]  # the words at an end of a quotation -> the quotations that end so
_QUOTE_END = 4  # words at each end of a quotation by which a sentence holding part of it is known


def quote_facts(text: str) -> QuoteEnds:
    """Quotations of the whole text by the words at their two ends, so that a sentence holding only
    part of a quotation that spans sentences still carries it."""
    found: QuoteEnds = {}
    for quote in _QUOTE.findall(latin_digits(text)):
        words = normalize_text(quote).split()
        if len(words) >= 2:
            for end in (" ".join(words[:_QUOTE_END]), " ".join(words[-_QUOTE_END:])):
                found.setdefault(end, set()).add(f"q:{' '.join(words)}")
    return found


def sentence_facts(sentence: str, quotes: QuoteEnds) -> set[str]:
    """:func:`facts` of a sentence plus the text-level quotations it is part of: those with an end
    among its runs of words, looked up (a text of thousands of quoted sentences once compared
    each sentence with every quotation, in quadratic time)."""
    found = {f for f in facts(sentence) if not f.startswith("q:")}
    words = normalize_text(sentence).split() if quotes else []
    for size in range(2, _QUOTE_END + 1):  # an end holds 2 to 4 words: a quotation has at least 2
        for start in range(len(words) - size + 1):
            found.update(quotes.get(" ".join(words[start:start + size]), ()))
    return found
