"""Times the store holds ahead of a clock that was corrected back since they were written (a
machine that booted with a wrong clock, a virtual machine resumed from a snapshot). They are moved
back, so the work they gate (a feed's poll, a delivery's retry, a deferred page, a claim, a
digest's schedule) is not held back for the length of the correction: by the step itself when a
running process saw it (:func:`shift_back`), else when they lie further ahead than any rule sets
them (:func:`pull_back`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from monitor.store.schema import DeferredPageRow, DeliveryRow, DigestStateRow, FeedRow

SKEW = timedelta(minutes=10)  # clocks of replicas may differ this much: their times are left alone


@dataclass(frozen=True)
class Horizons:
    """How far ahead of now each time may lie when its rule set it."""

    poll: timedelta  # a feed's next poll: the longest back-off or interval
    retry: timedelta  # a delivery's next attempt: the longest wait between attempts
    page: timedelta  # a deferred article page's next fetch: the longest wait between them
    lease: timedelta  # a claim: one lease


def pull_back(session: Session, now: datetime, horizons: Horizons) -> int:
    """Set every time beyond its horizon (plus :data:`SKEW`) to ``now``, and end every claim held
    beyond one lease; returns how many rows changed."""
    pulled = sum((
        _pull(session, FeedRow.next_poll_at, now, horizons.poll + SKEW),
        _pull(session, DeliveryRow.next_attempt_at, now, horizons.retry + SKEW),
        _pull(session, DeferredPageRow.next_attempt_at, now, horizons.page + SKEW),
        _pull(session, DigestStateRow.last_due_at, now, SKEW),
    ))
    return pulled + _end_claims(session, now, horizons.lease)


def _end_claims(session: Session, now: datetime, lease: timedelta) -> int:
    """End the claims held beyond one lease (plus :data:`SKEW`) from ``now``; returns how many."""
    ended = 0
    for row in (FeedRow, DeliveryRow):
        ended += _count(session.execute(update(row).where(row.claimed_until > now + lease + SKEW)
                                        .values(claimed_until=None, claimed_by=None)))
    return ended


def _pull(session: Session, column: InstrumentedAttribute[datetime | None] | InstrumentedAttribute[datetime],
          now: datetime, beyond: timedelta) -> int:
    """Set ``column`` to ``now`` where it lies more than ``beyond`` ahead of it."""
    table = column.class_
    return _count(session.execute(update(table).where(column > now + beyond).values({column.key: now})))


def _count(result: object) -> int:
    rows = getattr(result, "rowcount", 0)
    return rows if isinstance(rows, int) and rows > 0 else 0


def shift_back(session: Session, now: datetime, step: timedelta, lease: timedelta) -> int:
    """Move the times ahead of ``now`` back by ``step`` (the clock's correction), never before now,
    and end the claims held beyond one ``lease``; returns how many rows changed."""
    columns = (FeedRow.next_poll_at, DeliveryRow.next_attempt_at, DeferredPageRow.next_attempt_at)
    moved = sum(_shift(session, column, now, step) for column in columns)
    return moved + _pull(session, DigestStateRow.last_due_at, now, timedelta(0)) + _end_claims(session, now, lease)


def _shift(session: Session, column: InstrumentedAttribute[datetime | None], now: datetime, step: timedelta) -> int:
    table = column.class_
    ahead = session.execute(select(table.id, column).where(column > now)).all()
    if ahead:
        session.execute(update(table), [{"id": row_id, column.key: max(when - step, now)} for row_id, when in ahead])
    return len(ahead)
