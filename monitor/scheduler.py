"""Pure scheduling maths: when a feed is next polled and when a digest is next due.

Nothing here reads the clock or the database; callers pass ``now`` and the state.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from monitor.errors import SettingError
from monitor.units import parse_duration

_TIME_RANGE = re.compile(r"\s*(\d{1,2}:\d\d)\s*-\s*(\d{1,2}:\d\d)\s*")


@dataclass(frozen=True)
class Schedule:
    """A digest schedule: a cron expression in a time zone, or a fixed interval."""

    text: str
    cron: CronTrigger | None = None  # matched against the wall clock of ``zone`` (it runs in UTC: no DST of its own)
    zone: ZoneInfo | None = None
    every: timedelta | None = None
    immediate: bool = False  # as it happens: due whenever there is something to send

    def next_after(self, moment: datetime) -> datetime:
        """The first due time strictly after ``moment`` (an aware datetime)."""
        if self.immediate:
            return moment + timedelta(microseconds=1)
        if self.every is not None:
            return moment + self.every
        assert self.cron is not None and self.zone is not None
        return self._next_wall_time(self.cron, self.zone, moment)

    def _next_wall_time(self, cron: CronTrigger, zone: ZoneInfo, moment: datetime) -> datetime:
        """The first instant (in UTC) after ``moment`` whose wall clock in ``zone`` matches ``cron``.

        Each matching wall time fires once: one the clock shows twice (DST ends) at its first
        showing, one the clock skips (DST starts) as late as the gap is long (02:30 -> 03:30).
        """
        target = moment.astimezone(UTC)
        wall = target.astimezone(zone).replace(tzinfo=UTC)
        while True:
            fire = cron.get_next_fire_time(None, wall + timedelta(microseconds=1))
            if fire is None:  # pragma: no cover - a crontab always fires again
                raise SettingError(f"schedule {self.text!r} never fires again")
            wall = cast(datetime, fire)
            instant = wall.replace(tzinfo=zone).astimezone(UTC)  # fold 0: the first showing, or after the gap
            if instant > target:
                return instant


def parse_schedule(text: str, timezone: str) -> Schedule:
    """``"0 8 * * *"`` (cron, in ``timezone``) or ``"every 6h"``; raises SettingError otherwise."""
    stripped = text.strip()
    if stripped.lower() == "immediate":
        return Schedule(stripped, immediate=True)
    if stripped.lower().startswith("every "):
        every = parse_duration(stripped[6:])
        if every < timedelta(minutes=1):
            raise SettingError("an interval schedule must be at least 1 minute")
        return Schedule(stripped, every=every)
    if len(stripped.split()) != 5:
        raise SettingError(f"not a valid cron expression: {text!r} (5 fields, or 'every 6h')")
    try:
        zone = ZoneInfo(timezone)
        trigger = CronTrigger.from_crontab(stripped, timezone=UTC)
    except ValueError as exc:
        raise SettingError(f"not a valid cron expression: {text!r} ({exc})") from exc
    return Schedule(stripped, cron=trigger, zone=zone)


def in_quiet_hours(spec: str | None, moment: datetime, timezone: str) -> bool:
    """Whether ``moment`` falls in ``spec`` ("22:00-07:00", local time of ``timezone``; may span midnight)."""
    if not spec:
        return False
    start, end = parse_quiet_hours(spec)
    local = moment.astimezone(ZoneInfo(timezone))
    now = local.hour * 60 + local.minute
    return start <= now < end if start <= end else now >= start or now < end


def parse_quiet_hours(spec: str) -> tuple[int, int]:
    """``"22:00-07:00"`` -> its start and end in minutes of the day; raises SettingError otherwise."""
    found = _TIME_RANGE.fullmatch(spec)
    if found is None:
        raise SettingError(f"not a time range: {spec!r} (use e.g. 22:00-07:00)")
    return _minutes(found.group(1)), _minutes(found.group(2))


def _minutes(clock: str) -> int:
    hours, minutes = (int(part) for part in clock.split(":"))
    if hours >= 24 or minutes >= 60:
        raise SettingError(f"not a time of day: {clock!r} (use HH:MM)")
    return hours * 60 + minutes


def latest_due(schedule: Schedule, since: datetime, now: datetime) -> datetime | None:
    """The last due time in ``(since, now]``, or None when nothing fell due (missed runs coalesce)."""
    due = schedule.next_after(since)
    if due > now:
        return None
    while (following := schedule.next_after(due)) <= now:
        due = following
    return due


@dataclass(frozen=True)
class PollPolicy:
    """Bounds of the polling interval."""

    interval: timedelta
    min_interval: timedelta
    max_interval: timedelta


_JITTER = random.Random()
ADAPT_LIMIT = 4.0  # a feed's publishing rate moves its interval at most 4x either way


def next_poll(
    now: datetime, policy: PollPolicy, *, failures: int = 0, retry_after: float | None = None,
    ttl_minutes: int | None = None, max_age: float | None = None, observed_gap: timedelta | None = None,
    rng: random.Random | None = None,
) -> datetime:
    """When to poll a feed next.

    Success: the configured interval, adapted to how often the feed really publishes
    (``observed_gap``, at most 4x faster or slower), never sooner than the feed's RSS
    ``ttl`` or the response's freshness (``max_age``), clamped to [min, max].
    Failure: exponential back-off from ``min_interval`` (doubling per consecutive failure,
    capped at max) with +-20% jitter, kept within [min, max], so failed feeds never retry in
    lockstep, and never sooner than a server's ``Retry-After``.
    """
    rng = rng or random.Random()
    if failures > 0:
        return now + _backoff(policy, failures, retry_after, rng)
    wait = adapted_interval(policy.interval, observed_gap)
    floors = [_duration(ttl_minutes * 60 if ttl_minutes else 0, policy.max_interval),
              _duration(max_age or 0, policy.max_interval)]
    return now + _clamp(max(wait, *floors), policy)


PAGE_RETRY_FIRST = timedelta(minutes=5)  # the wait after an article page's first failure, doubling after each
PAGE_RETRY_LONGEST = timedelta(hours=1)


def page_retry(now: datetime, attempts: int, retry_after: float | None = None) -> datetime:
    """When to fetch a deferred article page again after ``attempts`` failed fetches: 5 minutes,
    doubling with each failure, never sooner than a server's ``Retry-After`` (seconds), and never
    later than an hour, however long it asks for. (Its feed's next poll fetches it from then on.)"""
    wait = PAGE_RETRY_FIRST * (1 << min(max(attempts, 1) - 1, 16))
    if retry_after is not None:
        wait = max(wait, _duration(retry_after, PAGE_RETRY_LONGEST))
    return now + min(wait, PAGE_RETRY_LONGEST)


def adapted_interval(interval: timedelta, observed_gap: timedelta | None) -> timedelta:
    """Busy feeds (short gaps between entries) are polled faster, quiet ones slower."""
    if observed_gap is None or observed_gap <= timedelta(0):
        return interval
    factor = min(ADAPT_LIMIT, max(1 / ADAPT_LIMIT, observed_gap / interval))
    return interval * factor


def observed_gap(published: list[datetime], now: datetime, window: timedelta = timedelta(days=14)) -> timedelta | None:
    """The feed's mean time between entries over the recent ``window`` (None with fewer than 3 dated entries).

    The time since the newest entry counts as one more gap when it is longer, so a feed
    that has gone quiet slows down.
    """
    recent = sorted((p for p in published if now - window <= p <= now), reverse=True)
    if len(recent) < 3:
        return None
    mean = (recent[0] - recent[-1]) / (len(recent) - 1)
    return max(mean, now - recent[0]) if now - recent[0] > mean else mean


def _backoff(policy: PollPolicy, failures: int, retry_after: float | None, rng: random.Random) -> timedelta:
    base = policy.min_interval * (1 << min(failures - 1, 16))
    wait = _clamp(min(base, policy.max_interval) * rng.uniform(0.8, 1.2), policy)  # jitter within the bounds
    longest = longest_wait(policy.max_interval)
    if retry_after is not None:
        wait = max(wait, _duration(retry_after, longest))
    return min(wait, longest)


def longest_wait(max_interval: timedelta) -> timedelta:
    """The longest a feed waits for its next poll: a failing feed's back-off, or a server's
    ``Retry-After``, may hold it for up to four times ``max_interval``."""
    return max_interval * 4


def _duration(seconds: float, longest: timedelta) -> timedelta:
    """``seconds`` from a server (a header, a feed) as a duration no longer than ``longest``: the
    value is bounded before it becomes a timedelta, which a huge number would overflow."""
    return timedelta(seconds=min(max(0.0, seconds), longest.total_seconds()))


def _clamp(wait: timedelta, policy: PollPolicy) -> timedelta:
    return max(policy.min_interval, min(policy.max_interval, wait))
