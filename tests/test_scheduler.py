"""Pure scheduling maths."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor.errors import SettingError
from monitor.scheduler import PollPolicy, latest_due, next_poll, observed_gap, page_retry, parse_schedule

POLICY = PollPolicy(timedelta(minutes=30), timedelta(minutes=10), timedelta(hours=6))
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_cron_in_time_zone() -> None:
    schedule = parse_schedule("0 8 * * *", "Asia/Karachi")
    assert schedule.next_after(NOW) == datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def test_cron_across_dst_change() -> None:
    schedule = parse_schedule("0 8 * * *", "Europe/London")
    before = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # London moves to BST on 29 March 2026
    first = schedule.next_after(before)
    second = schedule.next_after(first)
    assert first == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 08:00 BST
    assert second == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_interval_schedule() -> None:
    assert parse_schedule("every 6h", "UTC").next_after(NOW) == NOW + timedelta(hours=6)


@pytest.mark.parametrize("text", ["daily", "0 8 * *", "61 * * * *", "every 10s"])
def test_bad_schedules(text: str) -> None:
    with pytest.raises(SettingError):
        parse_schedule(text, "UTC")


def test_latest_due_coalesces_missed_runs() -> None:
    schedule = parse_schedule("0 * * * *", "UTC")
    since = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    assert latest_due(schedule, since, NOW) == NOW  # 09:00, 10:00, 11:00, 12:00 -> one run at 12:00
    assert latest_due(schedule, NOW, NOW + timedelta(minutes=59)) is None


def test_next_poll_success_clamps_and_honours_ttl() -> None:
    assert next_poll(NOW, POLICY) == NOW + timedelta(minutes=30)
    assert next_poll(NOW, POLICY, ttl_minutes=90) == NOW + timedelta(minutes=90)
    assert next_poll(NOW, POLICY, ttl_minutes=60 * 24) == NOW + timedelta(hours=6)


def test_back_off_grows_with_jitter_and_respects_retry_after() -> None:
    rng = random.Random(7)
    waits = [next_poll(NOW, POLICY, failures=n, rng=rng) - NOW for n in (1, 2, 3, 4)]
    assert all(b > a for a, b in itertools.pairwise(waits))
    assert timedelta(minutes=8) <= waits[0] <= timedelta(minutes=12)
    spread = {next_poll(NOW, POLICY, failures=3, rng=random.Random(seed)) for seed in range(20)}
    assert len(spread) > 15  # failed feeds do not retry in lockstep
    assert next_poll(NOW, POLICY, failures=1, retry_after=3600) - NOW >= timedelta(hours=1)


def test_jittered_back_off_stays_within_min_and_max_interval() -> None:
    first = {next_poll(NOW, POLICY, failures=1, rng=random.Random(seed)) - NOW for seed in range(50)}
    late = {next_poll(NOW, POLICY, failures=20, rng=random.Random(seed)) - NOW for seed in range(50)}
    assert min(first) >= POLICY.min_interval and max(late) <= POLICY.max_interval
    assert len(first) > 10  # still jittered above the floor


def test_busy_feeds_are_polled_faster_and_quiet_ones_slower() -> None:
    busy = [NOW - timedelta(minutes=5 * i) for i in range(10)]  # one entry every 5 minutes
    quiet = [NOW - timedelta(days=i) for i in range(1, 6)]  # one a day
    assert observed_gap(busy, NOW) == timedelta(minutes=5)
    assert next_poll(NOW, POLICY, observed_gap=observed_gap(busy, NOW)) == NOW + timedelta(minutes=10)  # 30m/4, min
    assert next_poll(NOW, POLICY, observed_gap=observed_gap(quiet, NOW)) == NOW + timedelta(hours=2)  # 30m*4
    assert observed_gap(busy[:2], NOW) is None  # too few dated entries to judge


def test_gone_quiet_feed_slows_down() -> None:
    was_busy = [NOW - timedelta(days=3, minutes=10 * i) for i in range(5)]
    assert observed_gap(was_busy, NOW) == NOW - was_busy[0]


def test_freshness_is_a_floor() -> None:
    assert next_poll(NOW, POLICY, max_age=3600) == NOW + timedelta(hours=1)
    assert next_poll(NOW, POLICY, max_age=60) == NOW + timedelta(minutes=30)
    assert next_poll(NOW, POLICY, max_age=10 ** 9) == NOW + timedelta(hours=6)


def test_immediate_and_quiet_hours() -> None:
    from monitor.scheduler import in_quiet_hours

    assert parse_schedule("immediate", "UTC").immediate
    night = datetime(2026, 11, 24, 18, 30, tzinfo=UTC)  # 23:30 in Karachi
    assert in_quiet_hours("22:00-07:00", night, "Asia/Karachi")
    assert not in_quiet_hours("22:00-07:00", night - timedelta(hours=6), "Asia/Karachi")
    assert in_quiet_hours("01:00-05:00", datetime(2026, 11, 24, 2, tzinfo=UTC), "UTC")
    assert not in_quiet_hours(None, night, "UTC")
    with pytest.raises(SettingError, match="not a time of day"):
        in_quiet_hours("25:00-07:00", night, "UTC")


def test_a_huge_freshness_or_retry_after_is_bounded() -> None:
    for huge in (1e14, float("inf")):
        assert next_poll(NOW, POLICY, max_age=huge) == NOW + timedelta(hours=6)
        assert next_poll(NOW, POLICY, failures=1, retry_after=huge) == NOW + timedelta(hours=24)


def test_a_deferred_page_waits_5_minutes_doubling_up_to_an_hour() -> None:
    waits = [page_retry(NOW, attempts) - NOW for attempts in range(1, 8)]
    assert [int(w.total_seconds() // 60) for w in waits] == [5, 10, 20, 40, 60, 60, 60]
    assert page_retry(NOW, 10_000) == NOW + timedelta(hours=1)  # no overflow however many attempts


def test_a_deferred_page_honours_a_longer_retry_after_within_the_hour() -> None:
    assert page_retry(NOW, 1, retry_after=120) == NOW + timedelta(minutes=5)  # shorter than the back-off: ignored
    assert page_retry(NOW, 1, retry_after=1800) == NOW + timedelta(minutes=30)
    for huge in (7200, 1e14, float("inf")):
        assert page_retry(NOW, 2, retry_after=huge) == NOW + timedelta(hours=1)


@pytest.mark.parametrize("text", ["30 1 * * *", "0 * * * *", "*/30 * * * *", "30 2 * * *"])
@pytest.mark.parametrize("start", [datetime(2026, 10, 31, 12, tzinfo=UTC), datetime(2026, 3, 7, 12, tzinfo=UTC)])
def test_cron_moves_forward_across_both_dst_changes(text: str, start: datetime) -> None:
    """New York repeats 01:00-02:00 on 1 November 2026 and skips 02:00-03:00 on 8 March 2026."""
    schedule = parse_schedule(text, "America/New_York")
    moments = [start]
    for _ in range(150):  # three days of half-hours: bounded, a schedule stuck on one moment must not hang
        moments.append(schedule.next_after(moments[-1]))
    assert all(b > a for a, b in itertools.pairwise(moments))
    walls = [m.astimezone(ZoneInfo("America/New_York")).replace(tzinfo=None) for m in moments[1:]]
    assert len(set(walls)) == len(walls)  # a wall time the clock shows twice fires once


def test_a_daily_cron_fires_once_on_each_dst_change_day() -> None:
    fall = parse_schedule("30 1 * * *", "America/New_York")
    first = fall.next_after(datetime(2026, 10, 31, 12, tzinfo=UTC))
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, the first of the two 01:30s
    assert fall.next_after(first) == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)  # 01:30 EST the next day
    assert latest_due(fall, first, datetime(2026, 11, 1, 8, tzinfo=UTC)) is None  # no second run at 01:30 EST
    spring = parse_schedule("30 2 * * *", "America/New_York")
    skipped = spring.next_after(datetime(2026, 3, 7, 12, tzinfo=UTC))
    assert skipped == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 02:30 does not exist that day: 03:30 EDT
    assert spring.next_after(skipped) == datetime(2026, 3, 9, 6, 30, tzinfo=UTC)
