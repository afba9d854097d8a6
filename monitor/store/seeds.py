"""The seed-documents aggregate: the known coverage, loaded idempotently."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from monitor.store.schema import SeedRow
from monitor.types import SeedDoc


def store_seed(session: Session, doc: SeedDoc, content_hash: str, now: datetime) -> bool:
    """Insert or refresh one seed; returns True when it was new or changed."""
    row = session.scalar(select(SeedRow).where(SeedRow.key == doc.key))
    if row is not None and (row.content_hash, row.title, row.outlet, row.published, row.url) == (
            content_hash, doc.title, doc.outlet, doc.published, doc.url):
        return False
    if row is None:
        row = SeedRow(key=doc.key, loaded_at=now)
        session.add(row)
    row.title, row.outlet, row.published, row.url = doc.title, doc.outlet, doc.published, doc.url
    row.text, row.content_hash, row.loaded_at = doc.text, content_hash, now
    return True


def remove_other_seeds(session: Session, keys: Collection[str]) -> int:
    """Forget the seeds whose key is not in ``keys`` (their files left the seed folder); returns how many."""
    result = session.execute(delete(SeedRow).where(SeedRow.key.not_in(list(keys))))
    return int(getattr(result, "rowcount", 0) or 0)


def list_seeds(session: Session) -> list[SeedDoc]:
    """Every stored seed, in the order of its key (as the seed folder sorts its files)."""
    rows = sorted(session.scalars(select(SeedRow)), key=lambda r: r.key)
    return [SeedDoc(key=r.key, title=r.title, text=r.text, outlet=r.outlet, published=r.published, url=r.url)
            for r in rows]
