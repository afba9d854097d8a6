"""Polling benchmark: 1,000 feeds on 20 local hosts, the real pipeline, one run.

A server process (separate, so its CPU is not counted) serves feed ``i`` on host
127.0.0.<1 + i % 20>. One feed in ten is busy (a new entry every 30 minutes, ``--busy-minutes``); the
others publish every 24 hours (``--quiet-hours``). Every feed carries its 50 latest entries and answers
a matching If-None-Match with 304, after ``--latency-ms`` (default 0). Simulated time is shared with
the server, so a whole day runs in well under a minute of real time.

It reports, all measured in this run:
* one steady-state cycle over 1,000 feeds (about 90% unchanged): wall time, requests;
* CPU per unchanged feed (a cycle in which all 1,000 answer 304) and per changed feed;
* a simulated day for 100 feeds of the same mix: requests and bytes of the adaptive,
  conditional poller against a naive poller (plain GET every 30 minutes), as ratios;
* peak memory (max RSS) of the polling process.

Usage: .venv/bin/python benchmarks/poll_cycle.py [--feeds 1000] [--day-feeds 100] [--busy-minutes 30]
       [--quiet-hours 24] [--latency-ms 0] [--port 18431]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.clock import FrozenClock  # noqa: E402
from monitor.config import load_config  # noqa: E402
from monitor.context import Context, build_context  # noqa: E402
from monitor.pipeline import poll_due  # noqa: E402
from monitor.startup import make_all_due, start  # noqa: E402

HOSTS = 20
T0 = datetime(2026, 11, 24, tzinfo=UTC)
ENTRIES = 50
MODEL = {"busy": 30 * 60, "quiet": 24 * 3600, "latency_ms": 0, "relevant_every": 0}  # set from the command line


def period(feed: int) -> int:
    return MODEL["busy"] if feed % 10 == 0 else MODEL["quiet"]


def feed_body(feed: int, now: float) -> tuple[bytes, str]:
    """The feed document at simulated second ``now`` and its ETag."""
    step = period(feed)
    newest = int(now // step) + ENTRIES
    items = []
    for k in range(newest, newest - ENTRIES, -1):
        when = T0 + timedelta(seconds=(k - ENTRIES) * step)
        about = (f"Imran Khan's lawyers at hearing {k} of case {feed} in Islamabad"
                 if MODEL["relevant_every"] and feed % MODEL["relevant_every"] == 0 else
                 f"Harbour freight report {k} from desk {feed}")
        items.append(
            f"<item><title>{about}</title>"
            f"<link>https://desk{feed % HOSTS}.example/{feed}/{k}</link><guid isPermaLink=\"false\">{feed}-{k}</guid>"
            f"<pubDate>{format_datetime(when)}</pubDate><description>Container volumes, berth waiting times "
            f"and freight rates for the week, with notes from shipping agents on desk {feed}.</description></item>"
        )
    body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Desk {feed}</title>'
            f"<link>https://desk{feed % HOSTS}.example/</link>{''.join(items)}</channel></rss>")
    return body.encode(), f'"{feed}-{newest}"'


def serve(port: int, now: Any, stats: Any, ready: Any, model: dict[str, int]) -> None:
    MODEL.update(model)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            time.sleep(MODEL["latency_ms"] / 1000)  # a network round trip: remote servers are not instant
            feed = int(self.path.rsplit("/", 1)[-1].split(".")[0])
            body, etag = feed_body(feed, now.value)
            with stats.get_lock():
                stats[0] += 1
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                with stats.get_lock():
                    stats[1] += 1
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)
            with stats.get_lock():
                stats[2] += len(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    servers = []
    for host in range(HOSTS):
        server = ThreadingHTTPServer((f"127.0.0.{host + 1}", port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    ready.set()
    threading.Event().wait()


def wait_until_serving(server: mp.Process, ready: Any, port: int, timeout: float = 10.0) -> None:
    """Return once the started local server process sets ``ready``; SystemExit naming the port when it
    cannot start (the port taken on one of its hosts, say). soak.py waits for its server with it too."""
    deadline = time.monotonic() + timeout
    while not ready.wait(0.1):
        alive = server.is_alive()
        if not alive or time.monotonic() > deadline:
            why = f"not ready after {timeout:g} s" if alive else f"it exited with code {server.exitcode}"
            server.terminate()
            server.join()
            raise SystemExit(f"error: the local feed server could not start on port {port} of 127.0.0.1 to "
                             f"127.0.0.{HOSTS} ({why}); is the port taken? (--port chooses another)")


def url(port: int, feed: int) -> str:
    return f"http://127.0.0.{feed % HOSTS + 1}:{port}/feed/{feed}.xml"


def make_context(workdir: Path, port: int, feeds: int, clock: FrozenClock) -> Context:
    shipped = yaml.safe_load((ROOT / "config" / "watchlist.yaml").read_text())
    config = {
        "data_dir": str(workdir), "seeds_dir": str(ROOT / "seeds"), "google_news": {"enabled": False},
        "topics": shipped["topics"], "feeds": [{"url": url(port, i)} for i in range(feeds)],
        "polling": {"allow_hosts": [f"127.0.0.{h + 1}" for h in range(HOSTS)], "fetch_articles": "never",
                    "interval": "30m", "min_interval": "5m", "max_interval": "6h", "host_delay": "0s",
                    "per_host": 2, "concurrency": 8},
    }
    path = workdir / "bench.yaml"
    path.write_text(yaml.safe_dump(config))
    ctx = build_context(load_config(path), clock=clock)
    start(ctx)
    return ctx


class Counter:
    def __init__(self, stats: Any) -> None:
        self.stats = stats

    def snapshot(self) -> tuple[int, int, int]:
        with self.stats.get_lock():
            return int(self.stats[0]), int(self.stats[1]), int(self.stats[2])


def timed_cycle(ctx: Context, all_due: bool = False) -> tuple[float, float, int]:
    if all_due:
        make_all_due(ctx)
    wall, cpu = time.perf_counter(), time.process_time()
    outcomes = poll_due(ctx)
    return time.perf_counter() - wall, time.process_time() - cpu, len(outcomes)


def cycles(port: int, now: Any, counter: Counter, feeds: int) -> dict[str, float]:
    clock = FrozenClock(T0)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = make_context(Path(tmp), port, feeds, clock)
        try:
            cold_wall, cold_cpu, _ = timed_cycle(ctx)
            now.value = 1800.0
            clock.set(T0 + timedelta(seconds=1800))
            before = counter.snapshot()
            wall, cpu, polled = timed_cycle(ctx, all_due=True)
            after = counter.snapshot()
            changed = polled - (after[1] - before[1])
            unchanged_wall, unchanged_cpu, n304 = timed_cycle(ctx, all_due=True)
        finally:
            ctx.close()
    per_unchanged = unchanged_cpu / n304
    return {
        "cold_wall": cold_wall, "cold_cpu": cold_cpu, "steady_wall": wall, "steady_cpu": cpu, "polled": polled,
        "changed": changed, "all304_wall": unchanged_wall, "cpu_ms_unchanged": per_unchanged * 1000,
        "cpu_ms_changed": (cpu - (polled - changed) * per_unchanged) / max(changed, 1) * 1000,
    }


def simulated_day(port: int, now: Any, counter: Counter, feeds: int, tick: int = 300) -> dict[str, float]:
    clock = FrozenClock(T0)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = make_context(Path(tmp), port, feeds, clock)
        try:
            start_counts = counter.snapshot()
            for second in range(0, 24 * 3600, tick):
                now.value = float(second)
                clock.set(T0 + timedelta(seconds=second))
                poll_due(ctx)
            adaptive = counter.snapshot()
        finally:
            ctx.close()
    with httpx.Client() as client:
        for second in range(0, 24 * 3600, 1800):
            now.value = float(second)
            for feed in range(feeds):
                client.get(url(port, feed))
    naive = counter.snapshot()
    a_req, a_bytes = adaptive[0] - start_counts[0], adaptive[2] - start_counts[2]
    n_req, n_bytes = naive[0] - adaptive[0], naive[2] - adaptive[2]
    return {"adaptive_requests": a_req, "adaptive_bytes": a_bytes, "naive_requests": n_req, "naive_bytes": n_bytes,
            "adaptive_304": adaptive[1] - start_counts[1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--day-feeds", type=int, default=100)
    parser.add_argument("--port", type=int, default=18431)
    parser.add_argument("--busy-minutes", type=float, default=30, help="entry interval of the busy 10%% of feeds")
    parser.add_argument("--quiet-hours", type=float, default=24, help="entry interval of the other 90%%")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay before each answer (a round trip)")
    args = parser.parse_args()
    MODEL.update(busy=int(args.busy_minutes * 60), quiet=int(args.quiet_hours * 3600), latency_ms=args.latency_ms)
    now = mp.Value("d", 0.0)
    stats = mp.Array("q", 3)
    ready = mp.Event()
    server = mp.Process(target=serve, args=(args.port, now, stats, ready, dict(MODEL)), daemon=True)
    server.start()
    wait_until_serving(server, ready, args.port)
    counter = Counter(stats)
    try:
        c = cycles(args.port, now, counter, args.feeds)
        now.value = 0.0
        d = simulated_day(args.port, now, counter, args.day_feeds)
    finally:
        server.terminate()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"feeds: {args.feeds} on {HOSTS} hosts (1 in 10 busy: a new entry every {args.busy_minutes:g} min; "
          f"the others every {args.quiet_hours:g} h); {args.latency_ms} ms server latency")
    print(f"cold cycle (every feed new, {ENTRIES} entries each): wall {c['cold_wall']:.1f} s, "
          f"CPU {c['cold_cpu']:.1f} s")
    print(f"steady cycle: {c['polled']:.0f} feeds polled, {c['changed']:.0f} changed, wall {c['steady_wall']:.2f} s, "
          f"CPU {c['steady_cpu']:.2f} s ({c['steady_wall'] / 1800 * 100:.2f}% of a 30 min interval)")
    print(f"all-304 cycle: wall {c['all304_wall']:.2f} s")
    print(f"CPU per unchanged feed (304): {c['cpu_ms_unchanged']:.2f} ms")
    print(f"CPU per changed feed ({ENTRIES} entries, 1 new): {c['cpu_ms_changed']:.1f} ms "
          f"({c['cpu_ms_changed'] / c['cpu_ms_unchanged']:.0f}x an unchanged one)")
    print(f"simulated day, {args.day_feeds} feeds, 5-minute ticks:")
    print(f"  adaptive conditional poller: {d['adaptive_requests']:.0f} requests ({d['adaptive_304']:.0f} were 304), "
          f"{d['adaptive_bytes'] / 1e6:.1f} MB of bodies")
    print(f"  naive poller (GET every 30 min): {d['naive_requests']:.0f} requests, {d['naive_bytes'] / 1e6:.1f} MB")
    print(f"  ratio naive/adaptive: requests {d['naive_requests'] / d['adaptive_requests']:.1f}x, "
          f"bytes {d['naive_bytes'] / max(d['adaptive_bytes'], 1):.1f}x")
    print(f"peak memory (max RSS of the polling process): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
