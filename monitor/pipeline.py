"""The one orchestrator; it reads top to bottom.

``start``: migrate, register the configured feeds, load the seed corpus.
``refresh_feed``: fetch (conditional GET) -> parse -> for each unseen entry: first
relevance on title and summary -> fetch and extract the page -> relevance with evidence
-> novelty judgement -> store.
Digests live in :mod:`monitor.digest.run`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor import alerts, scheduler
from monitor.context import Context, Progress
from monitor.dispatch import run_fair
from monitor.errors import FetchError, MonitorError
from monitor.extract import extract_article, fallback
from monitor.fetch.feed import fetch_feed
from monitor.fetch.page import fetch_page
from monitor.match import match, may_match
from monitor.novelty.engine import new_judge
from monitor.novelty.judge import NoveltyJudge
from monitor.novelty.text import content_hash
from monitor.parse import parse_feed
from monitor.seeds import read_seeds
from monitor.store import feeds as feed_store
from monitor.store import items as item_store
from monitor.store import seeds as seed_store
from monitor.types import (
    Article,
    FeedEntry,
    FeedOutcome,
    FeedSpec,
    FeedState,
    Judgement,
    NewItem,
    Relevance,
)
from monitor.urls import canonical_url

log = logging.getLogger(__name__)


def start(ctx: Context) -> tuple[int, int]:
    """Migrate, sync the feeds, load the seeds and build the novelty judge; returns (feeds added, seeds changed)."""
    ctx.db.upgrade()
    result = sync_feeds(ctx), load_seeds(ctx)
    ctx.novelty = build_judge(ctx)
    return result


def build_judge(ctx: Context) -> NoveltyJudge:
    """The seeds, then the relevant items of the story window (as stored, with their stories)."""
    judge = new_judge(ctx.config)
    since = ctx.clock.now() - ctx.config.novelty.story_window
    with ctx.db.session() as session:
        known = item_store.recent_relevant(session, since)
        last_story = item_store.max_story_id(session)
    for item in known:
        judge.remember(f"item:{item.id}", item.title, item.text, item.fetched_at, story_id=item.story,
                       language=item.language)
    judge.index.reserve_story_ids(last_story + 1)
    log.info("novelty judge ready", extra={"seeds": sum(d.seed for d in judge.index.docs), "items": len(known)})
    return judge


def sync_feeds(ctx: Context) -> int:
    specs = [
        FeedSpec(url=f.url, name=f.name or f.url, topics=tuple(f.topics) if f.topics is not None else None,
                 interval_seconds=int(f.interval.total_seconds()) if f.interval else None)
        for f in ctx.config.all_feeds()
    ]
    with ctx.db.session() as session:
        return feed_store.sync_feeds(session, specs, ctx.clock.now())


def load_seeds(ctx: Context) -> int:
    """Load the seed corpus as known coverage (idempotent: unchanged seeds are skipped)."""
    changed = 0
    now = ctx.clock.now()
    for doc in read_seeds(ctx.config.seeds_dir):
        with ctx.db.session() as session:
            changed += seed_store.store_seed(session, doc, content_hash(doc.text), now)
    log.info("seeds loaded", extra={"changed": changed})
    return changed


def poll_due(
    ctx: Context, progress: Progress | None = None, *, should_stop: Callable[[], bool] | None = None,
) -> list[FeedOutcome]:
    """Refresh every feed that is due now, concurrently and fairly across hosts.

    When ``should_stop`` turns true, no further feed starts; those in flight finish.
    """
    with ctx.db.session() as session:
        due = feed_store.due_feeds(session, ctx.clock.now())
    polling = ctx.config.polling
    batch = UnchangedBatch(ctx)
    try:
        return run_fair(
            due, key=lambda feed: (urlsplit(feed.poll_url).hostname or "").lower(),
            work=lambda feed: refresh_feed(ctx, feed, batch), concurrency=polling.concurrency,
            per_key=polling.per_host, on_done=progress, should_stop=should_stop,
        )
    finally:
        batch.flush()


class UnchangedBatch:
    """Collects the state of feeds that answered 304 (or an unchanged body) and writes it in one
    transaction per ``size`` feeds: most polls are like that, and their state is the cheapest to
    lose (a crash before the write only means those feeds are asked again and answer 304 again)."""

    def __init__(self, ctx: Context, size: int = 200) -> None:
        self.ctx, self.size = ctx, size
        self._rows: list[dict[str, object]] = []
        self._lock = threading.Lock()

    def add(self, row: dict[str, object]) -> None:
        with self._lock:
            self._rows.append(row)
            full = len(self._rows) >= self.size
        if full:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            rows, self._rows = self._rows, []
        if rows:
            with self.ctx.db.session() as session:
                feed_store.record_successes(session, rows)


def make_all_due(ctx: Context) -> int:
    """Mark every enabled feed due now (``monitor poll --all``)."""
    with ctx.db.session() as session:
        return feed_store.make_all_due(session, ctx.clock.now())


def refresh_feed(ctx: Context, feed: FeedState, batch: UnchangedBatch | None = None) -> FeedOutcome:
    """Poll one feed and store its new entries; a failure is recorded (and retried later), never raised."""
    now = ctx.clock.now()
    try:
        polled = _poll(ctx, feed, now)
    except MonitorError as exc:
        return _failed(ctx, feed, exc, now)
    return _succeeded(ctx, feed, polled, now, batch)


@dataclass(frozen=True)
class _Polled:
    """What a successful poll found, for the feed's state."""

    status: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    moved_to: str | None = None
    max_age: float | None = None
    ttl: int | None = None
    gap: timedelta | None = None
    entries: int = 0
    new: int = 0
    relevant: int = 0


