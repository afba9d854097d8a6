"""Soak benchmark: the daemon's step loop against 200 local feeds for a simulated day.

The feed server of ``poll_cycle.py`` runs in its own process on 20 local hosts. One feed in ten
is busy (a new entry every 30 min); the others publish every 8 hours. One feed in five is about
the watchlist, so its entries go through matching and the novelty judge. The daemon takes a step
every simulated 5 minutes on a FrozenClock; the server follows the same simulated time.

It reports, from this one run: items processed, CPU seconds, process memory (RSS) every 2
simulated hours (it must stay flat), the documents the novelty judge holds, and the SQLite database
size at the end. Resident memory is split into anonymous memory (the heaps) and pages of mapped
files (model weights read on demand, shared libraries), and the mappings that grew most after the
story window filled are named. Runs longer than the story window (14 days in the shipped watchlist) show the
steady state: the judge forgets reports older than the window, so memory stops growing once it is full.

Usage: .venv/bin/python benchmarks/soak.py [--feeds 200] [--hours 24] [--relevant-every 5]
       .venv/bin/python benchmarks/soak.py --feeds 40 --hours 504   (three weeks: past the story window)
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import poll_cycle as pc  # noqa: E402
from novelty import rss_mb  # noqa: E402

from monitor.clock import FrozenClock  # noqa: E402
from monitor.context import Context  # noqa: E402
from monitor.daemon import Daemon  # noqa: E402
from monitor.store import items as item_store  # noqa: E402

STEP = timedelta(minutes=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--port", type=int, default=18432)
    parser.add_argument("--relevant-every", type=int, default=5,
                        help="one feed in this many is about the watchlist; 0: none, so nothing is judged")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # one line per poll would bury the figures
    model = {**pc.MODEL, "busy": 30 * 60, "quiet": 8 * 3600, "relevant_every": args.relevant_every}
    now = mp.Value("d", 0.0)
    stats = mp.Array("q", 3)
    ready = mp.Event()
    server = mp.Process(target=pc.serve, args=(args.port, now, stats, ready, model), daemon=True)
    server.start()
    pc.wait_until_serving(server, ready, args.port)
    clock = FrozenClock(pc.T0)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = pc.make_context(Path(tmp), args.port, args.feeds, clock)
        window_hours = int(ctx.config.novelty.story_window.total_seconds() // 3600)
        since = window_hours if args.hours > window_hours + 24 else args.hours // 4
        samples = Samples(since)
        daemon = Daemon(ctx, tick=STEP)
        cpu = time.process_time()
        try:
            for step in range(int(timedelta(hours=args.hours) / STEP)):
                now.value = step * STEP.total_seconds()
                clock.set(pc.T0 + step * STEP)
                daemon.step()
                if step % 24 == 0:
                    samples.take(step * 5 // 60, _judged_docs(ctx))
            samples.maps_at_end = _rss_by_mapping()
            with ctx.db.session() as session:
                verdicts = item_store.count_by_verdict(session)
        finally:
            ctx.close()
            server.terminate()
        cpu = time.process_time() - cpu
        size_mb = (Path(tmp) / "monitor.db").stat().st_size / 1024**2
    print(f"soak: {args.feeds} feeds, {args.hours} simulated hours, a step every 5 minutes")
    print(f"items stored: {sum(verdicts.values())} ({', '.join(f'{k} {v}' for k, v in sorted(verdicts.items()))})")
    print(f"CPU: {cpu:.1f} s for {args.hours} simulated hours")
    samples.report(args.hours, window_hours)
    print(f"database size: {size_mb:.1f} MB")


class Samples:
    """Memory taken every 2 simulated hours, and each mapping's share when the steady part begins."""

    def __init__(self, since: int) -> None:
        self.since = since
        self.rss: list[tuple[int, float, int]] = []
        self.kinds: list[tuple[int, dict[str, float]]] = []
        self.maps_at_since: dict[str, float] = {}
        self.maps_at_end: dict[str, float] = {}

    def take(self, hour: int, docs: int) -> None:
        self.rss.append((hour, rss_mb(), docs))
        self.kinds.append((hour, _rss_kinds()))
        if hour >= self.since and not self.maps_at_since:
            self.maps_at_since = _rss_by_mapping()

    def report(self, hours: int, window_hours: int) -> None:
        stride = 1 if hours <= 48 else 12  # every 2 hours, or once a day on long runs
        print("memory (RSS) and documents the judge holds, by simulated hour: " + ", ".join(
            f"{h}h {mb:.0f} MB/{docs}" for h, mb, docs in self.rss[::stride]))
        later = [mb for h, mb, _ in self.rss if h >= self.since]
        if self.since == window_hours:
            print(f"memory growth once the {window_hours // 24}-day story window is full: "
                  f"{later[-1] - later[0]:+.1f} MB (min {min(later):.0f}, max {max(later):.0f} MB)")
        else:
            print(f"memory growth over the last three quarters of the run: {later[-1] - later[0]:+.1f} MB")
        kinds = [k for h, k in self.kinds if h >= self.since]
        print(f"resident memory by kind from hour {self.since} to the end: " + ", ".join(
            f"{kind} {kinds[0][kind]:.0f} -> {kinds[-1][kind]:.0f} MB" for kind in kinds[0]))
        grown = sorted(((self.maps_at_end.get(name, 0.0) - mb, name) for name, mb in self.maps_at_since.items()),
                       reverse=True)[:5]
        print(f"mappings that grew most from hour {self.since} to the end: " + ", ".join(
            f"{name} {mb:+.1f} MB" for mb, name in grown))


def _rss_kinds() -> dict[str, float]:
    """Resident memory by kind, in MB, from /proc/self/status: anonymous, file-backed, shared."""
    kinds = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(("RssAnon:", "RssFile:", "RssShmem:")):
                name, kb, _ = line.split()
                kinds[name[3:-1].lower()] = int(kb) / 1024
    return kinds


def _rss_by_mapping() -> dict[str, float]:
    """Resident MB of each mapped file (by file name) and of the anonymous mappings together."""
    sizes: dict[str, float] = {}
    name = "[anonymous]"
    with open("/proc/self/smaps", encoding="utf-8", errors="replace") as smaps:
        for line in smaps:
            head = line.split()
            if not head:
                continue
            if not head[0].endswith(":"):  # a mapping's header: address perms offset dev inode [path]
                name = Path(head[5]).name if len(head) > 5 else "[anonymous]"
            elif head[0] == "Rss:":
                sizes[name] = sizes.get(name, 0.0) + int(head[1]) / 1024
    return sizes


def _judged_docs(ctx: Context) -> int:
    """How many documents the novelty judge holds (0 before the first relevant entry)."""
    judge = ctx.judge.peek()
    return judge.known_documents if judge is not None else 0


if __name__ == "__main__":
    main()
