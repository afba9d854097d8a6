"""/healthz and /metrics on a real local port, after a real poll."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx

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
