"""Claims carry their owner; a process starting on a host takes back the claims of that host's dead processes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from monitor.store import feeds
from monitor.store.claims import LEASE, Renewal, claimant, release_dead, renew
from monitor.types import FeedSpec
from tests.store.test_store import NOW, database


def test_dead_processes_claims_are_taken_back_and_live_ones_kept(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec(f"https://h{i}.example/feed", str(i), None, None) for i in range(4)], NOW)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    here = claimant().rsplit(":", 2)[0]
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as alive:
        try:
            owners = [f"{here}:{dead.stdout.strip()}:0", f"{here}:{alive.pid}:0", "elsewhere.example:1:1:0",
                      claimant()]
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


def test_a_killed_process_not_yet_collected_by_its_parent_is_dead(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec("https://h.example/feed", "h", None, None)], NOW)
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as child:
        try:
            with db.session() as s:
                feeds.claim_due(s, NOW, timedelta(minutes=10), owner=f"{claimant().rsplit(':', 2)[0]}:{child.pid}:0")
            with db.session() as s:
                assert release_dead(s, NOW) == 0  # alive
            child.kill()
            deadline = time.monotonic() + 30
            while Path(f"/proc/{child.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
                assert time.monotonic() < deadline
                time.sleep(0.05)
            with db.session() as s:
                assert release_dead(s, NOW) == 1  # a zombie: killed, its exit status not yet read
        finally:
            child.kill()
            db.dispose()


def test_an_earlier_start_with_this_pid_is_dead_and_another_namespace_is_not_judged(db_url: str) -> None:
    """A restarted container's process is pid 1 again; a peer sharing the host name may have its own pids."""
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec(f"https://h{i}.example/feed", str(i), None, None) for i in range(3)], NOW)
    host, namespace, pid, _ = claimant().split(":")
    earlier_start = f"{host}:{namespace}:{pid}:00000000"
    other_namespace = f"{host}:1:{pid}:00000000"
    with db.session() as s:
        for owner in (earlier_start, other_namespace, claimant()):
            feeds.claim_due(s, NOW, timedelta(minutes=10), limit=1, owner=owner)
    with db.session() as s:
        assert renew(s, NOW) == 1  # only this start's own claim
        assert release_dead(s, NOW) == 1
        claims = {f.claimed_by for f in feeds.all_feeds(s) if f.claimed_until is not None}
    assert claims == {other_namespace, claimant()}
    db.dispose()


def test_renewal_extends_this_process_claims_only(db_url: str) -> None:
    db = database(db_url)
    with db.session() as s:
        feeds.sync_feeds(s, [FeedSpec(f"https://h{i}.example/feed", str(i), None, None) for i in range(2)], NOW)
        feeds.claim_due(s, NOW, LEASE, limit=1)
        feeds.claim_due(s, NOW, LEASE, limit=1, owner="elsewhere.example:1")
    later = NOW + LEASE / 2
    with db.session() as s:
        assert renew(s, later) == 1
    with db.session() as s:
        until = {f.claimed_by: f.claimed_until for f in feeds.all_feeds(s)}
    assert until == {claimant(): later + LEASE, "elsewhere.example:1": NOW + LEASE}
    with db.session() as s:
        assert renew(s, NOW + LEASE * 2) == 0  # an expired claim is not revived: another process may hold it now
    db.dispose()


def test_renewal_thread_renews_until_the_block_ends() -> None:
    calls = threading.Semaphore(0)

    def renew_now() -> int:
        calls.release()
        return 1

    with Renewal(renew_now, timedelta(seconds=0.03)) as renewal:
        assert calls.acquire(timeout=30) and calls.acquire(timeout=30)  # renewed again and again
    assert not renewal._thread.is_alive()  # the block's end stops (and joins) the thread
