"""Select, order and cap a digest's entries (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from monitor.types import DigestContent, DigestEntry

_VERDICT_ORDER = {"new": 0, "update": 1, "repeat": 2}


def build_digest(
    name: str, entries: Sequence[DigestEntry], *, window_end: datetime, max_items: int, title: str | None = None,
    generated_at: datetime | None = None,
) -> DigestContent:
    """Order by verdict then score (then recency), keep ``max_items``, count the rest as ``more``."""
    ordered = sorted(entries, key=_rank)
    shown = tuple(ordered[:max_items])
    heading = title or _default_title(name, len(entries))
    return DigestContent(name=name, title=heading, window_end=window_end, entries=shown,
                         more=len(ordered) - len(shown), generated_at=generated_at or window_end)


def _rank(entry: DigestEntry) -> tuple[int, float, float, int]:
    published = entry.published.timestamp() if entry.published else 0.0
    return (_VERDICT_ORDER.get(entry.verdict, 3), -entry.score, -published, entry.item_id)


def _default_title(name: str, count: int) -> str:
    noun = "development" if count == 1 else "developments"
    return f"{count} new {noun} ({name})" if count else f"Nothing new ({name})"
