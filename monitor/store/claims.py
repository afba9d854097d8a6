"""Who holds a claim: feeds and deliveries are claimed by one process (``host:pid``) for a lease.

A claim a process holds when it dies would otherwise block its work until the lease expires.
A process starting on the same host takes back the claims of that host's processes that no longer
run; a dead replica on another host is seen only through its expired lease.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.store.schema import DeliveryRow, FeedRow


def claimant() -> str:
    """This process, as claims name it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def release_dead(session: Session, now: datetime) -> int:
    """Free the live claims of this host's processes that are no longer running; returns how many."""
    host = socket.gethostname()
    released = 0
    for row in (FeedRow, DeliveryRow):
        owners = session.scalars(
            select(row.claimed_by).distinct().where(row.claimed_until >= now, row.claimed_by.is_not(None))
        ).all()
        for owner in owners:
            if owner is not None and _dead_here(owner, host):
                result = session.execute(
                    update(row).where(row.claimed_by == owner, row.claimed_until >= now)
                    .values(claimed_until=None, claimed_by=None)
                )
                released += result.rowcount if result.rowcount and result.rowcount > 0 else 0  # type: ignore[attr-defined]
    return released


def _dead_here(owner: str, host: str) -> bool:
    name, _, pid = owner.rpartition(":")
    if name != host or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
