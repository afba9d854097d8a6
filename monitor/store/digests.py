"""The digests aggregate: schedule state, reserved items and the per-channel delivery ledger.

A digest is created once per (name, due time): the unique key makes a second creation
impossible, even from another process. Its items are reserved in the same commit, and one
delivery row per channel records whether that channel has it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.redact import redact
from monitor.store.claims import claimant
from monitor.store.schema import DeliveryRow, DigestItemRow, DigestRow, DigestStateRow
from monitor.types import ChannelState, PendingDelivery


def last_due(session: Session, name: str) -> datetime | None:
    row = session.get(DigestStateRow, name)
    return row.last_due_at if row is not None else None


def register(session: Session, names: Sequence[str], now: datetime) -> list[str]:
    """Start the clock of each digest not seen before at ``now``; it then holds only items fetched
    from ``now`` on, not the backlog. Returns the names registered."""
    known = set(session.scalars(select(DigestStateRow.name).where(DigestStateRow.name.in_(list(names)))))
    added = [name for name in names if name not in known]
    session.add_all(DigestStateRow(name=name, last_due_at=now, first_seen_at=now) for name in added)
    session.flush()
    return added


def first_seen(session: Session, name: str) -> datetime | None:
    """When the service first ran with digest ``name`` (None: unknown, or known from before that was kept)."""
    row = session.get(DigestStateRow, name)
    return row.first_seen_at if row is not None else None


def set_last_due(session: Session, name: str, when: datetime) -> None:
    """Move digest ``name``'s clock forward to ``when`` (a replica starting at the same moment may
    create the row first: then its row is moved instead)."""
    row = session.get(DigestStateRow, name)
    if row is None:
        try:
            with session.begin_nested():
                session.add(DigestStateRow(name=name, last_due_at=when))
            return
        except IntegrityError:
            row = session.get_one(DigestStateRow, name, populate_existing=True)
    row.last_due_at = max(row.last_due_at, when)
    session.flush()


def create_digest(
    session: Session, name: str, due_at: datetime, *, item_ids: Sequence[int], channels: Sequence[str], now: datetime,
) -> int | None:
    """Create the digest, reserve its items and open a delivery per channel (a channel listed twice gets
    one); None if it exists already."""
    try:
        with session.begin_nested():
            digest = DigestRow(name=name, due_at=due_at, created_at=now, item_count=len(item_ids))
            session.add(digest)
            session.flush()
            session.add_all(DigestItemRow(digest_id=digest.id, item_id=i, digest_name=name) for i in item_ids)
            session.add_all(DeliveryRow(digest_id=digest.id, channel=c, status="pending", attempts=0,
                                        next_attempt_at=now) for c in dict.fromkeys(channels))
            session.flush()
    except IntegrityError:
        return None
    return digest.id


def pending_count(session: Session) -> int:
    query = select(func.count()).select_from(DeliveryRow).where(DeliveryRow.status == "pending")
    return int(session.scalar(query) or 0)


def created_between(session: Session, name: str, since: datetime, until: datetime) -> int:
    """How many digests of ``name`` were created in ``[since, until]`` (for rate limits: one created
    after ``until`` was created while the clock ran ahead, and limits nothing now)."""
    query = select(func.count()).select_from(DigestRow).where(
        DigestRow.name == name, DigestRow.created_at >= since, DigestRow.created_at <= until)
    return int(session.scalar(query) or 0)


def digest_item_ids(session: Session, digest_id: int) -> list[int]:
    query = select(DigestItemRow.item_id).where(DigestItemRow.digest_id == digest_id)
    return list(session.scalars(query))


def pending(session: Session, now: datetime, *, include_claimed: bool = False) -> list[PendingDelivery]:
    """Deliveries still owed whose next attempt has come (and, unless asked, not claimed), oldest first."""
    query = (
        select(DeliveryRow, DigestRow)
        .join(DigestRow, DigestRow.id == DeliveryRow.digest_id)
        .where(DeliveryRow.status == "pending", DeliveryRow.next_attempt_at <= now)
        .order_by(DigestRow.due_at, DeliveryRow.id)
    )
    if not include_claimed:
        query = query.where(or_(DeliveryRow.claimed_until.is_(None), DeliveryRow.claimed_until < now))
    return [
        PendingDelivery(delivery_id=d.id, digest_id=g.id, digest_name=g.name, due_at=g.due_at,
                        channel=d.channel, attempts=d.attempts, rendered=d.rendered)
        for d, g in session.execute(query)
    ]


def claim_pending(
    session: Session, now: datetime, lease: timedelta, *, held: Sequence[str] = (),
) -> list[PendingDelivery]:
    """Claim the owed deliveries whose next attempt has come, except those of the digests named in
    ``held`` (see :func:`feeds.claim_due` for how replicas share them); recording the attempt
    releases the claim."""
    free = or_(DeliveryRow.claimed_until.is_(None), DeliveryRow.claimed_until < now)
    candidates = (
        select(DeliveryRow.id)
        .where(DeliveryRow.status == "pending", DeliveryRow.next_attempt_at <= now, free,
               DeliveryRow.digest_id.not_in(select(DigestRow.id).where(DigestRow.name.in_(held))))
        .order_by(DeliveryRow.id).with_for_update(skip_locked=True)
    )
    claimed = session.scalars(
        update(DeliveryRow).where(DeliveryRow.id.in_(candidates.scalar_subquery()))
        .values(claimed_until=now + lease, claimed_by=claimant()).returning(DeliveryRow.id)
    ).all()
    return [p for p in pending(session, now, include_claimed=True) if p.delivery_id in set(claimed)]


def release(session: Session, delivery_ids: Sequence[int]) -> None:
    """Give back claims not acted on (a stop came first): another process may take them at once. A
    claim that lapsed meanwhile and another process took is that process's, and stays."""
    session.execute(update(DeliveryRow).where(DeliveryRow.id.in_(delivery_ids), DeliveryRow.claimed_by == claimant())
                    .values(claimed_until=None, claimed_by=None))


