"""The feeds aggregate: which feeds exist and their polling state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.store.schema import FeedRow
from monitor.types import FeedSpec, FeedState


def sync_feeds(session: Session, specs: Sequence[FeedSpec], now: datetime) -> int:
    """Make the stored feeds match the config (by URL); returns how many were added.

    Feeds dropped from the config keep their state and items but are no longer polled.
    """
    rows = {row.url: row for row in session.scalars(select(FeedRow))}
    added = 0
    wanted = {spec.url for spec in specs}
    for spec in specs:
        row = rows.get(spec.url)
        topics = list(spec.topics) if spec.topics is not None else None
        if row is None:
            session.add(FeedRow(url=spec.url, name=spec.name, topics=topics, interval_seconds=spec.interval_seconds,
                                in_config=True, enabled=True, next_poll_at=now, created_at=now, error_count=0,
                                items_last_poll=0))
            added += 1
        else:
            row.name, row.topics, row.in_config = spec.name, topics, True
            row.interval_seconds = spec.interval_seconds
    for url, row in rows.items():
        if url not in wanted:
            row.in_config = False
    session.flush()
    return added


def due_feeds(session: Session, now: datetime, limit: int = 1000) -> list[FeedState]:
    """Enabled config feeds whose next poll time has come, the most overdue first."""
    query = (
        select(FeedRow)
        .where(FeedRow.in_config.is_(True), FeedRow.enabled.is_(True), FeedRow.next_poll_at <= now)
        .order_by(FeedRow.next_poll_at, FeedRow.id)
        .limit(limit)
    )
    return [_state(row) for row in session.scalars(query)]


def make_all_due(session: Session, now: datetime) -> int:
    """Set every enabled config feed's next poll to ``now``; returns how many."""
    query = (
        update(FeedRow).where(FeedRow.in_config.is_(True), FeedRow.enabled.is_(True))
        .values(next_poll_at=now).returning(FeedRow.id)
    )
    return len(session.execute(query).all())


def all_feeds(session: Session) -> list[FeedState]:
    """Every feed of the config, for ``status``."""
    query = select(FeedRow).where(FeedRow.in_config.is_(True)).order_by(FeedRow.id)
    return [_state(row) for row in session.scalars(query)]


def get_feed(session: Session, feed_id: int) -> FeedState:
    row = session.get_one(FeedRow, feed_id)
    return _state(row)


def record_success(
    session: Session, feed_id: int, *, now: datetime, status: str, next_poll_at: datetime, items: int,
    etag: str | None, last_modified: str | None, body_hash: str | None,
) -> None:
    """A poll that worked: store validators, reset the error counter."""
    session.execute(update(FeedRow).where(FeedRow.id == feed_id).values(
        last_polled_at=now, last_status=status, next_poll_at=next_poll_at, items_last_poll=items,
        etag=etag, last_modified=last_modified, body_hash=body_hash, error_count=0,
    ))


def record_failure(
    session: Session, feed_id: int, *, now: datetime, error: str, next_poll_at: datetime, disable: bool = False,
) -> int:
    """A poll that failed: keep the error with its time, count it; returns the new count."""
    row = session.get_one(FeedRow, feed_id)
    row.last_polled_at = now
    row.last_status = "error"
    row.last_error = error[:2000]
    row.last_error_at = now
    row.error_count += 1
    row.next_poll_at = next_poll_at
    row.items_last_poll = 0
    if disable:
        row.enabled = False
    return row.error_count


def _state(row: FeedRow) -> FeedState:
    return FeedState(
        id=row.id, url=row.url, name=row.name, topics=tuple(row.topics) if row.topics is not None else None,
        interval_seconds=row.interval_seconds, enabled=row.enabled, etag=row.etag, last_modified=row.last_modified,
        body_hash=row.body_hash,
        last_polled_at=row.last_polled_at, next_poll_at=row.next_poll_at, last_status=row.last_status,
        last_error=row.last_error, error_count=row.error_count, items_last_poll=row.items_last_poll,
    )