def _poll(ctx: Context, feed: FeedState, now: datetime) -> _Polled:
    result = fetch_feed(ctx.http, feed, max_bytes=ctx.config.polling.max_feed_bytes)
    if result.not_modified:  # a 304 costs no parsing
        return _Polled("304", result.etag or feed.etag, result.last_modified or feed.last_modified, feed.body_hash,
                       result.moved_to, result.max_age)
    body_hash = hashlib.sha256(result.body).hexdigest()
    if body_hash == feed.body_hash:  # neither does an unchanged body
        return _Polled("unchanged", result.etag, result.last_modified, body_hash, result.moved_to, result.max_age)
    parsed = parse_feed(result.body, url=result.final_url, content_type=result.content_type, now=now)
    with ctx.db.session() as session:  # one query for the whole document: most entries are known already
        seen = item_store.seen_entries(session, feed.id, [(e.key, e.link) for e in parsed.entries])
    new = relevant = 0
    for entry in parsed.entries:
        if (entry.key, entry.link) in seen:
            continue
        stored = process_entry(ctx, feed, entry)
        new += stored is not None
        relevant += bool(stored and stored.relevant)
    gap = scheduler.observed_gap([e.published for e in parsed.entries if e.published], now)
    return _Polled(str(result.status), result.etag, result.last_modified, body_hash, result.moved_to, result.max_age,
                   parsed.ttl_minutes, gap, len(parsed.entries), new, relevant)


def process_entry(ctx: Context, feed: FeedState, entry: FeedEntry) -> Relevance | None:
    """Store one entry unless already seen; returns its relevance, or None when skipped."""
    with ctx.db.session() as session:
        if item_store.entry_seen(session, feed.id, entry.key, entry.link):
            return None
    topics = [t for t in ctx.topics if feed.topics is None or t.name in feed.topics]
    worth_fetching = may_match(topics, entry.title, entry.summary)
    resolved = _resolve_link(ctx, entry, worth_fetching)
    if resolved is not entry:
        with ctx.db.session() as session:
            if item_store.entry_seen(session, feed.id, resolved.key, resolved.link):
                _store(ctx, session, replace(entry, link=""), feed, article=fallback("", None),
                       relevance=Relevance((), (), 0.0))
                return None  # the publisher's own feed brought it already; remember the Google entry
        entry = resolved
    article = _article(ctx, entry, worth_fetching)
    relevance = match(topics, entry.title, article.text or entry.summary, article.language)
    with ctx.db.session() as session:
        return relevance if _store(ctx, session, entry, feed, article=article, relevance=relevance) else None


def _resolve_link(ctx: Context, entry: FeedEntry, worth_fetching: bool) -> FeedEntry:
    """The entry with its Google News link replaced by the publisher's URL (when worth the requests)."""
    if ctx.google is None or not worth_fetching or not ctx.google.handles(entry.link):
        return entry
    if ctx.config.polling.fetch_articles == "never":
        return entry
    try:
        return replace(entry, link=canonical_url(ctx.google.resolve(entry.link)))
    except FetchError as exc:
        log.info("google news link not resolved", extra={"url": entry.link, "error": str(exc)})
        return entry


