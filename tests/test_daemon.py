"""The daemon: digests fall due on schedule in burst mode; a real process stops cleanly on SIGTERM."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor import daemon as daemon_module
from monitor.clock import FrozenClock
from monitor.config import load_config
from monitor.context import build_context
from monitor.daemon import run_once
from monitor.demo.server import LocalSite
from monitor.startup import start
from tests.conftest import ROOT, write_config
from tests.test_e2e import serve_fixture


def test_digest_falls_due_on_schedule_and_is_written_once(tmp_path: Path, db_url: str, site: LocalSite) -> None:
    serve_fixture(site)
    path = write_config(tmp_path / "w.yaml", database_url=db_url, feeds=[{"url": f"{site.base}/feed.xml"}],
                        digests=[{"name": "hourly", "schedule": "0 * * * *"}])
    clock = FrozenClock(datetime(2026, 11, 24, 9, 30, tzinfo=UTC))
    ctx = build_context(load_config(path), clock=clock)
    try:
        start(ctx)
        first = run_once(ctx)
        assert [f.new_items for f in first.feeds] == [3]
        assert first.digests == ()  # the schedule starts counting now; nothing is due yet
        clock.advance(timedelta(minutes=31))  # 10:01: the 10:00 digest is due
        second = run_once(ctx)
        assert second.digests == ("hourly",)
        assert second.deliveries == (("(file)", True),)
        written = sorted((tmp_path / "data" / "digests").glob("hourly-*.txt"))
        assert [p.name for p in written] == ["hourly-20261124T100000Z-1.txt"]
        assert "Senate committee in Islamabad" in written[0].read_text()
        clock.advance(timedelta(hours=1))  # 11:01: due again, but nothing new and send_empty is off
        third = run_once(ctx)
        assert third.digests == ()
        assert len(list((tmp_path / "data" / "digests").glob("hourly-*.txt"))) == 1
    finally:
        ctx.close()


def test_sigterm_stops_the_daemon_cleanly(tmp_path: Path, site: LocalSite) -> None:
    serve_fixture(site)
    path = write_config(tmp_path / "w.yaml", feeds=[{"url": f"{site.base}/feed.xml"}],
                        digests=[{"name": "daily", "schedule": "0 8 * * *"}])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen([sys.executable, "-m", "monitor.cli", "-c", str(path), "run", "--tick", "1"],
                          stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path) as proc:
        try:
            lines = _read_until(proc, "feed polled", timeout=60)
            assert any("daemon started" in line for line in lines)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 0
            assert proc.stderr is not None
            assert "daemon stopped" in proc.stderr.read()
        finally:
            if proc.poll() is None:
                proc.kill()


def test_a_stop_signal_delivered_twice_is_one_request(tmp_path: Path, site: LocalSite) -> None:
    """A supervisor signalling the process group while a parent (make) forwards the signal too."""
    serve_fixture(site)
    path = write_config(tmp_path / "w.yaml", feeds=[{"url": f"{site.base}/feed.xml"}])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen([sys.executable, "-m", "monitor.cli", "-c", str(path), "run", "--tick", "1"],
                          stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path) as proc:
        try:
            _read_until(proc, "feed polled", timeout=60)
            proc.send_signal(signal.SIGTERM)
            proc.send_signal(signal.SIGTERM)  # the same request again at once, as make forwards it
            _read_until(proc, "finishing the current unit of work", timeout=15)
            assert proc.wait(timeout=15) == 0
            assert proc.stderr is not None
            rest = proc.stderr.read()
            assert "daemon stopped" in rest and "exiting now" not in rest and "Traceback" not in rest
        finally:
            if proc.poll() is None:
                proc.kill()


@contextlib.contextmanager
def silent_feed(tmp_path: Path) -> Iterator[tuple[Path, threading.Event]]:
    """A config whose one feed accepts the connection and never answers (a 300 s timeout), and an event
    set once it is asked for; the connection is held until the test ends."""
    listener = socket.create_server(("127.0.0.1", 0))
    asked = threading.Event()
    held: list[socket.socket] = []

    def hold() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            held.append(conn)
            asked.set()

    threading.Thread(target=hold, daemon=True).start()
    path = write_config(tmp_path / "w.yaml", feeds=[{"url": f"http://127.0.0.1:{listener.getsockname()[1]}/feed"}],
                        polling={"allow_hosts": ["127.0.0.1"], "timeout": "300s", "host_delay": "0s"})
    try:
        yield path, asked
    finally:
        for conn in held:
            conn.close()
        listener.close()


@pytest.mark.parametrize("command", [["run", "--tick", "1"], ["poll"]], ids=["run", "poll"])
def test_work_still_running_after_the_stop_timeout_ends_with_the_process(tmp_path: Path, command: list[str]) -> None:
    """A feed that accepts the connection and never answers holds the step; the stop does not wait for it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with silent_feed(tmp_path) as (path, asked), subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", "-c", str(path), *command, "--stop-timeout", "1"],
            stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path) as proc:
        try:
            assert asked.wait(timeout=60), "the feed was never asked for"
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0  # the request would hold it for 300 s
            assert proc.stderr is not None
            assert "did not finish in time; exiting anyway" in proc.stderr.read()
        finally:
            if proc.poll() is None:
                proc.kill()


