"""What each digest will do next: when it is due (in its time zone), where it goes, and how its
channels fared; for the daemon's start-up log and ``monitor status``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor import scheduler
from monitor.config import Digest
from monitor.context import Context
from monitor.digest.run import files_folder
from monitor.store import digests as digest_store
from monitor.types import ChannelState


@dataclass(frozen=True)
class DigestPlan:
    name: str
    schedule: str
    timezone: str
    next_due: datetime | None  # in the digest's time zone; None when it goes out as items arrive
    destinations: tuple[str, ...]  # channel names, or the folder the digest is written to
    channels: tuple[ChannelState, ...]

    def when(self) -> str:
        if self.next_due is None:
            return "as items arrive"
        return f"{self.next_due:%Y-%m-%d %H:%M %Z} ({self.timezone})"

    def where(self) -> str:
        return ", ".join(self.destinations)


def digest_plans(ctx: Context) -> list[DigestPlan]:
    """Every configured digest's plan, in config order."""
    now = ctx.clock.now()
    plans = []
    for digest in ctx.config.digests:
        with ctx.db.session() as session:
            last = digest_store.last_due(session, digest.name)
            channels = tuple(digest_store.channel_states(session, digest.name))
        plans.append(DigestPlan(digest.name, digest.schedule, digest.timezone, _next_due(digest, last or now),
                                _destinations(digest, ctx.config.data_dir), channels))
    return plans


def _next_due(digest: Digest, since: datetime) -> datetime | None:
    schedule = scheduler.parse_schedule(digest.schedule, digest.timezone)
    if schedule.immediate:
        return None
    return schedule.next_after(since).astimezone(ZoneInfo(digest.timezone))


def _destinations(digest: Digest, data_dir: Path) -> tuple[str, ...]:
    if digest.channels:
        return tuple(digest.channels)
    return (f"files in {files_folder(data_dir)}/ (no channel configured)",)
