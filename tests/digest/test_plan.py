"""What `monitor status` and the start-up log say about each digest's next run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.clock import FrozenClock
from monitor.config import load_config
from monitor.context import build_context
from monitor.digest.plan import digest_plans
from monitor.digest.run import due_digests
from tests.conftest import write_config

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 14:00 in Karachi


def test_a_run_that_falls_in_quiet_hours_is_shown_when_it_goes_out(tmp_path: Path) -> None:
    path = write_config(tmp_path / "w.yaml", digests=[
        {"name": "night", "schedule": "0 23 * * *", "timezone": "Asia/Karachi", "quiet_hours": "22:00-07:00"},
        {"name": "alerts", "schedule": "immediate", "timezone": "Asia/Karachi", "quiet_hours": "22:00-07:00"},
        {"name": "morning", "schedule": "0 8 * * *", "timezone": "Asia/Karachi", "quiet_hours": "22:00-07:00"}])
    clock = FrozenClock(NOW)
    ctx = build_context(load_config(path), clock=clock)
    try:
        ctx.db.upgrade()
        due_digests(ctx)  # the first sight starts each digest's clock
        night, alerts, morning = digest_plans(ctx)
        assert night.when() == "2026-11-25 07:00 PKT (Asia/Karachi), when quiet hours 22:00-07:00 end"
        assert alerts.when() == "as items arrive, outside quiet hours 22:00-07:00"
        assert morning.when() == "2026-11-25 08:00 PKT (Asia/Karachi)"
        assert night.next_due is not None
        clock.set(night.next_due - timedelta(minutes=1))
        assert "night" not in [name for name, _ in due_digests(ctx)]  # 23:00 came and went in the quiet hours
        clock.set(night.next_due)
        assert ("night", datetime(2026, 11, 24, 18, 0, tzinfo=UTC)) in due_digests(ctx)  # the 23:00 run, now
    finally:
        ctx.close()
