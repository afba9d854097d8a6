"""Stories as a reader browses them: the recent ones, one story's reports, what known sentences matched."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.store.schema import FeedRow, ItemRow, SeedRow, StoryRow
from monitor.types import Known, StoryLine, StoryReport, Verdict

_RANK: dict[str | None, int] = {"new": 0, "update": 1, "repeat": 2}
_WHEN = func.coalesce(ItemRow.published_at, ItemRow.fetched_at)


def recent(session: Session, since: datetime, limit: int = 100, offset: int = 0) -> list[StoryLine]:
    """Stories with a report stored since ``since``, the most recently updated first (of two updated
    at once, the newer story first, so that pages of them neither skip nor repeat one): ``limit`` of
    them after the first ``offset``."""
    updated = func.max(ItemRow.fetched_at)
    rows = session.execute(
        select(StoryRow.id, StoryRow.title, updated)
        .join(ItemRow, ItemRow.story_id == StoryRow.id)
        .where(ItemRow.verdict.is_not(None)).group_by(StoryRow.id, StoryRow.title)
        .having(updated >= since).order_by(updated.desc(), StoryRow.id.desc()).offset(offset).limit(limit)
    ).all()
    reports: dict[int, list[tuple[str, str]]] = {story_id: [] for story_id, _, _ in rows}
    for story_id, verdict, outlet, feed in session.execute(
            select(ItemRow.story_id, ItemRow.verdict, ItemRow.outlet, FeedRow.name).join(FeedRow)
            .where(ItemRow.story_id.in_(reports), ItemRow.verdict.is_not(None)).order_by(_WHEN)):
        reports[cast(int, story_id)].append((cast(str, verdict), outlet or feed))
    return [StoryLine(story_id, title, updated, len(reports[story_id]),
                      tuple(dict.fromkeys(outlet for _, outlet in reports[story_id])),
                      cast(Verdict, min((v for v, _ in reports[story_id]), key=lambda v: _RANK.get(v, 3))))
            for story_id, title, updated in rows]


def count_recent(session: Session, since: datetime) -> int:
    """How many stories :func:`recent` would list without its limit."""
    return int(session.scalar(
        select(func.count(func.distinct(StoryRow.id))).join(ItemRow, ItemRow.story_id == StoryRow.id)
        .where(ItemRow.verdict.is_not(None), ItemRow.fetched_at >= since)) or 0)


def story(session: Session, story_id: int, offset: int = 0, limit: int | None = None,
          ) -> tuple[str, list[StoryReport]] | None:
    """A story's title and its reports, oldest first (``limit`` of them after the first ``offset``);
    None when there is no such story. A story merged into another (they turned out to report one
    event) is that story."""
    found = _kept(session, story_id)
    if found is None:
        return None
    title, story_id = found
    rows = session.execute(select(ItemRow, FeedRow.name).join(FeedRow).where(
        ItemRow.story_id == story_id, ItemRow.verdict.is_not(None)).order_by(_WHEN, ItemRow.id)
        .offset(offset).limit(limit)).all()
    return title, [_report(row, feed) for row, feed in rows]


def report_count(session: Session, story_id: int) -> int:
    """How many reports :func:`story` has for ``story_id`` in all (0 when there is no such story)."""
    found = _kept(session, story_id)
    if found is None:
        return 0
    return int(session.scalar(select(func.count()).select_from(ItemRow).where(
        ItemRow.story_id == found[1], ItemRow.verdict.is_not(None))) or 0)


def _kept(session: Session, story_id: int) -> tuple[str, int] | None:
    """The title and id of the story ``story_id`` is (the one it was merged into, if it was)."""
    row = session.execute(select(StoryRow.title, StoryRow.merged_into).where(StoryRow.id == story_id)).first()
    if row is None:
        return None
    title, merged_into = row
    kept = session.scalar(select(StoryRow.title).where(StoryRow.id == merged_into)) if merged_into else None
    return (kept, cast(int, merged_into)) if kept is not None else (title, story_id)


def _report(row: ItemRow, feed: str) -> StoryReport:
    return StoryReport(
        item_id=row.id, title=row.title, url=row.url or "", outlet=row.outlet or feed,
        published=row.published_at or row.fetched_at, verdict=cast(Verdict, row.verdict), vs_seeds=row.vs_seeds or "",
        text=row.text, novel_sentences=tuple(row.novel_sentences),
        matches=tuple((sentence, key) for sentence, key in row.matches or []),
    )


def known(session: Session, keys: Iterable[str]) -> dict[str, Known]:
    """The seeds and earlier reports behind ``keys`` (``item:12`` or a seed's key), a report with its
    place among its story's reports as :func:`story` orders them; unknown keys are left out."""
    keys = set(keys)
    ids = {int(k.split(":", 1)[1]): k for k in keys if k.startswith("item:") and k.split(":", 1)[1].isdigit()}
    found: dict[str, Known] = {}
    if ids:
        rows = session.execute(select(ItemRow, FeedRow.name).join(FeedRow).where(ItemRow.id.in_(ids))).all()
        places = _positions(session, ids, {row.story_id for row, _ in rows if row.story_id is not None})
        for row, feed in rows:
            found[ids[row.id]] = Known(ids[row.id], row.title, row.outlet or feed, row.url or "", row.story_id,
                                       places.get(row.id))
    seeds = keys - set(ids.values())
    if seeds:
        for seed in session.scalars(select(SeedRow).where(SeedRow.key.in_(seeds))):
            found[seed.key] = Known(seed.key, seed.title, seed.outlet, seed.url)
    return found


def _positions(session: Session, item_ids: Iterable[int], story_ids: set[int]) -> dict[int, int]:
    """The place of each of ``item_ids`` among its story's reports (0: the first), in :func:`story`'s
    order; an item that is no report (no verdict) is left out."""
    if not story_ids:
        return {}
    numbered = select(ItemRow.id, func.row_number().over(partition_by=ItemRow.story_id, order_by=(_WHEN, ItemRow.id))
                      .label("place")).where(ItemRow.story_id.in_(story_ids), ItemRow.verdict.is_not(None)).subquery()
    query = select(numbered.c.id, numbered.c.place).where(numbered.c.id.in_(list(item_ids)))
    return {int(item_id): int(place) - 1 for item_id, place in session.execute(query)}