def keep_rendered(session: Session, delivery_id: int, rendered: str) -> None:
    """Keep the message as first rendered: every later attempt sends exactly these bytes."""
    session.get_one(DeliveryRow, delivery_id).rendered = rendered


def mark_sent(session: Session, delivery_id: int, now: datetime) -> None:
    row = session.get_one(DeliveryRow, delivery_id)
    row.status, row.sent_at, row.attempts, row.last_error = "sent", now, row.attempts + 1, None
    row.claimed_until = None


def mark_failed(session: Session, delivery_id: int, error: str, retry_at: datetime | None) -> None:
    """Record a failed attempt; with ``retry_at`` None the delivery is given up as failed."""
    row = session.get_one(DeliveryRow, delivery_id)
    row.attempts += 1
    row.claimed_until = None
    row.last_error = redact(error)[:8000]
    if retry_at is None:
        row.status = "failed"
    else:
        row.next_attempt_at = retry_at


def delivery_counts(session: Session) -> dict[str, int]:
    """How many deliveries are in each state."""
    query = select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status)
    return {status: count for status, count in session.execute(query)}


def channel_states(session: Session, name: str) -> list[ChannelState]:
    """For each channel of digest ``name``: its latest delivery's state and when it last succeeded (read
    a row per channel, however many digests were sent)."""
    of_digest = select(DeliveryRow.id).join(DigestRow, DigestRow.id == DeliveryRow.digest_id).where(
        DigestRow.name == name)
    latest = (select(func.max(DeliveryRow.id)).where(DeliveryRow.id.in_(of_digest))
              .group_by(DeliveryRow.channel))
    last_sent = (select(DeliveryRow.channel, func.max(DeliveryRow.sent_at))
                 .where(DeliveryRow.id.in_(of_digest)).group_by(DeliveryRow.channel))
    sent = {channel: when for channel, when in session.execute(last_sent)}
    query = select(DeliveryRow.channel, DeliveryRow.status, DeliveryRow.last_error).where(DeliveryRow.id.in_(latest))
    rows = session.execute(query)
    return sorted((ChannelState(channel, status, error, sent.get(channel)) for channel, status, error in rows),
                  key=lambda state: state.channel)
