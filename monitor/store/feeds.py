"""The feeds aggregate: which feeds exist and their polling state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Integer, String, Table, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from monitor.redact import redact
from monitor.store.claims import claimant
from monitor.store.schema import FeedErrorRow, FeedRow
from monitor.types import FeedSpec, FeedState, PollSuccess

KEEP_ERRORS = 20
SYNCED_SOURCES = ("config", "google")


@dataclass(frozen=True)
class FeedError:
    at: datetime
    status: int | None
    permanent: bool
    message: str


def sync_feeds(session: Session, specs: Sequence[FeedSpec], now: datetime) -> int:
    """Make the config's feeds match ``specs`` (by URL); returns how many were added.

    Feeds dropped from the config keep their state and items but are no longer polled.
    Feeds imported from OPML are left alone.
    """
    rows = {row.url: row for row in session.scalars(select(FeedRow))}
    added = 0
    for spec in specs:
        row = rows.get(spec.url)
        if row is None:
            session.add(_new_row(spec, now))
            added += 1
        elif row.source in SYNCED_SOURCES or spec.source in SYNCED_SOURCES:
            _apply(row, spec)
    wanted = {spec.url for spec in specs}
    for url, row in rows.items():
        if row.source in SYNCED_SOURCES and url not in wanted:
            row.in_config = False
    session.flush()
    return added


@dataclass(frozen=True)
class Imported:
    """What an import changed: the URLs of the feeds it added, and of those imported before whose
    name or topics it updated."""

    added: tuple[str, ...]
    updated: tuple[str, ...]


def add_feeds(session: Session, specs: Sequence[FeedSpec], now: datetime) -> Imported:
    """Add feeds (e.g. from OPML) that are not polled yet, with their topics. A feed the config left
    behind is polled again, as imported; the address a known feed moved to is that feed. A feed
    imported before takes the name and topics of this import; the config's feeds are left as they
    are: the config's topics win over an import's."""
    rows = list(session.scalars(select(FeedRow)))
    by_url = {row.url: row for row in rows}
    moved = {row.fetch_url for row in rows if row.fetch_url}
    added: list[str] = []
    updated: list[str] = []
    for spec in dict((s.url, s) for s in specs).values():
        row = by_url.get(spec.url)
        if row is None and spec.url not in moved:
            session.add(_new_row(spec, now))
            added.append(spec.url)
        elif row is not None and not row.in_config:
            _apply(row, spec)
            added.append(spec.url)
        elif row is not None and row.source == spec.source == "opml" and _changes(row, spec):
            _apply(row, spec)
            updated.append(spec.url)
    session.flush()
    return Imported(tuple(added), tuple(updated))


def _changes(row: FeedRow, spec: FeedSpec) -> bool:
    """Whether ``spec`` names a feed or limits its topics otherwise than ``row`` does."""
    topics = list(spec.topics) if spec.topics is not None else None
    return (row.name, row.topics) != (spec.name, topics)


def _new_row(spec: FeedSpec, now: datetime) -> FeedRow:
    row = FeedRow(url=spec.url, enabled=True, next_poll_at=now, created_at=now, error_count=0, items_last_poll=0,
                  permanent_failures=0, alerted=False)
    _apply(row, spec)
    return row


def _apply(row: FeedRow, spec: FeedSpec) -> None:
    row.name, row.source, row.in_config = spec.name, spec.source, True
    row.topics = list(spec.topics) if spec.topics is not None else None
    row.interval_seconds = spec.interval_seconds


def claim_due(
    session: Session, now: datetime, lease: timedelta, limit: int = 5000, owner: str | None = None,
) -> list[FeedState]:
    """Claim the due feeds for this process until ``now + lease`` and return them, the most overdue first.

    Replicas on one database never get the same feed: PostgreSQL skips rows another transaction
    has locked (``FOR UPDATE SKIP LOCKED``), SQLite serialises writers (``BEGIN IMMEDIATE``), and a
    claim a dead replica left behind expires with its lease (or is taken back at once by a process
    started on its host: :func:`monitor.store.claims.release_dead`). Recording the poll's result
    releases it. ``owner`` (default: this process) is stored with the claim.
    """
    free = or_(FeedRow.claimed_until.is_(None), FeedRow.claimed_until < now)
    candidates = (
        select(FeedRow.id)
        .where(FeedRow.in_config.is_(True), FeedRow.enabled.is_(True), FeedRow.next_poll_at <= now, free)
        .order_by(FeedRow.next_poll_at, FeedRow.id).limit(limit).with_for_update(skip_locked=True)
    )
    claimed = session.scalars(
        update(FeedRow).where(FeedRow.id.in_(candidates.scalar_subquery()))
        .values(claimed_until=now + lease, claimed_by=owner or claimant()).returning(FeedRow.id)
    ).all()
    if not claimed:
        return []
    rows = session.scalars(select(FeedRow).where(FeedRow.id.in_(claimed)).execution_options(populate_existing=True))
    return sorted((_state(row) for row in rows), key=lambda f: (f.next_poll_at or now, f.id))


def held_elsewhere(session: Session, now: datetime) -> int:
    """How many due feeds another process holds a live claim on (they were skipped this pass)."""
    return int(session.scalar(
        select(func.count()).select_from(FeedRow).where(
            FeedRow.in_config.is_(True), FeedRow.enabled.is_(True), FeedRow.next_poll_at <= now,
            FeedRow.claimed_until >= now, FeedRow.claimed_by != claimant())
    ) or 0)


def make_all_due(session: Session, now: datetime) -> int:
    """Set every enabled listed feed's next poll to ``now``; returns how many."""
    query = (
        update(FeedRow).where(FeedRow.in_config.is_(True), FeedRow.enabled.is_(True))
        .values(next_poll_at=now).returning(FeedRow.id)
    )
    return len(session.execute(query).all())


