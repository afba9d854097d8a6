"""Operator alerts: one the admin channel refused reaches the operator once the channel accepts again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from monitor.clock import FrozenClock
from monitor.config import load_config
from monitor.context import Context, build_context
from monitor.daemon import ALERT_RETRY, Daemon
from monitor.demo.server import LocalSite
from monitor.startup import start
from monitor.store import feeds as feed_store
from monitor.types import FeedState
from tests.conftest import SmtpSink, write_config


def test_a_refused_alert_about_a_disabled_feed_is_sent_later(tmp_path: Path, site: LocalSite, smtp: SmtpSink) -> None:
    """A disabled feed fails no more, so no later failure can carry the alert again."""
    site.put("/gone.xml", "gone", "text/plain", status=410)
    path = write_config(
        tmp_path / "w.yaml", feeds=[{"url": f"{site.base}/gone.xml"}], admin_channel="ops",
        channels=[{"name": "ops", "url": smtp.url("ops@example.com"), "format": "text"}],
        polling={"allow_hosts": ["127.0.0.1"], "host_delay": "0s", "disable_after": 1},
    )
    clock = FrozenClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    ctx = build_context(load_config(path), clock=clock)
    try:
        start(ctx)
        daemon = Daemon(ctx, digests=False)
        smtp.refuse = True
        daemon.step()
        [feed] = _feeds(ctx)
        assert not feed.enabled and not feed.alerted and smtp.messages == []
        smtp.refuse = False
        clock.advance(ALERT_RETRY)
        daemon.step()
        [feed] = _feeds(ctx)
        assert feed.alerted and len(smtp.messages) == 1
        assert b"permanent failures in a row" in smtp.messages[0].content
        clock.advance(ALERT_RETRY)
        daemon.step()
        assert len(smtp.messages) == 1  # told once
    finally:
        ctx.close()


def _feeds(ctx: Context) -> list[FeedState]:
    with ctx.db.session() as session:
        return feed_store.all_feeds(session)
