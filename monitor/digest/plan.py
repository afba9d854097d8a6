"""What each digest will do next: when it is due (in its time zone), where it goes, and how its
channels fared; for the daemon's start-up log and ``monitor status``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
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
    quiet_hours: str | None = None
    held: bool = False  # next_due is when the quiet hours its schedule falls in end

    def when(self) -> str:
        if self.next_due is None:
            return "as items arrive" + (f", outside quiet hours {self.quiet_hours}" if self.quiet_hours else "")
        held = f", when quiet hours {self.quiet_hours} end" if self.held else ""
        return f"{self.next_due:%Y-%m-%d %H:%M %Z} ({self.timezone}){held}"

    def where(self) -> str:
        return ", ".join(self.destinations)


def digest_plans(ctx: Context) -> list[DigestPlan]:
    """Every configured digest's plan, in config order (read only: ``monitor status`` does not wait
    behind a writer)."""
    now = ctx.clock.now()
    plans = []
    for digest in ctx.config.digests:
        with ctx.db.reading() as session:
            last = digest_store.last_due(session, digest.name)
            channels = tuple(digest_store.channel_states(session, digest.name))
        due = _next_due(digest, last or now)
        sent = _after_quiet_hours(due, digest) if due is not None else None
        plans.append(DigestPlan(digest.name, digest.schedule, digest.timezone, sent,
                                _destinations(digest, ctx.config.data_dir), channels, digest.quiet_hours,
                                held=sent != due))
    return plans


def _next_due(digest: Digest, since: datetime) -> datetime | None:
    schedule = scheduler.parse_schedule(digest.schedule, digest.timezone)
    if schedule.immediate:
        return None
    return schedule.next_after(since).astimezone(ZoneInfo(digest.timezone))


def _after_quiet_hours(due: datetime, digest: Digest) -> datetime:
    """When a digest due at ``due`` goes out: then, or when the quiet hours it falls in end."""
    if not scheduler.in_quiet_hours(digest.quiet_hours, due, digest.timezone):
        return due
    assert digest.quiet_hours is not None
    _, end = scheduler.parse_quiet_hours(digest.quiet_hours)
    ends = due.replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
    return ends if ends > due else ends + timedelta(days=1)


def _destinations(digest: Digest, data_dir: Path) -> tuple[str, ...]:
    if digest.channels:
        return tuple(digest.channels)
    return (f"files in {files_folder(data_dir)}/ (no channel configured)",)
