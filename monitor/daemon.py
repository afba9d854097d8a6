"""The daemon: a loop runs one small step on a tick of monotonic time; the database holds all state.

Each step does a bounded unit of work and says whether it did any. A signal sets the
shutdown flag: the current unit finishes, no new one starts, and the process exits 0.
``run_once`` is the burst mode used by ``monitor poll --once`` and the tests.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType

from monitor import alerts, metrics, pipeline, startup
from monitor.context import Context, Progress
from monitor.digest import run as digests
from monitor.types import FeedOutcome

log = logging.getLogger(__name__)
TICK = timedelta(seconds=30)
ALERT_RETRY = timedelta(hours=1)  # how often alerts the admin channel refused are sent again
CLOCK_STEP = timedelta(minutes=1)  # the wall clock moving back this much against monotonic time is a correction
REPEATED_SIGNAL = 2.0  # seconds after a stop signal within which another is the same request


@dataclass(frozen=True)
class CycleReport:
    """What one pass of the daemon did."""

    feeds: tuple[FeedOutcome, ...]
    digests: tuple[str, ...]
    deliveries: tuple[tuple[str, bool], ...]

    @property
    def did_work(self) -> bool:
        return bool(self.feeds or self.digests or self.deliveries)


class Daemon:
    """Runs the pipeline on a schedule until a signal asks it to stop."""

    def __init__(
        self, ctx: Context, *, tick: timedelta = TICK, digests: bool = True, stop_timeout: float = 10.0,
    ) -> None:
        self.stop_timeout = stop_timeout
        self.ctx = ctx
        self.tick = tick
        self.digests = digests
        self.stopping = threading.Event()
        self._busy = threading.Lock()
        self._pruned_at: datetime | None = None
        self._alerts_retried_at: datetime | None = None
        self.last_tick: datetime | None = None  # when the last step finished (for /healthz)
        self.busy_since: datetime | None = None  # when the step running now began, if one is
        self._loop_died = False
        self._clock_mark: tuple[float, datetime] | None = None  # monotonic and wall time at the last step

    @property
    def failed(self) -> bool:
        """Whether the loop itself ended unexpectedly (not a stop that was asked for): the process
        should then exit with an error, so that its supervisor starts it again."""
        return self._loop_died

    def step(self, progress: Progress | None = None) -> CycleReport:
        """One pass: poll the due feeds, run the due digests, retry owed deliveries."""
        with self._busy:
            self._watch_clock()
            feeds = pipeline.poll_due(self.ctx, progress, should_stop=self.stopping.is_set)
            ran: list[str] = []
            deliveries: list[tuple[str, bool]] = []
            if self.digests and not self.stopping.is_set():
                for name, due_at in digests.due_digests(self.ctx):
                    if digests.reserve_digest(self.ctx, name, due_at) is not None:
                        ran.append(name)
                deliveries = digests.deliver_pending(self.ctx, should_stop=self.stopping.is_set)
            self._prune_daily()
            self._retry_refused_alerts()
        return CycleReport(tuple(feeds), tuple(ran), tuple(deliveries))

    def _watch_clock(self) -> None:
        """When the wall clock moved back since the last step (a correction), move back the times
        stored ahead of it, which would otherwise hold polls, retries and digests back as long."""
        mark, self._clock_mark = self._clock_mark, (time.monotonic(), self.ctx.clock.now())
        if mark is None:
            return
        back = timedelta(seconds=self._clock_mark[0] - mark[0]) - (self._clock_mark[1] - mark[1])
        if back >= CLOCK_STEP:
            startup.shift_back_times(self.ctx, back)
            self._pruned_at = self._pruned_at - back if self._pruned_at else None
            self._alerts_retried_at = self._alerts_retried_at - back if self._alerts_retried_at else None

    def _prune_daily(self) -> None:
        now = self.ctx.clock.now()
        if self._pruned_at is None or now - self._pruned_at >= timedelta(days=1):
            startup.prune(self.ctx)
            self._pruned_at = now

    def _retry_refused_alerts(self) -> None:
        now = self.ctx.clock.now()
        if self.stopping.is_set():
            return
        if self._alerts_retried_at is None or now - self._alerts_retried_at >= ALERT_RETRY:
            alerts.retry_refused(self.ctx)
            self._alerts_retried_at = now

    def _tick(self) -> None:
        started = time.monotonic()
        self.busy_since = self.ctx.clock.now()
        try:
            report = self.step()
        except Exception:
            log.exception("daemon step failed; retrying at the next tick")
            return
        finally:
            self.busy_since = None
        metrics.CYCLE_SECONDS.observe(time.monotonic() - started)
        self.last_tick = self.ctx.clock.now()
        if report.did_work:
            log.info("cycle done", extra={"feeds": len(report.feeds), "digests": len(report.digests)})

    def _loop(self) -> None:
        """Step at once, then every ``tick`` of monotonic time until a stop is asked for; a step that
        overran its tick is followed by the next at once, never by several. The wall clock stepping
        back or forward (a correction, a resumed machine) moves no tick."""
        period = self.tick.total_seconds()
        due = time.monotonic()
        try:
            while not self.stopping.wait(max(0.0, due - time.monotonic())):
                self._tick()
                due = max(due + period, time.monotonic())
        except BaseException:  # no step raises (each failure is logged by _tick); end run() rather than hang it
            log.critical("daemon loop ended unexpectedly; stopping", exc_info=True)
            self._loop_died = True
            self.stopping.set()

    def handle_signals(self) -> None:
        """SIGTERM/SIGINT ask for a clean stop (the current unit finishes); a second one exits at once.

        A signal within :data:`REPEATED_SIGNAL` seconds of the first is the same request delivered
        twice (a supervisor signals the process group and a parent such as ``make`` forwards it too),
        not a second one. Installed before start-up work (migrations, building the judge), so a stop
        asked for during start-up is honoured too.
        """
        asked = [0.0]

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            # A handler can be interrupted by the next signal's handler (the same request delivered
            # twice arrives within microseconds): mark the request first, and stop idempotently.
            now = time.monotonic()
            if asked[0]:
                if now - asked[0] < REPEATED_SIGNAL:
                    log.debug("signal %s repeated: already stopping", signal.Signals(signum).name)
                    return
                log.warning("second signal: exiting now (unfinished work stays due)")
                logging.shutdown()
                os._exit(1)  # SystemExit would wait for the threads still polling or sending
            asked[0] = now
            self.stopping.set()
            log.info("signal %s: finishing the current unit of work", signal.Signals(signum).name)

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

    def run(self) -> bool:
        """Block until SIGTERM/SIGINT; a second signal exits at once. False when in-flight work was
        still running after ``stop_timeout``, or the loop itself failed (the caller should then end
        the process with an error, for its supervisor to start it again)."""
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            self.handle_signals()
        if self.stopping.is_set():
            log.info("daemon stopped before it started")
            return True
        worker = threading.Thread(target=self._loop, name="monitor-loop", daemon=True)
        log.info("daemon started", extra={"tick_s": self.tick.total_seconds()})
        worker.start()
        self.stopping.wait()  # the signal handlers run in this thread and set it
        worker.join(timeout=self.stop_timeout)
        if worker.is_alive():
            log.warning("in-flight work did not finish in time; exiting anyway (unfinished work stays due)",
                        extra={"stop_timeout_s": self.stop_timeout})
            return False
        log.info("daemon stopped")
        return not self._loop_died


def run_once(ctx: Context, *, digests: bool = True, progress: Progress | None = None) -> CycleReport:
    """Burst mode: one pass of the daemon, then return."""
    return Daemon(ctx, digests=digests).step(progress)
