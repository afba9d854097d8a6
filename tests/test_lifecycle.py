"""A real `monitor run` process killed (SIGKILL) at random points of its polls and digests, restarted,
and finally stopped with SIGTERM: nothing is lost, and no digest is sent twice (apart from the one
documented window, which a repeat with the same identity would reveal)."""

from __future__ import annotations

import email
import email.policy
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, select, text

from monitor.demo.server import LocalSite
from monitor.store.schema import DigestRow
from monitor.store.session import Database
from tests.conftest import ROOT, SmtpSink, write_config
from tests.test_replicas import FEEDS, serve, stored, wait_for


def test_kill_anywhere_then_restart(tmp_path: Path, db_url: str, site: LocalSite, smtp: SmtpSink) -> None:
    serve(site, entries=2)
    config = write_config(
        tmp_path / "w.yaml", database_url=db_url, feeds=[{"url": f"{site.base}/feed{n}.xml"} for n in range(FEEDS)],
        polling={"allow_hosts": ["127.0.0.1"], "timeout": "5s", "host_delay": "0s",
                 "interval": "2s", "min_interval": "2s", "max_interval": "2s"},
        channels=[{"name": "email", "url": smtp.url(), "format": "text"}],
        digests=[{"name": "alerts", "schedule": "immediate", "channels": ["email"]}],
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "monitor.cli", "-c", str(config), "run", "--tick", "1"]
    rng = random.Random(20261124)
    engine = create_engine(db_url)
    log = (tmp_path / "run.log").open("w", buffering=1)
    proc: subprocess.Popen[bytes] | None = None
    try:
        for round_ in range(4):
            if round_ == 2:
                serve(site, entries=3)  # new entries arrive while the process keeps dying
            proc = subprocess.Popen(command, stdout=log, stderr=log, env=env, cwd=tmp_path)
            time.sleep(rng.uniform(1.0, 4.0))  # a random point of a poll or a digest (real process)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        proc = subprocess.Popen(command, stdout=log, stderr=log, env=env, cwd=tmp_path)
        started = (tmp_path / "run.log").stat().st_size
        wait_for(lambda: "daemon started" in (tmp_path / "run.log").read_text()[started:])
        wait_for(lambda: stored(engine) >= FEEDS * 3 and pending(engine) == 0 and not undigested(engine))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc is not None and proc.poll() is None:  # a failed wait must not leave the daemon running
            proc.kill()
            proc.wait(timeout=10)
        log.close()
        engine.dispose()
    with engine.connect() as conn:
        keys = [r[0] for r in conn.execute(text("SELECT entry_key FROM items"))]
    engine.dispose()
    db = Database(db_url)
    with db.session() as session:
        digests = {f"{d.name}.{d.due_at:%Y%m%dT%H%M%SZ}.{d.id}" for d in session.scalars(select(DigestRow))}
    db.dispose()
    assert Counter(keys) == Counter(f"feed{n}-entry{k}" for n in range(FEEDS) for k in range(3))
    identities = Counter(email.message_from_bytes(e.content, policy=email.policy.default)["X-Monitor-Digest"]
                         for e in smtp.messages)
    assert set(identities) == digests  # every digest arrived
    repeats = {identity: n for identity, n in identities.items() if n > 1}
    assert sum(repeats.values()) - len(repeats) <= 1, repeats  # at most the documented window, once


def pending(engine: object) -> int:
    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM deliveries WHERE status = 'pending'")).scalar() or 0)


def undigested(engine: object) -> bool:
    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    query = ("SELECT count(*) FROM items WHERE verdict IN ('new', 'update') "
             "AND id NOT IN (SELECT item_id FROM digest_items)")
    with engine.connect() as conn:
        return bool(conn.execute(text(query)).scalar())