def _store(
    ctx: Context, session: Session, entry: FeedEntry, feed: FeedState, *, article: Article, relevance: Relevance,
) -> bool:
    """Judge (when relevant) and store one entry; False when another feed or replica stored it first."""
    text = article.text or entry.title
    judgement = _judge(ctx, entry, text, article.language) if relevance.relevant else None
    item = NewItem(feed_id=feed.id, entry=entry, article=article, relevance=relevance, judgement=judgement,
                   content_hash=content_hash(text), fetched_at=ctx.clock.now(), outlet=entry.source or feed.name)
    try:
        with session.begin_nested():
            if judgement is not None and judgement.story is not None:
                item_store.save_story(session, judgement.story, entry.title, item.fetched_at)
            item_store.add_item(session, item)
    except IntegrityError:
        return False  # the same article arrived through another feed or replica meanwhile
    return True


def _article(ctx: Context, entry: FeedEntry, relevant: bool) -> Article:
    policy = ctx.config.polling.fetch_articles
    if not entry.link or policy == "never" or (policy == "relevant" and not relevant):
        return fallback(entry.summary, None)
    try:
        html = fetch_page(ctx.http, entry.link, max_bytes=ctx.config.polling.max_page_bytes)
    except FetchError as exc:
        log.info("article fetch failed", extra={"url": entry.link, "error": str(exc)})
        return fallback(entry.summary, str(exc))
    return extract_article(html, url=entry.link, summary=entry.summary)


def _judge(ctx: Context, entry: FeedEntry, text: str, language: str) -> Judgement:
    if ctx.novelty is None:
        raise MonitorError("the novelty judge is not built: call pipeline.start() first")
    when = entry.published or ctx.clock.now()
    return ctx.novelty.judge(entry.key, entry.title, text, when, language).judgement


def _policy(ctx: Context, feed: FeedState) -> scheduler.PollPolicy:
    polling = ctx.config.polling
    interval = timedelta(seconds=feed.interval_seconds) if feed.interval_seconds else polling.interval
    return scheduler.PollPolicy(interval, polling.min_interval, polling.max_interval)


def _succeeded(
    ctx: Context, feed: FeedState, polled: _Polled, now: datetime, batch: UnchangedBatch | None = None,
) -> FeedOutcome:
    gap = polled.gap
    if gap is None and feed.observed_gap_seconds:
        gap = timedelta(seconds=feed.observed_gap_seconds)
    next_at = scheduler.next_poll(now, _policy(ctx, feed), ttl_minutes=polled.ttl, max_age=polled.max_age,
                                  observed_gap=gap)
    row = feed_store.success_row(
        feed.id, now=now, status=polled.status, next_poll_at=next_at, items=polled.new, etag=polled.etag,
        last_modified=polled.last_modified, body_hash=polled.body_hash, moved_to=polled.moved_to,
        observed_gap_seconds=int(polled.gap.total_seconds()) if polled.gap else None,
    )
    if batch is not None and polled.status in ("304", "unchanged") and polled.moved_to is None:
        batch.add(row)
    else:
        with ctx.db.session() as session:
            feed_store.record_successes(session, [row])
    if polled.moved_to:
        log.info("feed moved permanently", extra={"feed_url": feed.url, "new_url": polled.moved_to})
    level = logging.INFO if polled.new or polled.moved_to else logging.DEBUG  # 304s are the common case
    if log.isEnabledFor(level):
        log.log(level, "feed polled", extra={"feed_url": feed.url, "status": polled.status, "entries": polled.entries,
                                       "new_items": polled.new, "next_poll": next_at.isoformat(timespec="seconds")})
    return FeedOutcome(feed.url, polled.status, entries=polled.entries, new_items=polled.new, relevant=polled.relevant)


def _failed(ctx: Context, feed: FeedState, exc: MonitorError, now: datetime) -> FeedOutcome:
    retry_after = exc.retry_after if isinstance(exc, FetchError) else None
    status = exc.status if isinstance(exc, FetchError) else None
    next_at = scheduler.next_poll(now, _policy(ctx, feed), failures=feed.error_count + 1, retry_after=retry_after)
    with ctx.db.session() as session:
        state = feed_store.record_failure(
            session, feed.id, now=now, error=str(exc), next_poll_at=next_at, status=status, permanent=exc.permanent,
            disable_after=ctx.config.polling.disable_after,
        )
    log.warning("feed failed", extra={"feed_url": feed.url, "status": "error", "error": str(exc),
                                      "errors": state.error_count, "next_poll": next_at.isoformat(timespec="seconds")})
    if not state.enabled:
        log.warning("feed disabled", extra={"feed_url": feed.url, "permanent_failures": state.permanent_failures})
    alerts.feed_trouble(ctx, state, now)
    return FeedOutcome(feed.url, "error", error=str(exc))