def test_a_second_stop_signal_exits_at_once_while_work_still_runs(tmp_path: Path) -> None:
    """The feed never answers and the stop timeout is long: only the second request ends the process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log_path = tmp_path / "run.log"
    with silent_feed(tmp_path) as (path, asked), log_path.open("w") as log, subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", "-c", str(path), "run", "--tick", "1", "--stop-timeout", "300"],
            stderr=log, env=env, cwd=tmp_path) as proc:
        try:
            assert asked.wait(timeout=60), "the feed was never asked for"
            proc.send_signal(signal.SIGTERM)
            _wait_for_line(log_path, "finishing the current unit of work", timeout=15)
            time.sleep(daemon_module.REPEATED_SIGNAL + 0.5)  # after the first was handled: a second request
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 1  # the request and the stop timeout would hold it for 300 s
            assert "second signal: exiting now" in log_path.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()


def _wait_for_line(path: Path, needle: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while needle not in path.read_text():
        assert time.monotonic() < deadline, f"{needle!r} not seen; got:\n{path.read_text()}"
        time.sleep(0.05)


def _read_until(proc: subprocess.Popen[str], needle: str, timeout: float) -> list[str]:
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], deadline - time.monotonic())
        if not ready:
            break
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"{needle!r} not seen; got:\n{''.join(lines)}")


def test_a_repeated_signal_is_one_request_and_a_later_one_exits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule itself, with the clock the handler reads set by the test (no timing luck)."""
    ctx = build_context(load_config(write_config(tmp_path / "w.yaml")))
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    moment = [100.0]
    monkeypatch.setattr(daemon_module.time, "monotonic", lambda: moment[0])

    def exit_now(code: int) -> None:
        raise SystemExit(code)

    monkeypatch.setattr(daemon_module.os, "_exit", exit_now)
    try:
        daemon = daemon_module.Daemon(ctx)
        daemon.handle_signals()
        handler = signal.getsignal(signal.SIGTERM)
        assert callable(handler)
        handler(signal.SIGTERM, None)
        assert daemon.stopping.is_set()
        moment[0] += daemon_module.REPEATED_SIGNAL / 2
        handler(signal.SIGTERM, None)  # the same request, delivered twice: no exit
        moment[0] += daemon_module.REPEATED_SIGNAL * 2
        with pytest.raises(SystemExit) as info:
            handler(signal.SIGTERM, None)  # a second request, later: exit now
        assert info.value.code == 1
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
        ctx.close()


class _Monotonic:
    """A monotonic clock that moves only when told: by a step's work, or by a wait."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


class _Waits(threading.Event):
    """The daemon's stop flag, whose wait passes the time it waits on ``clock`` at once."""

    def __init__(self, clock: _Monotonic) -> None:
        super().__init__()
        self.clock = clock

    def wait(self, timeout: float | None = None) -> bool:
        if not self.is_set():
            assert timeout is not None, "the loop waits for its next tick, never for ever"
            self.clock.now += timeout
        return self.is_set()


class _Steps:
    """Stands in for a daemon's step: records when each began (on ``clock``), takes ``took`` seconds
    (the first ``stall`` seconds), and asks for a stop during the ``stop_after``-th."""

    def __init__(self, daemon: daemon_module.Daemon, clock: _Monotonic | None = None, *, took: float = 1.0,
                 stall: float = 1.0, stop_after: int = 4) -> None:
        self.daemon, self.clock = daemon, clock
        self.took, self.stall, self.stop_after = took, stall, stop_after
        self.started: list[float] = []

    def __call__(self, progress: object = None) -> daemon_module.CycleReport:
        if self.clock is not None:
            self.started.append(self.clock.now)
            self.clock.now += self.stall if len(self.started) == 1 else self.took
        else:
            self.started.append(time.monotonic())
        if len(self.started) == self.stop_after:
            handler = signal.getsignal(signal.SIGTERM)
            assert callable(handler)
            handler(signal.SIGTERM, None)  # as the signal would, delivered during a step
        return daemon_module.CycleReport((), (), ())


