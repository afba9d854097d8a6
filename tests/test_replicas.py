"""Scale-out: three real `monitor run` processes on one PostgreSQL database, a local feed server and a
local SMTP server. One replica is killed mid-cycle. Every feed is polled once per due time, every
digest reaches the mailbox once, and no entry is lost."""

from __future__ import annotations

import email
import email.policy
import itertools
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import ProgrammingError

from monitor.demo.server import LocalSite
from tests.conftest import DATA, PG_URL, ROOT, SmtpSink, write_config

FEEDS = 8
pytestmark = pytest.mark.skipif(not PG_URL, reason="MONITOR_TEST_DATABASE_URL is not set")


def feed(site: LocalSite, n: int, entries: int) -> str:
    items = "".join(
        f"<item><title>Senate panel {n}-{k} hears Imran Khan's lawyers on jail visits</title>"
        f"<link>{site.base}/articles/{n}-{k}.html</link><guid isPermaLink=\"false\">feed{n}-entry{k}</guid>"
        f"<description>PTI founder Imran Khan's lawyers, hearing {n}-{k} in Islamabad.</description></item>"
        for k in range(entries))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>F{n}</title>{items}</channel></rss>'


def serve(site: LocalSite, entries: int) -> None:
    page = (DATA / "e2e" / "senate-committee-prison-visits.html").read_text()
    for n in range(FEEDS):
        site.put(f"/feed{n}.xml", feed(site, n, entries), "application/rss+xml")
        for k in range(entries):
            body = page.replace("Farhat Baig", f"Chair Number{n}x{k}").replace("four written", f"{n * 10 + k} written")
            site.put(f"/articles/{n}-{k}.html", body, "text/html")


def stored(engine: Engine) -> int:
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM items")).scalar() or 0)
    except ProgrammingError:
        return 0  # the first replica has not created the schema yet


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    """Poll ``condition`` (real processes are at work) until it holds, or fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the replicas did not get there in time"
        time.sleep(0.2)


def start_replicas(config: Path, folder: Path, count: int = 3) -> tuple[list[subprocess.Popen[bytes]], list[IO[str]]]:
    """``count`` real `monitor run` processes on ``config``, each logging to ``folder/replicaN.log``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    logs = [(folder / f"replica{i}.log").open("w") for i in range(count)]
    replicas = [subprocess.Popen([sys.executable, "-m", "monitor.cli", "-c", str(config), "run", "--tick", "1"],
                                 stderr=log, stdout=log, env=env, cwd=folder) for log in logs]
    return replicas, logs


def stop_replicas(replicas: list[subprocess.Popen[bytes]], logs: list[IO[str]]) -> list[int]:
    """SIGTERM every replica still running; returns their exit codes."""
    for proc in replicas:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    codes = [proc.wait(timeout=60) for proc in replicas]
    for log in logs:
        log.close()
    return codes


def test_three_replicas_one_killed(tmp_path: Path, db_url: str, site: LocalSite, smtp: SmtpSink) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("replicas coordinate through PostgreSQL")
    serve(site, entries=2)
    config = write_config(
        tmp_path / "w.yaml", database_url=db_url, feeds=[{"url": f"{site.base}/feed{n}.xml"} for n in range(FEEDS)],
        polling={"allow_hosts": ["127.0.0.1"], "timeout": "5s", "host_delay": "0s", "per_host": 4,
                 "interval": "3s", "min_interval": "3s", "max_interval": "3s"},
        channels=[{"name": "email", "url": smtp.url(), "format": "text"}],
        digests=[{"name": "alerts", "schedule": "immediate", "channels": ["email"]}],
    )
    replicas, logs = start_replicas(config, tmp_path)
    engine = create_engine(db_url)
    try:
        wait_for(lambda: stored(engine) >= FEEDS * 2 and len(smtp.messages) >= 1)
        replicas[0].send_signal(signal.SIGKILL)  # mid-run: its claims must be released or expire
        serve(site, entries=3)  # one new entry per feed after the kill
        wait_for(lambda: stored(engine) >= FEEDS * 3)
        wait_for(lambda: len({p for p, _ in site.request_times[-4 * FEEDS:]}) > 1, seconds=10)  # more cycles
        time.sleep(4)  # one more poll interval with two replicas running (real processes: nothing to await)
    finally:
        codes = stop_replicas(replicas, logs)
        with engine.connect() as conn:
            keys = [row[0] for row in conn.execute(text("SELECT entry_key FROM items"))]
            deliveries = conn.execute(text("SELECT status, count(*) FROM deliveries GROUP BY status")).all()
        engine.dispose()  # before any assertion: a failure must not leak connections into later tests
    assert codes[1:] == [0, 0], [p.read_text()[-2000:] for p in sorted(tmp_path.glob("replica*.log"))]
    expected = {f"feed{n}-entry{k}" for n in range(FEEDS) for k in range(3)}
    assert Counter(keys) == Counter(expected)  # every entry stored, none twice, none lost
    assert dict(deliveries).get("pending", 0) == 0

    identities = []
    for envelope in smtp.messages:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        identities.append(message["X-Monitor-Digest"])
    assert identities and len(identities) == len(set(identities))  # each digest delivered once

    # every feed polled once per due time: no two fetches of one feed closer than a poll interval allows
    by_feed: dict[str, list[float]] = {}
    for path, moment in site.request_times:
        if path.startswith("/feed"):
            by_feed.setdefault(path, []).append(moment)
    for path, moments in by_feed.items():
        gaps = [b - a for a, b in itertools.pairwise(moments)]
        assert all(gap > 1.5 for gap in gaps), (path, gaps)
