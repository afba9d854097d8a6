"""Group a digest's items into stories, order and cap them (pure).

Several outlets reporting one story make one digest line: its headline comes from the first
report among the story's items, its "what's new" joins the new sentences of every item (without
repeats), and its sources list each outlet with its time and link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from monitor.types import DigestContent, DigestEntry, Source, Verdict

_VERDICT_ORDER = {"new": 0, "update": 1, "repeat": 2}
MAX_SENTENCES = 6
LEAD_SENTENCES = 3


def build_digest(
    name: str, entries: Sequence[DigestEntry], *, window_end: datetime, max_items: int, title: str | None = None,
    generated_at: datetime | None = None, earlier: Mapping[int, tuple[Source, ...]] | None = None,
) -> DigestContent:
    """Stories ordered by verdict then score (then recency); ``max_items`` shown, the rest counted as ``more``.

    ``earlier`` gives, per story, the reports already sent before, for a link back to them.
    """
    stories = sorted(group_stories(entries, earlier or {}), key=_rank)
    shown = tuple(stories[:max_items])
    heading = title or _default_title(name, len(stories))
    return DigestContent(name=name, title=heading, window_end=window_end, entries=shown,
                         more=len(stories) - len(shown), generated_at=generated_at or window_end)


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
    lead = min(items, key=lambda e: (_VERDICT_ORDER.get(e.verdict, 3), _chronological(e)))
    verdict: Verdict = lead.verdict
    # the first report's opening, then what each later report added
    ordered = [*lead.novel_sentences[:LEAD_SENTENCES], *(s for e in items if e is not lead for s in e.novel_sentences),
               *lead.novel_sentences[LEAD_SENTENCES:]]
    headline = lead.title.strip().casefold()
    sentences = tuple(s for s in dict.fromkeys(ordered) if s.strip().casefold() != headline)[:MAX_SENTENCES]
    sources = tuple(Source(e.outlet, e.published, e.url) for e in items)
    return replace(lead, verdict=verdict, score=max(e.score for e in items), novel_sentences=sentences,
                   sources=sources)


def _chronological(entry: DigestEntry) -> tuple[datetime, int]:
    return entry.published or datetime.max.replace(tzinfo=UTC), entry.item_id


def _rank(entry: DigestEntry) -> tuple[int, float, float, int]:
    published = entry.published.timestamp() if entry.published else 0.0
    return (_VERDICT_ORDER.get(entry.verdict, 3), -entry.score, -published, entry.item_id)


def _default_title(name: str, count: int) -> str:
    noun = "development" if count == 1 else "developments"
    return f"{count} new {noun} ({name})" if count else f"Nothing new ({name})"
