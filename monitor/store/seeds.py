"""The seed-documents aggregate: the known coverage, loaded idempotently."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store.schema import SeedRow
from monitor.types import SeedDoc


def store_seed(session: Session, doc: SeedDoc, content_hash: str, now: datetime) -> bool:
    """Insert or refresh one seed; returns True when it was new or changed."""
    row = session.scalar(select(SeedRow).where(SeedRow.key == doc.key))
    if row is not None and row.content_hash == content_hash and row.title == doc.title:
        return False
    if row is None:
        row = SeedRow(key=doc.key, loaded_at=now)
        session.add(row)
    row.title, row.outlet, row.published, row.url = doc.title, doc.outlet, doc.published, doc.url
    row.text, row.content_hash, row.loaded_at = doc.text, content_hash, now
    return True


def list_seeds(session: Session) -> list[SeedDoc]:
    rows = session.scalars(select(SeedRow).order_by(SeedRow.key))
    return [SeedDoc(key=r.key, title=r.title, text=r.text, outlet=r.outlet, published=r.published, url=r.url)
            for r in rows]
