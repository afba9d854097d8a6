"""What the novelty judge remembers, as stored: judged items, stories, and the judging turn.

Every process judges against everything any process stored. A judgement and the insert of its
item happen in one transaction that holds the judging turn (PostgreSQL: a transaction advisory
lock; SQLite: every transaction is ``BEGIN IMMEDIATE``, so writers take turns already). Inside
its turn a process first reads the items judged elsewhere since it last looked
(:func:`judged_after`), so the result is that of one process judging the stream in commit order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from monitor.store.schema import ItemRow, StoryRow
from monitor.types import KnownItem, StoredVector

_JUDGING_LOCK = 0x6A756467  # "judg": the advisory lock one judgement holds on PostgreSQL

_WHEN = func.coalesce(ItemRow.published_at, ItemRow.fetched_at)  # the time an item was judged at
# An entry without a publication date is stored at the time it was fetched, to the microsecond.
_DATED = ItemRow.published_at != ItemRow.fetched_at
_KNOWN = (ItemRow.id, ItemRow.title, ItemRow.text, _WHEN, ItemRow.story_id, ItemRow.language, ItemRow.verdict,
          ItemRow.vs_seeds, ItemRow.vector, ItemRow.vector_of, _DATED)


def _known(row: Sequence[Any]) -> KnownItem:
    """A selected row of :data:`_KNOWN` as the judge relearns it."""
    values = list(row)
    values[-1] = bool(values[-1])  # NULL when either time is missing
    return KnownItem(*values)


def take_turn(session: Session) -> None:
    """Wait for the judging turn; it is held until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _JUDGING_LOCK})


def recent(session: Session, since: datetime) -> list[KnownItem]:
    """Judged items fetched since ``since`` with their story, in the order they were stored (to
    rebuild the judge as it was)."""
    query = select(*_KNOWN).where(ItemRow.verdict.is_not(None), ItemRow.fetched_at >= since).order_by(ItemRow.id)
    return [_known(row) for row in session.execute(query)]


def judged_after(session: Session, item_id: int) -> list[KnownItem]:
    """Judged items stored after item ``item_id`` (by any process), in the order they were stored."""
    query = select(*_KNOWN).where(ItemRow.verdict.is_not(None), ItemRow.id > item_id).order_by(ItemRow.id)
    return [_known(row) for row in session.execute(query)]


def store_vectors(session: Session, vectors: Mapping[int, StoredVector]) -> None:
    """Replace the stored multilingual vectors of the items with these ids."""
    for item_id, vector in vectors.items():
        session.execute(update(ItemRow).where(ItemRow.id == item_id).values(vector=vector.data, vector_of=vector.of))


def last_item_id(session: Session) -> int:
    return int(session.scalar(select(func.max(ItemRow.id))) or 0)


def new_story(session: Session, title: str, now: datetime, floor: int) -> int:
    """Create a story (inside the judging turn) and return its id: the next after every stored
    story, and at least ``floor`` (the judge's own stories, such as the seeds', are not stored)."""
    story_id = max(int(session.scalar(select(func.max(StoryRow.id))) or 0) + 1, floor)
    session.add(StoryRow(id=story_id, title=title[:500], created_at=now, updated_at=now))
    session.flush()
    return story_id


def touch_story(session: Session, story_id: int, title: str, now: datetime) -> None:
    """A report joined story ``story_id``: move its ``updated_at`` (create its row the first time,
    for the seeds' stories)."""
    row = session.get(StoryRow, story_id)
    if row is None:
        session.add(StoryRow(id=story_id, title=title[:500], created_at=now, updated_at=now))
    else:
        row.updated_at = max(row.updated_at, now)
    session.flush()


def merge_stories(session: Session, keep: int, gone: Sequence[int], now: datetime) -> None:
    """Stories ``gone`` turned out to report the event of story ``keep``: their reports move to it,
    and each points at it (so an address of theirs still leads to the story)."""
    if not gone:
        return
    session.execute(update(ItemRow).where(ItemRow.story_id.in_(gone)).values(story_id=keep))
    session.execute(update(StoryRow).where(StoryRow.merged_into.in_(gone)).values(merged_into=keep))
    session.execute(update(StoryRow).where(StoryRow.id.in_(gone)).values(merged_into=keep, updated_at=now))
    touch_story(session, keep, "", now)


def merges(session: Session) -> list[tuple[int, int]]:
    """Every merged story with the story it now belongs to."""
    query = select(StoryRow.id, StoryRow.merged_into).where(StoryRow.merged_into.is_not(None))
    return [(int(gone), int(keep)) for gone, keep in session.execute(query) if keep is not None]