def all_feeds(session: Session) -> list[FeedState]:
    """Every listed feed, for ``status`` and ``feeds export``."""
    query = select(FeedRow).where(FeedRow.in_config.is_(True)).order_by(FeedRow.id)
    return [_state(row) for row in session.scalars(query)]


def find_feeds(session: Session, ref: str) -> list[FeedState]:
    """The feeds ``ref`` names: ``#ID`` the one with that id alone; otherwise the one with that id
    (when ``ref`` is a number) and those with that URL or name, the feeds polled now (in the config
    or imported) before those no longer polled. A number that is one feed's id and another's name
    names both: the caller asks which."""
    digits = ref.removeprefix("#")
    number = int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 10 else None  # fits any INTEGER
    by_id = session.get(FeedRow, number) if number is not None else None
    if ref.startswith("#") and number is not None:
        return [_state(by_id)] if by_id is not None else []
    query = (select(FeedRow).where(or_(FeedRow.url == ref, FeedRow.name == ref, FeedRow.fetch_url == ref))
             .order_by(FeedRow.in_config.desc(), FeedRow.id))
    rows = list(session.scalars(query))
    named = [row for row in rows if row.in_config] or rows
    found = ([by_id] if by_id is not None else []) + [row for row in named if row is not by_id]
    return [_state(row) for row in found]


def record_successes(session: Session, polls: Sequence[PollSuccess]) -> None:
    """Polls that worked: store validators and schedule, reset the failure counters (one statement for all)."""
    session.execute(_SUCCESS, [_success_params(p) for p in polls])


def _success_params(poll: PollSuccess) -> dict[str, object]:
    return {
        "feed_id": poll.feed_id, "last_polled_at": poll.polled_at, "last_status": poll.status,
        "next_poll_at": poll.next_poll_at, "items_last_poll": poll.items, "etag": poll.etag,
        "last_modified": poll.last_modified, "body_hash": poll.body_hash, "fetch_url": poll.moved_to,
        "observed_gap_seconds": poll.observed_gap_seconds, "ttl_minutes": poll.ttl_minutes,
    }


_TABLE = cast(Table, FeedRow.__table__)
# Built once: this runs for every poll, most of them 304s, so its cost is the poller's floor.
_SUCCESS = (
    update(_TABLE).where(_TABLE.c.id == bindparam("feed_id")).values(
        last_polled_at=bindparam("last_polled_at"), last_status=bindparam("last_status"),
        next_poll_at=bindparam("next_poll_at"), items_last_poll=bindparam("items_last_poll"),
        etag=bindparam("etag"), last_modified=bindparam("last_modified"), body_hash=bindparam("body_hash"),
        fetch_url=func.coalesce(bindparam("fetch_url", type_=String), _TABLE.c.fetch_url),
        observed_gap_seconds=func.coalesce(bindparam("observed_gap_seconds", type_=Integer),
                                           _TABLE.c.observed_gap_seconds),
        ttl_minutes=func.coalesce(bindparam("ttl_minutes", type_=Integer), _TABLE.c.ttl_minutes),
        error_count=0, permanent_failures=0, failing_since=None, alerted=False, claimed_until=None,
    )
)


