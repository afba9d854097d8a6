"""Fair concurrent dispatch: per-key limits, interleaving, no starvation, early stop."""

from __future__ import annotations

import threading

from monitor.dispatch import fair_order, run_fair


def test_fair_order_interleaves_keys() -> None:
    items = ["a1", "a2", "a3", "b1", "c1", "c2"]
    assert fair_order(items, key=lambda s: s[0]) == ["a1", "b1", "c1", "a2", "c2", "a3"]


def test_per_key_limit_and_global_concurrency_hold() -> None:
    lock = threading.Lock()
    running: dict[str, int] = {}
    peaks: dict[str, int] = {}
    total_peak = [0]
    release = threading.Event()
    started = threading.Semaphore(0)

    def work(item: str) -> str:
        key = item[0]
        with lock:
            running[key] = running.get(key, 0) + 1
            peaks[key] = max(peaks.get(key, 0), running[key])
            total_peak[0] = max(total_peak[0], sum(running.values()))
        started.release()
        release.wait(5)
        with lock:
            running[key] -= 1
        return item

    items = [f"a{i}" for i in range(20)] + [f"b{i}" for i in range(3)] + [f"c{i}" for i in range(3)]
    result: list[str] = []
    worker = threading.Thread(target=lambda: result.extend(run_fair(
        items, key=lambda s: s[0], work=work, concurrency=4, per_key=2)))
    worker.start()
    for _ in range(4):  # the first four to start must include the small hosts, not only host "a"
        assert started.acquire(timeout=5)
    with lock:
        first_wave = dict(running)
    release.set()
    worker.join(10)
    assert sorted(result) == sorted(items)
    assert peaks["a"] <= 2 and total_peak[0] <= 4
    assert first_wave.get("b") and first_wave.get("c")


def test_failing_unit_is_skipped_and_stop_ends_early() -> None:
    def work(item: int) -> int:
        if item == 3:
            raise RuntimeError("boom")
        return item

    assert sorted(run_fair(list(range(6)), key=str, work=work, concurrency=2, per_key=1)) == [0, 1, 2, 4, 5]
    assert run_fair(list(range(6)), key=str, work=work, concurrency=2, per_key=1, should_stop=lambda: True) == []
