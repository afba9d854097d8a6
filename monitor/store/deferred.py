"""The deferred pages aggregate: entries whose article page failed for now (a timeout, a refused
connection, a 429, a 5xx), kept whole in the database so that a later poll of their feed fetches
the page again; nothing is lost across polls, restarts, or the feed dropping the entry.

A deferral is keyed like an item (feed, entry key) and ends when its item is stored: the store
deletes it in the transaction that stores the item (:func:`settle`), so a crash never loses nor
duplicates the entry. Deleting a feed deletes its deferrals (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from monitor.redact import redact
from monitor.store.schema import DeferredPageRow
from monitor.types import DeferredPage, FeedEntry

MAX_ERROR_CHARS = 2000
_CHUNK = 500


def defer(session: Session, pages: Sequence[DeferredPage], now: datetime) -> None:
    """Record each page's failed attempt: a new deferral, or the next attempt of one (its count,
    error and next time replaced); the error is stored redacted and capped, like a feed's."""
    for page in pages:
        row = session.scalar(select(DeferredPageRow).where(
            DeferredPageRow.feed_id == page.feed_id, DeferredPageRow.entry_key == page.entry.key))
        if row is None:
            row = DeferredPageRow(feed_id=page.feed_id, entry_key=page.entry.key, deferred_at=now)
            session.add(row)
        _apply(row, page)
    session.flush()


def _apply(row: DeferredPageRow, page: DeferredPage) -> None:
    entry = page.entry
    row.title, row.link, row.summary, row.published_at = entry.title, entry.link, entry.summary, entry.published
    row.author, row.source, row.utc_offset = entry.author, entry.source, entry.utc_offset
    row.attempts, row.next_attempt_at = page.attempts, page.next_attempt_at
    row.last_error = redact(page.error)[:MAX_ERROR_CHARS]


def due(session: Session, feed_ids: Sequence[int], now: datetime) -> list[DeferredPage]:
    """The deferrals of these feeds whose time has come, the first deferred first."""
    found: list[DeferredPage] = []
    for start in range(0, len(feed_ids), _CHUNK):
        query = (select(DeferredPageRow)
                 .where(DeferredPageRow.feed_id.in_(list(feed_ids[start : start + _CHUNK])),
                        DeferredPageRow.next_attempt_at <= now)
                 .order_by(DeferredPageRow.id))
        found += [_page(row) for row in session.scalars(query)]
    return found


def of_feed(session: Session, feed_id: int) -> list[DeferredPage]:
    """Every deferral of one feed, the next to be tried first (for ``monitor feeds show``)."""
    query = (select(DeferredPageRow).where(DeferredPageRow.feed_id == feed_id)
             .order_by(DeferredPageRow.next_attempt_at, DeferredPageRow.id))
    return [_page(row) for row in session.scalars(query)]


def deferred_keys(session: Session, feed_id: int, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` this feed has deferred (due or not): listed again, they are not new entries."""
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        found.update(session.scalars(select(DeferredPageRow.entry_key).where(
            DeferredPageRow.feed_id == feed_id, DeferredPageRow.entry_key.in_(list(keys[start : start + _CHUNK])))))
    return found


def settle(session: Session, entries: Iterable[tuple[int, str]]) -> int:
    """End the deferrals of these (feed id, entry key) pairs (their items are stored); returns how many."""
    by_feed: defaultdict[int, list[str]] = defaultdict(list)
    for feed_id, key in entries:
        by_feed[feed_id].append(key)
    ended = 0
    for feed_id, keys in by_feed.items():
        for start in range(0, len(keys), _CHUNK):
            ended += len(session.execute(delete(DeferredPageRow).where(
                DeferredPageRow.feed_id == feed_id, DeferredPageRow.entry_key.in_(keys[start : start + _CHUNK]))
                .returning(DeferredPageRow.id)).all())
    return ended


def counts(session: Session) -> dict[int, int]:
    """How many entries each feed has deferred (feeds with none are left out)."""
    query = select(DeferredPageRow.feed_id, func.count()).group_by(DeferredPageRow.feed_id)
    return {int(feed_id): int(n) for feed_id, n in session.execute(query)}


def prune(session: Session, before: datetime) -> int:
    """Retention: forget deferrals first made before ``before``. A polled feed settles each within
    ``polling.page_attempts`` polls; one this old belongs to a feed no longer polled (disabled, or
    left out of the config). Returns how many."""
    return len(session.execute(delete(DeferredPageRow).where(DeferredPageRow.deferred_at < before)
                               .returning(DeferredPageRow.id)).all())


def _page(row: DeferredPageRow) -> DeferredPage:
    entry = FeedEntry(key=row.entry_key, title=row.title, link=row.link, summary=row.summary,
                      published=row.published_at, author=row.author, source=row.source, utc_offset=row.utc_offset)
    return DeferredPage(row.feed_id, entry, row.attempts, row.last_error, row.next_attempt_at)
