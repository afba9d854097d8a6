"""``/healthz`` and ``/metrics`` over HTTP while the daemon runs (``health_listen`` in the config).

``/healthz`` answers 200 when the scheduler is alive (a step ended within three ticks, or one has
been running for less than 15 minutes) and the database answers, else 503, with a JSON body:
``{"ok", "scheduler_alive", "last_tick_age_s", "busy_for_s", "database", "last_poll_age_s"}``.
``/metrics`` is the Prometheus text format (prometheus-client).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from http.server import ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from monitor import admin, metrics
from monitor.context import Context
from monitor.httpserve import Response, serve

log = logging.getLogger(__name__)


LONGEST_STEP = timedelta(minutes=15)  # a step running longer than this (and three ticks) reads as stuck


def health(ctx: Context, last_tick: datetime | None, tick: timedelta,
           busy_since: datetime | None = None) -> dict[str, object]:
    """The health report: scheduler liveness (a step ended within three ticks, or one is running
    for less than :data:`LONGEST_STEP`), database reachability, age of the last good poll."""
    now = ctx.clock.now()
    database, last_poll_age = admin.database_state(ctx)
    ended_lately = last_tick is not None and now - last_tick <= tick * 3
    busy = busy_since is not None and now - busy_since <= max(LONGEST_STEP, tick * 3)
    alive = ended_lately or busy
    return {
        "scheduler_alive": alive,
        "last_tick_age_s": round((now - last_tick).total_seconds(), 1) if last_tick else None,
        "busy_for_s": round((now - busy_since).total_seconds(), 1) if busy_since else None,
        "database": database,
        "last_poll_age_s": round(last_poll_age, 1) if last_poll_age is not None else None,
        "ok": alive and database == "ok",
    }


def refresh_gauges(ctx: Context) -> None:
    due, pending = admin.backlog(ctx)
    metrics.DUE_FEEDS.set(due)
    metrics.PENDING_DELIVERIES.set(pending)


def start_health_server(
    ctx: Context, host: str, port: int, last_tick: Callable[[], datetime | None], tick: timedelta, *,
    busy_since: Callable[[], datetime | None] = lambda: None,
) -> ThreadingHTTPServer:
    """Serve ``/healthz`` and ``/metrics`` on host:port in a background thread."""

    def healthz(_: str) -> Response:
        report = health(ctx, last_tick(), tick, busy_since())
        return 200 if report["ok"] else 503, json.dumps(report).encode(), "application/json"

    def metrics_text(_: str) -> Response:
        refresh_gauges(ctx)
        return 200, generate_latest(metrics.REGISTRY), CONTENT_TYPE_LATEST

    server = serve(host, port, {"/healthz": healthz, "/metrics": metrics_text}, "health")
    log.info("serving health and metrics", extra={"url": f"http://{host}:{server.server_address[1]}/healthz"})
    return server
