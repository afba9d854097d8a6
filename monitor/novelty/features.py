"""The features the fitted decisions read, with meaning rather than one threshold each.

*Same event* (a pair of reports): how much their titles, bodies and names share (TF-IDF cosines),
how close they are in meaning (the English embedder; the multilingual one, which also links
translations), the amounts and counts they share or contradict, and how many days apart they were
published.

*Development* (one report against the seed corpus): the dates it states and its publication date
against the seed horizon, how close it is to the seeds, what the story it joined already holds, and
how it reports (actions done versus speculation and opinion).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from monitor.novelty.dates import Stated
from monitor.novelty.embed import Matrix
from monitor.novelty.facts import ACTIONS
from monitor.novelty.profile import Profile, Weigher

PAIR_FEATURES = (
    "title", "body", "names", "e5", "wl", "num", "near", "far", "nodate", "cross", "seed", "tnum_conf", "lnum_conf",
)
DEVELOPMENT_FEATURES = (
    "pub_before", "pub_after", "stated_after", "stated_before", "year_after", "seed_e5", "seed_wl", "seed_body",
    "seed_names", "modal", "act", "quest", "first", "en", "st_before", "st_after", "st_seed",
)
_DAY_SCALE = 3.0  # days: reports of one event mostly fall within a few days of each other
FAR_DAYS = 7  # more days apart than this, two dated reports are of different events (a second hearing, a reply)
# How a report speaks: speculation and opinion versus something done (principled word lists, not corpus phrases).
_MODAL = frozenset(
    "could would might may if whether perhaps likely unlikely speculation speculate hope hopes expect expected "
    "expectation question analysis opinion column editorial view views analyst analysts observer observers "
    "commentator".split()
)
_FIRST_PERSON = frozenset(("i", "my", "we", "our"))
# The labels publishers put on what is not news: at the head of a title ("Explainer: ...") or in
# parentheses ("(op-ed)"). A report *about* an op-ed names it in its sentence, not as a label.
_GENRES = r"explainer|analysis|opinion|op-ed|oped|editorial|column|comment|commentary|profile|timeline|fact check"
_LABELLED = re.compile(rf"^\s*(?:{_GENRES})\s*[:|]|\([^()]*\b(?:{_GENRES})\b[^()]*\)", re.IGNORECASE)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Report:
    """What the features need of one report (the article being judged or a known document)."""

    profile: Profile
    dense: Matrix  # English embedder, whole article
    cross: Matrix | None  # multilingual embedder, title and lead (None until needed, for a reloaded document)
    published: datetime | None
    english: bool
    seed: bool
    title_numbers: frozenset[str]
    lead_numbers: frozenset[str]


def pair_features(a: Report, b: Report, weigher: Weigher) -> dict[str, float]:
    """The channels of one pair of reports (``weigher`` holds the current TF-IDF weights); both
    reports need their multilingual vector."""
    assert a.cross is not None and b.cross is not None
    days = abs((a.published - b.published).total_seconds()) / 86400 if a.published and b.published else None
    same_language = a.english and b.english
    return {
        "title": weigher.cosine(a.profile.title, b.profile.title),
        "body": weigher.cosine(a.profile.body, b.profile.body),
        "names": weigher.cosine(a.profile.names, b.profile.names, "@"),
        "e5": float(a.cross @ b.cross),
        "wl": float(a.dense @ b.dense) if same_language else 0.0,
        "num": min(3, len(a.profile.numbers & b.profile.numbers)) / 3,
        "near": math.exp(-(days**2) / (2 * _DAY_SCALE**2)) if days is not None else 0.0,
        "far": float(days is not None and days > FAR_DAYS),
        "nodate": float(days is None),
        "cross": float(not same_language),
        "seed": float(b.seed),
        "tnum_conf": _conflict(a.title_numbers, b.title_numbers),
        "lnum_conf": _conflict(a.lead_numbers, b.lead_numbers),
    }


def days_from_story(a: Report, story: Sequence[Report]) -> float | None:
    """Days between the report's publication and the nearest dated report of a story (None when
    either has no date)."""
    if a.published is None:
        return None
    days = [abs((a.published - r.published).total_seconds()) / 86400 for r in story if r.published is not None]
    return min(days) if days else None


def _conflict(a: frozenset[str], b: frozenset[str]) -> float:
    """1 when both state numbers and share none (25 sentenced versus 60 sentenced)."""
    return float(bool(a) and bool(b) and not a & b)


@dataclass(frozen=True)
class SeedCloseness:
    """How close a report is to its nearest seed on each channel."""

    e5: float
    wl: float
    body: float
    names: float


def seed_closeness(a: Report, seeds: Sequence[Report], weigher: Weigher) -> SeedCloseness:
    """The largest similarity to any seed, per channel (0 without seeds)."""
    if not seeds:
        return SeedCloseness(0.0, 0.0, 0.0, 0.0)
    return SeedCloseness(
        e5=max(float(a.cross @ s.cross) for s in seeds if s.cross is not None) if a.cross is not None else 0.0,
        wl=max(float(a.dense @ s.dense) for s in seeds) if a.english else 0.0,
        body=max(weigher.cosine(a.profile.body, s.profile.body) for s in seeds),
        names=max(weigher.cosine(a.profile.names, s.profile.names, "@") for s in seeds),
    )


def development_features(  # noqa: PLR0917 - each argument is one independent source of evidence
    a: Report, text: str, stated: Sequence[Stated], horizon: date | None, closeness: SeedCloseness,
    story: Sequence[Report],
) -> dict[str, float]:
    """The features of one report for the development decision; ``story`` holds the reports of the
    story it joined (itself included)."""
    words = [w.lower() for w in _WORD.findall(text)]
    total = max(len(words), 1)
    title_end = text.find(". ")
    published = [r.published.date() for r in story if r.published]
    return {
        "pub_before": float(_before(a.published.date() if a.published else None, horizon)),
        "pub_after": float(_after(a.published.date() if a.published else None, horizon)),
        "stated_after": min(3, sum(_after(s.day, horizon) for s in stated)) / 3,
        "stated_before": min(3, sum(_before(s.day, horizon) for s in stated)) / 3,
        "year_after": float(horizon is not None and any(s.day.year > horizon.year for s in stated)),
        "seed_e5": closeness.e5, "seed_wl": closeness.wl, "seed_body": closeness.body, "seed_names": closeness.names,
        "modal": 100 * sum(w in _MODAL for w in words) / total,
        "act": 100 * sum(w in ACTIONS for w in words) / total,
        "quest": float("?" in text[: title_end if title_end > 0 else 200]),
        "first": 100 * sum(w in _FIRST_PERSON for w in words) / total,
        "en": float(a.english),
        "st_before": float(any(_before(d, horizon) for d in published)),
        "st_after": float(any(_after(d, horizon) for d in published)),
        "st_seed": float(any(r.seed for r in story)),
    }


def commentary(title: str) -> bool:
    """Whether the title labels the piece as commentary, an explainer or a profile: it reports no
    development whatever events it retells."""
    return bool(_LABELLED.search(title))


def before_seeds(a: Report, story: Sequence[Report], horizon: date | None) -> bool:
    """Whether the event the report tells is dated no later than the seed corpus, so cannot be a
    development against it: by the report's publication, or, for an undated report, by the
    publications of the other reports of its story (seeds aside), all on or before the horizon."""
    if a.published is not None:
        return _before(a.published.date(), horizon)
    days = [r.published.date() for r in story if r.published is not None and not r.seed]
    return bool(days) and all(_before(day, horizon) for day in days)


def _before(day: date | None, horizon: date | None) -> bool:
    return day is not None and horizon is not None and (day - horizon).days <= 1


def _after(day: date | None, horizon: date | None) -> bool:
    return day is not None and horizon is not None and (day - horizon).days > 1


def story_score(probabilities: Sequence[float], reports: int) -> float:
    """How strongly an article belongs to a story of ``reports`` reports: the mean of its same-event
    probabilities with them and the largest of them (one close rewrite counts, so does broad
    agreement). Reports not among the article's candidates count as 0."""
    values = np.asarray(probabilities, dtype=np.float64)
    return float(0.5 * (values.sum() / max(reports, len(values)) + values.max())) if len(values) else 0.0