def record_failure(
    session: Session, feed_id: int, *, now: datetime, error: str, next_poll_at: datetime, status: int | None = None,
    permanent: bool = False, disable_after: int | None = None,
) -> FeedState:
    """A poll that failed: keep the error with its time and count it; disable the feed after
    ``disable_after`` permanent failures in a row (a temporary failure in between starts the count
    again). Returns the new state."""
    row = session.get_one(FeedRow, feed_id)
    row.last_polled_at, row.last_status, row.next_poll_at = now, "error", next_poll_at
    error = redact(error)[:2000]
    row.last_error, row.last_error_at, row.items_last_poll = error, now, 0
    row.error_count += 1
    row.claimed_until = None
    row.permanent_failures = row.permanent_failures + 1 if permanent else 0
    row.failing_since = row.failing_since or now
    if disable_after is not None and row.permanent_failures >= disable_after and row.enabled:
        row.enabled = False
        row.alerted = False  # being disabled is news even after an outage alert
    session.add(FeedErrorRow(feed_id=feed_id, at=now, status=status, permanent=permanent, message=error))
    session.flush()
    _prune_errors(session, feed_id)
    return _state(row)


def _prune_errors(session: Session, feed_id: int) -> None:
    keep = select(FeedErrorRow.id).where(FeedErrorRow.feed_id == feed_id).order_by(FeedErrorRow.id.desc())
    session.execute(delete(FeedErrorRow).where(
        FeedErrorRow.feed_id == feed_id, FeedErrorRow.id.not_in(keep.limit(KEEP_ERRORS).scalar_subquery()),
    ))


def recent_errors(session: Session, feed_id: int) -> list[FeedError]:
    query = select(FeedErrorRow).where(FeedErrorRow.feed_id == feed_id).order_by(FeedErrorRow.id.desc())
    return [FeedError(r.at, r.status, r.permanent, r.message) for r in session.scalars(query)]


def last_success_at(session: Session) -> datetime | None:
    """When any listed feed was last polled successfully."""
    query = select(func.max(FeedRow.last_polled_at)).where(FeedRow.last_status != "error", FeedRow.in_config.is_(True))
    return session.scalar(query)


def count_due(session: Session, now: datetime) -> int:
    query = select(func.count()).select_from(FeedRow).where(
        FeedRow.in_config.is_(True), FeedRow.enabled.is_(True), FeedRow.next_poll_at <= now)
    return int(session.scalar(query) or 0)


def mark_alerted(session: Session, feed_id: int) -> None:
    session.execute(update(FeedRow).where(FeedRow.id == feed_id).values(alerted=True))


def enable_feed(session: Session, feed_id: int, now: datetime) -> None:
    """Re-enable a feed and poll it at once, with its failure counters reset."""
    session.execute(update(FeedRow).where(FeedRow.id == feed_id).values(
        enabled=True, next_poll_at=now, error_count=0, permanent_failures=0, failing_since=None, alerted=False,
    ))


def _state(row: FeedRow) -> FeedState:
    return FeedState(
        id=row.id, url=row.url, name=row.name, topics=tuple(row.topics) if row.topics is not None else None,
        interval_seconds=row.interval_seconds, enabled=row.enabled, etag=row.etag, last_modified=row.last_modified,
        body_hash=row.body_hash, last_polled_at=row.last_polled_at, next_poll_at=row.next_poll_at,
        last_status=row.last_status, last_error=row.last_error, error_count=row.error_count,
        items_last_poll=row.items_last_poll, source=row.source, fetch_url=row.fetch_url,
        permanent_failures=row.permanent_failures, failing_since=row.failing_since, alerted=row.alerted,
        observed_gap_seconds=row.observed_gap_seconds, ttl_minutes=row.ttl_minutes or None, claimed_by=row.claimed_by,
        claimed_until=row.claimed_until, listed=row.in_config,
    )
