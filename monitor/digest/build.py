"""Group a digest's items into stories, order and cap them (pure).

Several outlets reporting one story make one digest entry: its headline and its development (one
or two sentences, never the headline again) come from the story's first report; each later report
is listed with what *it* added (or nothing: the same report); stories are ordered by importance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from monitor.textnorm import shortened
from monitor.types import DigestContent, DigestEntry, Source

_VERDICT_ORDER = {"new": 0, "update": 1, "repeat": 2}
LEAD_SENTENCES = 2  # the development, from the first report
ADDED_SENTENCES = 2  # what each later report added
TITLE_STORIES = 3  # headlines named in the digest's title (the email subject)
SENTENCE_CHARS = 400  # of each sentence shown: a longer one (a paragraph without a stop) is cut at a word
SUMMARY_CHARS = 2 * SENTENCE_CHARS  # of a teaser shown in place of new sentences
_TITLE_CHARS = 60  # of each headline in it


def build_digest(
    name: str, entries: Sequence[DigestEntry], *, window_end: datetime, max_items: int, title: str | None = None,
    generated_at: datetime | None = None, earlier: Mapping[int, tuple[Source, ...]] | None = None,
    timezone: str = "UTC", public_url: str = "",
) -> DigestContent:
    """Stories by importance (new before update, then more outlets, more new facts, higher score, more
    recent); ``max_items`` shown, the rest counted as ``more``. Times are shown in ``timezone``.

    ``earlier`` gives, per story, the reports already sent before, for a link back to them.
    """
    stories = sorted(group_stories(entries, earlier or {}), key=_rank)
    shown = tuple(stories[:max_items])
    heading = title or _default_title(stories)
    return DigestContent(name=name, title=heading, window_end=window_end, entries=shown,
                         more=len(stories) - len(shown), generated_at=generated_at or window_end, timezone=timezone,
                         public_url=public_url)


def group_stories(
    entries: Sequence[DigestEntry], earlier: Mapping[int, tuple[Source, ...]] | None = None,
) -> list[DigestEntry]:
    """One entry per story (items without a story stand alone), led by the story's first report."""
    groups: dict[object, list[DigestEntry]] = {}
    for entry in entries:
        key = entry.story if entry.story is not None else ("item", entry.item_id)
        groups.setdefault(key, []).append(entry)
    merged = [_merge(sorted(group, key=_chronological)) for group in groups.values()]
    if not earlier:
        return merged
    return [replace(e, earlier=earlier.get(e.story, ())) if e.story is not None else e for e in merged]


def _merge(items: list[DigestEntry]) -> DigestEntry:
    """The story as its first report tells it, then each later report with what it added."""
    lead = min(items, key=lambda e: (_VERDICT_ORDER.get(e.verdict, 3), _chronological(e)))
    said = {_key(lead.title)}
    development = _brief(_fresh(lead.novel_sentences, said)[:LEAD_SENTENCES])
    later = [Source(e.outlet, e.published, e.url, _brief(_fresh(e.novel_sentences, said)[:ADDED_SENTENCES]))
             for e in items if e is not lead]
    return replace(lead, score=max(e.score for e in items), novel_sentences=development,
                   summary=shortened(lead.summary, SUMMARY_CHARS),
                   sources=(Source(lead.outlet, lead.published, lead.url), *later))


def _brief(sentences: Sequence[str]) -> tuple[str, ...]:
    return tuple(shortened(sentence, SENTENCE_CHARS) for sentence in sentences)


def _fresh(sentences: Sequence[str], said: set[str]) -> tuple[str, ...]:
    """The sentences not said yet (each is then said)."""
    fresh = []
    for sentence in sentences:
        if _key(sentence) not in said:
            said.add(_key(sentence))
            fresh.append(sentence)
    return tuple(fresh)


def _key(sentence: str) -> str:
    return " ".join(sentence.casefold().split())


def _chronological(entry: DigestEntry) -> tuple[datetime, int]:
    return entry.published or datetime.max.replace(tzinfo=UTC), entry.item_id


def _rank(entry: DigestEntry) -> tuple[int, int, int, float, float, int]:
    published = entry.published.timestamp() if entry.published else 0.0
    facts = len(entry.novel_sentences) + sum(len(s.added) for s in entry.sources)
    return (_VERDICT_ORDER.get(entry.verdict, 3), -len(entry.sources), -facts, -entry.score, -published,
            entry.item_id)


def _default_title(stories: Sequence[DigestEntry]) -> str:
    """``2 new developments, 1 update: Court adjourns Khan appeal; …`` (it is also the email subject):
    how many stories of each verdict the digest holds, then the top headlines."""
    if not stories:
        return "Nothing new"
    named = [shortened(s.title, _TITLE_CHARS) for s in stories[:TITLE_STORIES]]
    more = "; …" if len(stories) > TITLE_STORIES else ""
    return f"{_counted(stories)}: {'; '.join(named)}{more}"


_VERDICT_NOUNS = {"new": ("new development", "new developments"), "update": ("update", "updates"),
                  "repeat": ("repeat", "repeats")}


def _counted(stories: Sequence[DigestEntry]) -> str:
    """``2 new developments, 1 update``: the stories of each verdict, in the digest's order."""
    counts = Counter(s.verdict for s in stories)
    parts = []
    for verdict in sorted(counts, key=lambda v: _VERDICT_ORDER.get(v, 3)):
        one, many = _VERDICT_NOUNS.get(verdict, (verdict, verdict))
        parts.append(f"{counts[verdict]} {one if counts[verdict] == 1 else many}")
    return ", ".join(parts)