def _cadence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **steps: float) -> list[float]:
    """When each step of a 30-second tick began, on a monotonic clock that only the steps and the
    loop's waits move (the loop runs in this thread)."""
    clock = _Monotonic()
    monkeypatch.setattr(daemon_module, "time", clock)
    with _daemon(tmp_path, timedelta(seconds=30)) as daemon:
        daemon.stopping = _Waits(clock)
        timed = _Steps(daemon, clock, **steps)
        monkeypatch.setattr(daemon, "step", timed)
        daemon._loop()
    return [at - 1000.0 for at in timed.started]


@contextlib.contextmanager
def _daemon(tmp_path: Path, tick: timedelta) -> Iterator[daemon_module.Daemon]:
    """A daemon with its signal handlers installed (in the main thread, as the command does)."""
    ctx = build_context(load_config(write_config(tmp_path / "w.yaml")))
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    try:
        daemon = daemon_module.Daemon(ctx, tick=tick)
        daemon.handle_signals()
        yield daemon
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
        ctx.close()


def _run(daemon: daemon_module.Daemon) -> list[bool]:
    finished: list[bool] = []
    runner = threading.Thread(target=lambda: finished.append(daemon.run()), daemon=True)
    runner.start()
    runner.join(timeout=60)
    daemon.stopping.set()  # a stuck loop must not outlive the test
    runner.join(timeout=10)
    return finished


def test_a_stop_during_a_step_ends_the_loop_after_that_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with _daemon(tmp_path, timedelta(seconds=0.01)) as daemon:
        steps = _Steps(daemon)
        monkeypatch.setattr(daemon, "step", steps)
        assert _run(daemon) == [True]
    assert len(steps.started) == 4  # none after the stop


def test_the_loop_steps_at_once_then_every_tick_of_monotonic_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _cadence(tmp_path, monkeypatch) == [0.0, 30.0, 60.0, 90.0]  # steps of 1 s on a 30 s tick


def test_a_step_that_overran_its_ticks_is_followed_by_one_step_not_a_burst(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the first step takes 95 s (it owes three ticks): the next follows at once, the one after a tick later
    assert _cadence(tmp_path, monkeypatch, stall=95.0) == [0.0, 95.0, 125.0, 155.0]


def test_a_stop_asked_for_before_the_loop_starts_ends_it_at_once(tmp_path: Path) -> None:
    with _daemon(tmp_path, timedelta(hours=1)) as daemon:
        handler = signal.getsignal(signal.SIGTERM)
        assert callable(handler)
        handler(signal.SIGTERM, None)
        assert _run(daemon) == [True]
        assert daemon.last_tick is None  # no step ran


def test_a_loop_that_dies_stops_the_daemon_with_a_failure(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def dies() -> None:
        raise SystemExit(3)  # no step raises this; the loop must not leave run() waiting for ever

    with _daemon(tmp_path, timedelta(hours=1)) as daemon:
        monkeypatch.setattr(daemon, "_tick", dies)
        assert _run(daemon) == [False]
    assert "daemon loop ended unexpectedly" in caplog.text


def test_a_clock_corrected_back_holds_no_poll_back_in_a_running_daemon_or_after_a_restart(
        tmp_path: Path, db_url: str, site: LocalSite) -> None:
    serve_fixture(site)
    path = write_config(tmp_path / "w.yaml", database_url=db_url, feeds=[{"url": f"{site.base}/feed.xml"}],
                        polling={"allow_hosts": ["127.0.0.1"], "host_delay": "0s", "interval": "15m",
                                 "min_interval": "15m", "max_interval": "1h"})
    ahead = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)  # the clock ran half a year ahead
    clock = FrozenClock(ahead)
    ctx = build_context(load_config(path), clock=clock)
    try:
        start(ctx)
        daemon = daemon_module.Daemon(ctx)
        assert len(daemon.step().feeds) == 1
        clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # corrected while the daemon runs
        assert daemon.step().feeds == ()  # the next poll is still a whole interval after the last ...
        clock.advance(timedelta(minutes=15, seconds=1))
        assert len(daemon.step().feeds) == 1  # ... and no later (it was half a year away)
        clock.set(ahead + timedelta(hours=1))
        assert len(daemon.step().feeds) == 1
    finally:
        ctx.close()
    clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))  # corrected while the daemon was down
    ctx = build_context(load_config(path), clock=clock)
    try:
        start(ctx)
        assert len(run_once(ctx).feeds) == 1
    finally:
        ctx.close()
