"""Peers benchmark: monitor's ``poll --once --all`` against newsboat's ``-x reload``, whole processes.

A server process (separate, so its CPU is not counted) serves feeds of 20 entries each, with ETag
and Last-Modified, on 20 local hosts. For 100 and then 400 feeds, each reader runs twice: a first
pass (every entry new, none relevant) and a second pass (every feed answers 304). CPU (user + system)
and peak RSS come from ``/usr/bin/time``; the marginal cost per feed is the difference between 400
and 100 feeds divided by 300, so start-up is left out; each figure is the median of ``--repeat``
runs, as whole-process CPU time varies by a third between runs. newsboat runs when it is installed (Debian:
``apt install newsboat``); otherwise its rows are skipped with a line saying so.

Usage: .venv/bin/python benchmarks/peers.py [--small 100] [--large 400] [--repeat 3]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
HOSTS = 20
ENTRIES = 20
LAST_MODIFIED = formatdate(1_764_000_000, usegmt=True)


def feed_body(feed: int) -> bytes:
    items = "".join(
        f"<item><title>Harbour freight report {k} from desk {feed}</title>"
        f"<link>https://desk{feed % HOSTS}.example/{feed}/{k}</link><guid isPermaLink=\"false\">{feed}-{k}</guid>"
        f"<pubDate>{formatdate(1_764_000_000 - k * 3600, usegmt=True)}</pubDate><description>Container volumes "
        f"and berth waiting times for the week, desk {feed}.</description></item>" for k in range(ENTRIES))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Desk {feed}</title>'
            f"<link>https://desk{feed % HOSTS}.example/</link>{items}</channel></rss>").encode()


def serve(port: int, ready: Any) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            feed = int(self.path.rsplit("/", 1)[-1].split(".")[0])
            etag = f'"{feed}"'
            if self.headers.get("If-None-Match") == etag or self.headers.get("If-Modified-Since") == LAST_MODIFIED:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = feed_body(feed)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", LAST_MODIFIED)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    for host in range(HOSTS):
        server = ThreadingHTTPServer((f"127.0.0.{host + 1}", port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.set()
    threading.Event().wait()


def urls(port: int, count: int) -> list[str]:
    return [f"http://127.0.0.{feed % HOSTS + 1}:{port}/feed/{feed}.xml" for feed in range(count)]


def timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """CPU seconds (user + system) and peak RSS in MB of one whole process."""
    report = cwd / "time.txt"
    subprocess.run(["/usr/bin/time", "-o", str(report), "-f", "%U %S %M", *command], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    user, system, rss = report.read_text().split()[-3:]
    return float(user) + float(system), int(rss) // 1024


def monitor_passes(port: int, count: int, work: Path) -> list[tuple[float, int]]:
    config = {
        "database_url": f"sqlite:///{work / 'monitor.db'}", "data_dir": str(work / "data"),
        "seeds_dir": str(ROOT / "seeds"), "google_news": {"enabled": False},
        "polling": {"allow_hosts": [f"127.0.0.{h + 1}" for h in range(HOSTS)], "host_delay": "0s",
                    "timeout": "30s", "concurrency": 8, "per_host": 2},
        "topics": yaml.safe_load((ROOT / "config" / "watchlist.yaml").read_text(encoding="utf-8"))["topics"],
        "feeds": [{"url": url} for url in urls(port, count)],
    }
    (work / "w.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    monitor = str(Path(sys.executable).parent / "monitor")
    subprocess.run([monitor, "-c", "w.yaml", "db", "upgrade"], cwd=work, check=True, stdout=subprocess.DEVNULL)
    return [timed([monitor, "-c", "w.yaml", "poll", "--once", "--all"], work) for _ in range(2)]


def newsboat_passes(port: int, count: int, work: Path) -> list[tuple[float, int]]:
    (work / "urls").write_text("\n".join(urls(port, count)) + "\n", encoding="utf-8")
    (work / "config").write_text("reload-threads 8\n", encoding="utf-8")
    command = ["newsboat", "-u", "urls", "-c", "cache.db", "-C", "config", "-x", "reload"]
    return [timed(command, work) for _ in range(2)]


def measure(name: str, run: Any, port: int, small: int, large: int, *, repeat: int) -> dict[str, float]:
    """The marginal figures, each the median over ``repeat`` runs (whole-process CPU time is noisy)."""
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            (cpu_s1, _), (cpu_s2, _) = run(port, small, Path(a))
            (cpu_l1, rss_l1), (cpu_l2, rss_l2) = run(port, large, Path(b))
        runs.append((cpu_s1, cpu_s2, cpu_l1, cpu_l2, rss_l1, rss_l2))
    cpu_s1, cpu_s2, cpu_l1, cpu_l2, rss_l1, rss_l2 = (statistics.median(column) for column in zip(*runs, strict=True))
    span = large - small
    new = sorted((l1 - s1) / span * 1000 for s1, _, l1, *_ in runs)
    figures = {"unchanged_ms": (cpu_l2 - cpu_s2) / span * 1000, "new_ms": statistics.median(new),
               "rss_first": rss_l1, "rss_second": rss_l2}
    print(f"{name}: first pass {small}/{large} feeds {cpu_s1:.2f}/{cpu_l1:.2f} s CPU, "
          f"second pass {cpu_s2:.2f}/{cpu_l2:.2f} s CPU (medians of {repeat} runs; new entries per feed "
          f"{', '.join(f'{v:.1f}' for v in new)} ms)")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; medians are shown")
    args = parser.parse_args()
    port = 18000 + (abs(hash(ROOT)) % 1000)
    ready = mp.Event()
    server = mp.Process(target=serve, args=(port, ready), daemon=True)
    server.start()
    if not ready.wait(10):
        server.terminate()
        raise SystemExit(f"error: the local feed server could not start on port {port} of 127.0.0.1 to "
                         f"127.0.0.{HOSTS} (is the port taken?)")
    try:
        rows = {"monitor": measure("monitor", monitor_passes, port, args.small, args.large, repeat=args.repeat)}
        if shutil.which("newsboat"):
            rows["newsboat"] = measure("newsboat", newsboat_passes, port, args.small, args.large, repeat=args.repeat)
        else:
            print("newsboat is not installed (Debian: apt install newsboat): its rows are skipped")
    finally:
        server.terminate()
    print(f"\nper feed, marginal between {args.small} and {args.large} feeds of {ENTRIES} entries:")
    print(f"{'':38}" + "".join(f"{name:>12}" for name in rows) + ("   monitor/newsboat" if len(rows) == 2 else ""))
    for key, label, unit in (("unchanged_ms", "unchanged (304), CPU", "ms"),
                             ("new_ms", f"new, {ENTRIES} irrelevant entries, CPU", "ms"),
                             ("rss_first", f"peak RSS, {args.large} feeds, first pass", "MB"),
                             ("rss_second", f"peak RSS, {args.large} feeds, second pass", "MB")):
        values = [rows[name][key] for name in rows]
        ratio = f"   {values[0] / values[1]:.2f}x" if len(values) == 2 and values[1] else ""
        print(f"{label:38}" + "".join(f"{v:>10.2f}{unit}" for v in values) + ratio)


if __name__ == "__main__":
    main()
