"""Who holds a claim: feeds and deliveries are claimed by one process for a lease.

A claimant names its host, its PID namespace, its pid and a token drawn when the process
started, so a restarted container whose process has the same pid (1, say) is not taken for the
process that died. A claim a process holds when it dies would otherwise block its work until the
lease expires. Leases are short (:data:`LEASE`) and renewed while the work runs (:class:`Renewal`),
so the claims of a dead replica elsewhere (another host, or another PID namespace such as a
restarted container) are free again within a lease; a process in the same host and namespace
takes back the claims of the processes there that no longer run (or are zombies) at once.
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.store.schema import DeliveryRow, FeedRow

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)  # how long a claim holds without renewal; renewed every third of it

_STARTED = secrets.token_hex(4)  # this start of the process


def claimant() -> str:
    """This process, as claims name it: ``host:pid-namespace:pid:token``."""
    return f"{socket.gethostname()[:64]}:{_pid_namespace()}:{os.getpid()}:{_STARTED}"


@functools.cache
def _pid_namespace() -> str:
    """The inode of this process's PID namespace (Linux), else ``-``: pids compare only within one
    (read once: every claim and renewal names it)."""
    try:
        return os.readlink("/proc/self/ns/pid").removeprefix("pid:[").removesuffix("]")
    except OSError:
        return "-"


def release_dead(session: Session, now: datetime) -> int:
    """Free the live claims of this host's processes that are no longer running; returns how many."""
    here = claimant().rsplit(":", 2)[0]  # host and PID namespace
    released = 0
    for row in (FeedRow, DeliveryRow):
        owners = session.scalars(
            select(row.claimed_by).distinct().where(row.claimed_until >= now, row.claimed_by.is_not(None))
        ).all()
        for owner in owners:
            if owner is not None and _dead_here(owner, here):
                result = session.execute(
                    update(row).where(row.claimed_by == owner, row.claimed_until >= now)
                    .values(claimed_until=None, claimed_by=None)
                )
                released += result.rowcount if result.rowcount and result.rowcount > 0 else 0  # type: ignore[attr-defined]
    return released


def _dead_here(owner: str, here: str) -> bool:
    """True when ``owner`` ran in this host and PID namespace and no longer runs."""
    place, _, rest = owner.rpartition(":")  # rest: the token
    place, _, pid = place.rpartition(":")
    if place != here or not pid.isdigit():
        return False  # elsewhere (or an older release's form): its lease runs out
    if int(pid) == os.getpid():
        return rest != _STARTED  # this pid, an earlier start: a restarted container's first process
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _zombie(int(pid))


def _zombie(pid: int) -> bool:
    """True when ``pid`` has exited and only waits for its parent to collect it (Linux ``/proc``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def renew(session: Session, now: datetime, lease: timedelta = LEASE, owner: str | None = None) -> int:
    """Extend this process's live claims to ``now + lease``; returns how many."""
    owner = owner or claimant()
    renewed = 0
    for row in (FeedRow, DeliveryRow):
        result = session.execute(
            update(row).where(row.claimed_by == owner, row.claimed_until >= now).values(claimed_until=now + lease)
        )
        renewed += result.rowcount if result.rowcount and result.rowcount > 0 else 0  # type: ignore[attr-defined]
    return renewed


class Renewal:
    """While the ``with`` block runs, a thread renews this process's claims every third of the lease.

    ``renew_now`` runs one renewal in a transaction of its own (``(now) -> count``)."""

    def __init__(self, renew_now: Callable[[], int], lease: timedelta = LEASE) -> None:
        self._renew_now, self._every = renew_now, lease.total_seconds() / 3
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="claim-renewal", daemon=True)

    def __enter__(self) -> Renewal:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._renew_now()
            except Exception:  # a failed renewal is retried; at worst the lease runs out and another replica takes over
                log.warning("claims not renewed; retrying", exc_info=True)
