"""/healthz and /metrics on a real local port, after a real poll."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from monitor.config import load_config
from monitor.context import build_context
from monitor.daemon import Daemon
from monitor.demo.server import LocalSite
from monitor.health import start_health_server
from monitor.startup import start
from tests.conftest import write_config
from tests.test_e2e import serve_fixture


def test_health_and_metrics(tmp_path: Path, site: LocalSite) -> None:
    serve_fixture(site)
    path = write_config(tmp_path / "w.yaml", feeds=[{"url": f"{site.base}/feed.xml"}], health_listen="127.0.0.1:0")
    ctx = build_context(load_config(path))
    start(ctx)
    daemon = Daemon(ctx, tick=timedelta(seconds=30))
    server = start_health_server(ctx, "127.0.0.1", 0, lambda: daemon.last_tick, daemon.tick)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        before = httpx.get(f"{base}/healthz")
        assert before.status_code == 503 and before.json()["scheduler_alive"] is False
        daemon._tick()  # one real cycle: polls the local feed
        after = httpx.get(f"{base}/healthz").json()
        assert after["ok"] is True and after["database"] == "ok" and after["last_poll_age_s"] is not None
        text = httpx.get(f"{base}/metrics").text
        assert 'monitor_polls_total{result="200"}' in text
        assert 'monitor_items_total{verdict="new"}' in text and 'monitor_items_total{verdict="irrelevant"}' in text
        assert "monitor_poll_cycle_seconds_count" in text and "monitor_pending_deliveries" in text
        assert httpx.get(f"{base}/nope").status_code == 404
    finally:
        server.shutdown()
        server.server_close()
        ctx.close()


def test_a_long_step_is_alive_until_it_runs_too_long(tmp_path: Path) -> None:
    from monitor.health import LONGEST_STEP, health

    ctx = build_context(load_config(write_config(tmp_path / "w.yaml")))
    try:
        start(ctx)
        now, tick = ctx.clock.now(), timedelta(seconds=30)
        busy = health(ctx, now - timedelta(minutes=5), tick, busy_since=now - timedelta(minutes=4))
        assert busy["ok"] is True and busy["scheduler_alive"] is True
        assert busy["busy_for_s"] == pytest.approx(240, abs=5)
        stuck = health(ctx, now - timedelta(hours=1), tick, busy_since=now - LONGEST_STEP - timedelta(minutes=1))
        assert stuck["ok"] is False and stuck["scheduler_alive"] is False
    finally:
        ctx.close()
