"""Claims carry their owner; a process starting on a host takes back the claims of that host's dead processes."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

from monitor.store import feeds
from monitor.store.claims import claimant, release_dead
from monitor.types import FeedSpec
from tests.store.test_store import NOW, database


def test_dead_processes_claims_are_taken_back_and_live_ones_kept(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec(f"https://h{i}.example/feed", str(i), None, None) for i in range(4)], NOW)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    host = socket.gethostname()
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as alive:
        try:
            owners = [f"{host}:{dead.stdout.strip()}", f"{host}:{alive.pid}", "elsewhere.example:1", claimant()]
            with db.session() as s:
                for owner in owners:
                    assert len(feeds.claim_due(s, NOW, timedelta(minutes=10), limit=1, owner=owner)) == 1
            with db.session() as s:
                assert feeds.held_elsewhere(s, NOW) == 3  # not counting this process's own claim
                assert release_dead(s, NOW + timedelta(seconds=1)) == 1
                assert feeds.held_elsewhere(s, NOW + timedelta(seconds=1)) == 2
                claims = {f.claimed_by for f in feeds.all_feeds(s) if f.claimed_until is not None}
                assert claims == set(owners[1:])
            with db.session() as s:
                free = feeds.claim_due(s, NOW + timedelta(seconds=2), timedelta(minutes=10))
            assert len(free) == 1  # only the dead process's feed; the others stay with their owners
        finally:
            alive.kill()
            db.dispose()
