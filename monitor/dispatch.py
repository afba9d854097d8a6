"""Fair concurrent work: a thread pool that interleaves keys (hosts) round-robin.

At most ``concurrency`` units run at once, at most ``per_key`` of them for one key, and
free slots go to keys in turn, so one host with many feeds cannot starve the others.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")


def fair_order(items: Sequence[T], key: Callable[[T], str]) -> list[T]:
    """``items`` interleaved by key: a, b, c, a, b, a … (each key keeps its own order)."""
    queues: dict[str, deque[T]] = {}
    for item in items:
        queues.setdefault(key(item), deque()).append(item)
    ordered: list[T] = []
    while queues:
        for name in list(queues):
            ordered.append(queues[name].popleft())
            if not queues[name]:
                del queues[name]
    return ordered


def run_fair(
    items: Sequence[T], *, key: Callable[[T], str], work: Callable[[T], R], concurrency: int, per_key: int,
    on_done: Callable[[R], None] | None = None, should_stop: Callable[[], bool] | None = None,
) -> list[R]:
    """Run ``work`` over ``items`` fairly; a unit that raises is logged and skipped.

    When ``should_stop`` turns true, no new unit starts; the running ones finish.
    """
    return _FairPool(key, work, concurrency, per_key, on_done).run(items, should_stop or (lambda: False))


class _FairPool(Generic[T, R]):
    def __init__(self, key: Callable[[T], str], work: Callable[[T], R], concurrency: int, per_key: int,
                 on_done: Callable[[R], None] | None) -> None:
        self.key, self.work, self.on_done = key, work, on_done
        self.concurrency, self.per_key = concurrency, per_key
        self.running: dict[Future[R], str] = {}
        self.per: dict[str, int] = {}
        self.results: list[R] = []

    def run(self, items: Sequence[T], should_stop: Callable[[], bool]) -> list[R]:
        pending = deque(fair_order(items, self.key))
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="poll") as pool:
            while pending or self.running:
                if should_stop():
                    pending.clear()
                else:
                    self._fill(pool, pending)
                if not self.running:
                    break
                done, _ = wait(self.running, return_when=FIRST_COMPLETED)
                for future in done:
                    self._collect(future)
        return self.results

    def _fill(self, pool: ThreadPoolExecutor, pending: deque[T]) -> None:
        """Start the next items whose key has a free slot, in fair order, until the pool is full."""
        skipped: list[T] = []
        while pending and len(self.running) < self.concurrency:
            item = pending.popleft()
            name = self.key(item)
            if self.per.get(name, 0) >= self.per_key:
                skipped.append(item)
                continue
            self.per[name] = self.per.get(name, 0) + 1
            self.running[pool.submit(self.work, item)] = name
        pending.extendleft(reversed(skipped))

    def _collect(self, future: Future[R]) -> None:
        name = self.running.pop(future)
        self.per[name] -= 1
        try:
            result = future.result()
        except Exception:
            log.exception("unit of work failed", extra={"key": name})
            return
        self.results.append(result)
        if self.on_done is not None:
            self.on_done(result)
