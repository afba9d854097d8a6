"""Start-up and upkeep: migrate, register the configured feeds, load the seed corpus; apply
retention; make feeds due. The poll itself is :mod:`monitor.pipeline`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor import redact, scheduler
from monitor.context import Context
from monitor.digest.run import LONGEST_RETRY
from monitor.novelty.text import content_hash
from monitor.seeds import read_seeds
from monitor.store import ahead
from monitor.store import deferred as deferred_store
from monitor.store import digests as digest_store
from monitor.store import feeds as feed_store
from monitor.store import items as item_store
from monitor.store import seeds as seed_store
from monitor.store.claims import LEASE, release_dead
from monitor.types import FeedSpec
from monitor.untrusted import one_line

log = logging.getLogger(__name__)


def start(ctx: Context) -> tuple[int, int]:
    """Migrate, sync the feeds and load the seeds; returns (feeds added, seeds changed). The novelty judge
    is built when the first article needs judging (:func:`monitor.judging.judge_of`)."""
    ctx.db.upgrade()
    with ctx.db.session() as session:
        take_back_claims(session, ctx.clock.now())
    pull_back_times(ctx)
    _settled(register_digests, ctx)
    return _settled(sync_feeds, ctx), _settled(load_seeds, ctx)


def register_digests(ctx: Context) -> int:
    """Start the clock of each configured digest the database has not seen: it counts from now."""
    with ctx.db.session() as session:
        added = digest_store.register(session, [d.name for d in ctx.config.digests], ctx.clock.now())
    if added:
        log.info("digests registered; each holds what is fetched from now on", extra={"digests": added})
    return len(added)


def take_back_claims(session: Session, now: datetime) -> None:
    """Take back the claims of processes on this host that died holding them (no lease to wait out)."""
    released = release_dead(session, now)
    if released:
        log.info("took back the claims of stopped processes on this host", extra={"claims": released})


def pull_back_times(ctx: Context) -> int:
    """Pull back to now the times stored ahead of the clock (it ran ahead when they were written);
    returns how many rows changed. See :mod:`monitor.store.ahead`."""
    horizons = ahead.Horizons(poll=scheduler.longest_wait(ctx.config.polling.max_interval),
                              retry=LONGEST_RETRY, page=scheduler.PAGE_RETRY_LONGEST, lease=LEASE)
    with ctx.db.session() as session:
        pulled = ahead.pull_back(session, ctx.clock.now(), horizons)
    if pulled:
        log.warning("times stored ahead of the clock were pulled back to now: the clock was ahead when they "
                    "were written", extra={"rows": pulled})
    return pulled


def shift_back_times(ctx: Context, step: timedelta) -> int:
    """After the clock moved back by ``step`` under a running process, move the times stored ahead of
    it back as much; returns how many rows changed. See :mod:`monitor.store.ahead`."""
    with ctx.db.session() as session:
        moved = ahead.shift_back(session, ctx.clock.now(), step, LEASE)
    log.warning("the clock moved back; times stored ahead of it moved back as much",
                extra={"seconds": round(step.total_seconds()), "rows": moved})
    return moved


def held_elsewhere(ctx: Context) -> int:
    """How many due feeds another process is polling now (a pass here skipped them)."""
    with ctx.db.session() as session:
        return feed_store.held_elsewhere(session, ctx.clock.now())


def _settled(step: Callable[[Context], int], ctx: Context, attempts: int = 3) -> int:
    """Run a start-up step, again if a replica starting at the same moment inserted the same rows."""
    for attempt in range(attempts):
        try:
            return step(ctx)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
            log.info("another replica wrote the same rows; reading them again", extra={"step": step.__name__})
    return 0


def sync_feeds(ctx: Context) -> int:
    """Add the config's feeds to the database; the secrets of every feed polled (imported ones too)
    are then known to the redaction rule."""
    specs = [
        FeedSpec(url=f.url, name=feed_name(f.name, f.url),
                 topics=tuple(f.topics) if f.topics is not None else None,
                 interval_seconds=int(f.interval.total_seconds()) if f.interval is not None else None)
        for f in ctx.config.all_feeds()
    ]
    with ctx.db.session() as session:
        added = feed_store.sync_feeds(session, specs, ctx.clock.now())
        redact.remember(feeds=[feed.url for feed in feed_store.all_feeds(session)])
    return added


def feed_name(name: str | None, url: str) -> str:
    """A configured feed's name as stored: its own, else its URL without credentials."""
    return one_line(name or redact.without_credentials(url), "outlet")


def load_seeds(ctx: Context) -> int:
    """Make the stored seed corpus the seed folder's (idempotent: unchanged seeds are skipped; a seed
    whose file left the folder is forgotten); returns how many seeds were added, changed or removed."""
    changed = 0
    now = ctx.clock.now()
    docs = read_seeds(ctx.config.seeds_dir)
    for doc in docs:
        for attempt in range(2):  # replicas starting together insert the same seeds: read it again once
            try:
                with ctx.db.session() as session:
                    changed += seed_store.store_seed(session, doc, content_hash(doc.text), now)
                break
            except IntegrityError:
                if attempt:
                    raise
    with ctx.db.session() as session:
        changed += seed_store.remove_other_seeds(session, [doc.key for doc in docs])
    log.info("seeds loaded", extra={"changed": changed})
    return changed


def prune(ctx: Context) -> tuple[int, int]:
    """Apply ``retention_days``: returns (irrelevant items deleted, relevant items whose text was cleared).
    Pages deferred that long ago (by a feed no longer polled) are forgotten too."""
    before = ctx.clock.now() - timedelta(days=ctx.config.retention_days)
    with ctx.db.session() as session:
        deleted, cleared = item_store.prune(session, before)
        forgotten = deferred_store.prune(session, before)
    if deleted or cleared or forgotten:
        log.info("retention applied", extra={"deleted": deleted, "cleared": cleared, "deferred_pages": forgotten,
                                             "before": before.date()})
    return deleted, cleared


def make_all_due(ctx: Context) -> int:
    """Mark every enabled feed due now (``monitor poll --all``)."""
    with ctx.db.session() as session:
        return feed_store.make_all_due(session, ctx.clock.now())
