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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor import notify, scheduler
from monitor.clock import Clock, SystemClock
from monitor.config import Config
from monitor.digest.build import build_digest
from monitor.digest.render import Format, render
from monitor.errors import FetchError, MonitorError
from monitor.extract import extract_article, fallback
from monitor.fetch.feed import fetch_feed
from monitor.fetch.http import AddressGuard, HttpClient
from monitor.fetch.page import fetch_page
from monitor.match import TopicQuery, match, may_match
from monitor.novelty.judge import Thresholds, judge
from monitor.novelty.text import content_hash, fingerprint, sentences
from monitor.parse import parse_feed
from monitor.seeds import read_seeds
from monitor.store import digests as digest_store
from monitor.store import feeds as feed_store
from monitor.store import items as item_store
from monitor.store import seeds as seed_store
from monitor.store.session import Database
from monitor.types import (
    Article,
    DigestContent,
    FeedEntry,
    FeedOutcome,
    FeedSpec,
    FeedState,
    Judgement,
    NewItem,
    PendingDelivery,
    Relevance,
)

log = logging.getLogger(__name__)
Progress = Callable[[FeedOutcome], None]


@dataclass
class Context:
    """What every stage needs: the config, the database, the HTTP seam and the clock."""

    config: Config
    db: Database
    http: HttpClient
    clock: Clock = field(default_factory=SystemClock)
    topics: list[TopicQuery] = field(default_factory=list)

    def close(self) -> None:
        self.http.close()
        self.db.dispose()


def build_context(config: Config, *, clock: Clock | None = None, database_url: str | None = None) -> Context:
    """Wire the stages for ``config``."""
    polling = config.polling
    http = HttpClient(
        user_agent=polling.user_agent, timeout=polling.timeout.total_seconds(),
        connect_timeout=polling.connect_timeout.total_seconds(), guard=AddressGuard(polling.allow_hosts),
    )
    return Context(config=config, db=Database(database_url or config.db_url()), http=http,
                   clock=clock or SystemClock(), topics=config.compiled_topics())


def start(ctx: Context) -> tuple[int, int]:
    """Migrate, sync the feeds and load the seeds; returns (feeds added, seeds loaded or changed)."""
    ctx.db.upgrade()
    return sync_feeds(ctx), load_seeds(ctx)


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
    min_chars = ctx.config.novelty.min_sentence_chars
    for doc in read_seeds(ctx.config.seeds_dir):
        keys = [fingerprint(s) for s in sentences(doc.text, min_chars)]
        with ctx.db.session() as session:
            changed += seed_store.store_seed(session, doc, content_hash(doc.text), keys, now)
    log.info("seeds loaded", extra={"changed": changed})
    return changed


def poll_due(
    ctx: Context, progress: Progress | None = None, *, should_stop: Callable[[], bool] | None = None,
) -> list[FeedOutcome]:
    """Refresh every feed that is due now (stopping early, between feeds, when asked to)."""
    with ctx.db.session() as session:
        due = feed_store.due_feeds(session, ctx.clock.now())
    outcomes = []
    for feed in due:
        if should_stop is not None and should_stop():
            break
        outcome = refresh_feed(ctx, feed)
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    return outcomes


def make_all_due(ctx: Context) -> int:
    """Mark every enabled feed due now (``monitor poll --all``)."""
    with ctx.db.session() as session:
        return feed_store.make_all_due(session, ctx.clock.now())


def refresh_feed(ctx: Context, feed: FeedState) -> FeedOutcome:
    """Poll one feed and store its new entries; a failure is recorded, never raised."""
    now = ctx.clock.now()
    try:
        result = fetch_feed(ctx.http, feed, max_bytes=ctx.config.polling.max_feed_bytes)
        if result.not_modified:
            return _succeeded(ctx, feed, "304", now, etag=result.etag or feed.etag,
                              last_modified=result.last_modified or feed.last_modified, body_hash=feed.body_hash)
        body_hash = hashlib.sha256(result.body).hexdigest()
        if body_hash == feed.body_hash:
            return _succeeded(ctx, feed, "unchanged", now, etag=result.etag, last_modified=result.last_modified,
                              body_hash=body_hash)
        parsed = parse_feed(result.body, url=result.final_url, content_type=result.content_type, now=now)
    except MonitorError as exc:
        return _failed(ctx, feed, exc, now)
    new, relevant = 0, 0
    for entry in parsed.entries:
        stored = process_entry(ctx, feed, entry)
        new += stored is not None
        relevant += bool(stored and stored.relevant)
    return _succeeded(ctx, feed, str(result.status), now, etag=result.etag, last_modified=result.last_modified,
                      body_hash=body_hash, entries=len(parsed.entries), new=new, relevant=relevant,
                      ttl=parsed.ttl_minutes)


def process_entry(ctx: Context, feed: FeedState, entry: FeedEntry) -> Relevance | None:
    """Store one entry unless already seen; returns its relevance, or None when skipped."""
    with ctx.db.session() as session:
        if item_store.entry_seen(session, feed.id, entry.key, entry.link):
            return None
    topics = [t for t in ctx.topics if feed.topics is None or t.name in feed.topics]
    article = _article(ctx, entry, may_match(topics, entry.title, entry.summary))
    relevance = match(topics, entry.title, article.text or entry.summary)
    text = article.text or entry.title
    with ctx.db.session() as session:
        judgement = _judge(ctx, session, text) if relevance.relevant else None
        item = NewItem(feed_id=feed.id, entry=entry, article=article, relevance=relevance, judgement=judgement,
                       content_hash=content_hash(text), fetched_at=ctx.clock.now(), outlet=entry.source or feed.name)
        try:
            with session.begin_nested():
                item_store.add_item(session, item)
        except IntegrityError:
            return None  # the same article arrived through another feed or replica meanwhile
        if relevance.relevant:
            min_chars = ctx.config.novelty.min_sentence_chars
            item_store.add_sentences(session, [fingerprint(s) for s in sentences(text, min_chars)], "item")
    return relevance


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


def _judge(ctx: Context, session: Session, text: str) -> Judgement:
    novelty = ctx.config.novelty
    return judge(
        text, hash_origin=item_store.hash_origin(session, content_hash(text)),
        lookup=lambda keys: item_store.sentence_origins(session, keys),
        thresholds=Thresholds(novelty.repeat_share, novelty.min_sentence_chars),
    )


def _policy(ctx: Context, feed: FeedState) -> scheduler.PollPolicy:
    polling = ctx.config.polling
    interval = timedelta(seconds=feed.interval_seconds) if feed.interval_seconds else polling.interval
    return scheduler.PollPolicy(interval, polling.min_interval, polling.max_interval)


def _succeeded(
    ctx: Context, feed: FeedState, status: str, now: datetime, *, etag: str | None, last_modified: str | None,
    body_hash: str | None, entries: int = 0, new: int = 0, relevant: int = 0, ttl: int | None = None,
) -> FeedOutcome:
    next_at = scheduler.next_poll(now, _policy(ctx, feed), ttl_minutes=ttl)
    with ctx.db.session() as session:
        feed_store.record_success(session, feed.id, now=now, status=status, next_poll_at=next_at, items=new,
                                  etag=etag, last_modified=last_modified, body_hash=body_hash)
    log.info("feed polled", extra={"feed_url": feed.url, "status": status, "entries": entries, "new_items": new})
    return FeedOutcome(feed.url, status, entries=entries, new_items=new, relevant=relevant)


def _failed(ctx: Context, feed: FeedState, exc: MonitorError, now: datetime) -> FeedOutcome:
    retry_after = exc.retry_after if isinstance(exc, FetchError) else None
    next_at = scheduler.next_poll(now, _policy(ctx, feed), failures=feed.error_count + 1,
                                  retry_after=retry_after)
    with ctx.db.session() as session:
        feed_store.record_failure(session, feed.id, now=now, error=str(exc), next_poll_at=next_at)
    log.warning("feed failed", extra={"feed_url": feed.url, "status": "error", "error": str(exc)})
    return FeedOutcome(feed.url, "error", error=str(exc))


# --- digests ---------------------------------------------------------------------------------

FILE_CHANNEL = "(file)"
DELIVERY_ATTEMPTS = 8


def due_digests(ctx: Context) -> list[tuple[str, datetime]]:
    """Digests whose schedule fell due since they last ran (a first sight only starts the clock)."""
    now = ctx.clock.now()
    due = []
    for digest in ctx.config.digests:
        schedule = scheduler.parse_schedule(digest.schedule, digest.timezone)
        with ctx.db.session() as session:
            last = digest_store.last_due(session, digest.name)
            if last is None:
                digest_store.set_last_due(session, digest.name, now)
                continue
        when = scheduler.latest_due(schedule, last, now)
        if when is not None:
            due.append((digest.name, when))
    return due


def run_digest(ctx: Context, name: str, due_at: datetime) -> int | None:
    """Reserve digest ``name`` for ``due_at`` and deliver everything owed; returns the digest id or None."""
    digest_id = reserve_digest(ctx, name, due_at)
    deliver_pending(ctx)
    return digest_id


def reserve_digest(ctx: Context, name: str, due_at: datetime) -> int | None:
    """Create digest ``name`` for ``due_at``, reserving its items and opening one delivery per channel.

    Returns the digest id, or None when there was nothing to send (or it already exists).
    """
    digest = ctx.config.digest(name)
    with ctx.db.session() as session:
        entries = item_store.undigested(session, name, digest.include)
        digest_store.set_last_due(session, name, due_at)
        digest_id = None
        if entries or digest.send_empty:
            channels = digest.channels or [FILE_CHANNEL]
            digest_id = digest_store.create_digest(
                session, name, due_at, item_ids=[e.item_id for e in entries], channels=channels, now=ctx.clock.now())
    log.info("digest reserved", extra={"digest": name, "items": len(entries), "digest_id": digest_id})
    return digest_id


def digest_content(ctx: Context, name: str) -> DigestContent:
    """What digest ``name`` would contain now; reserves and sends nothing."""
    digest = ctx.config.digest(name)
    with ctx.db.session() as session:
        entries = item_store.undigested(session, name, digest.include)
    return build_digest(name, entries, window_end=ctx.clock.now(), max_items=digest.max_items, title=digest.title)


def preview_digest(ctx: Context, name: str, fmt: Format) -> str:
    """Digest ``name`` as it would be sent now, rendered as ``fmt``."""
    return render(digest_content(ctx, name), fmt, _templates(ctx))


def _templates(ctx: Context) -> Path:
    """User template overrides live in ``templates/`` beside the config file."""
    return ctx.config.source.parent / "templates"


def deliver_pending(ctx: Context) -> list[tuple[str, bool]]:
    """Try every delivery that is owed and due; returns (channel, delivered) pairs."""
    with ctx.db.session() as session:
        owed = digest_store.pending(session, ctx.clock.now())
    return [(p.channel, deliver(ctx, p)) for p in owed]


def deliver(ctx: Context, pending: PendingDelivery) -> bool:
    """Render and send one digest to one channel, then record the outcome in its own commit."""
    with ctx.db.session() as session:
        entries = item_store.entries_by_id(session, digest_store.digest_item_ids(session, pending.digest_id))
    config = next((d for d in ctx.config.digests if d.name == pending.digest_name), None)
    content = build_digest(pending.digest_name, entries, window_end=pending.due_at,
                           max_items=config.max_items if config else 25, title=config.title if config else None)
    ok, detail = _send(ctx, pending, content)
    now = ctx.clock.now()
    with ctx.db.session() as session:
        if ok:
            digest_store.mark_sent(session, pending.delivery_id, now)
        else:
            retry = now + timedelta(minutes=2 ** pending.attempts) if pending.attempts + 1 < DELIVERY_ATTEMPTS else None
            digest_store.mark_failed(session, pending.delivery_id, detail, retry)
    log.info("digest delivered" if ok else "digest delivery failed",
             extra={"digest": pending.digest_name, "channel": pending.channel, "attempt": pending.attempts + 1})
    return ok


def _send(ctx: Context, pending: PendingDelivery, content: DigestContent) -> tuple[bool, str]:
    templates = _templates(ctx)
    if pending.channel == FILE_CHANNEL:
        return True, str(write_digest_files(ctx.config.data_dir / "digests", content, templates))
    channel = next((c for c in ctx.config.channels if c.name == pending.channel), None)
    if channel is None:
        return False, f"notify: channel {pending.channel!r} is no longer in the config"
    fmt = channel.effective_format()
    result = notify.send(channel.url.get_secret_value(), content.title, render(content, fmt, templates), fmt)
    return result.ok, result.detail or "notify: the channel did not accept the message"


def write_digest_files(folder: Path, content: DigestContent, templates: Path | None = None) -> Path:
    """Write the digest as text and HTML into ``folder``, log the text; returns the HTML path."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{content.name}-{content.window_end:%Y%m%dT%H%M%SZ}"
    text = render(content, "text", templates)
    (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
    html_path = folder / f"{stem}.html"
    html_path.write_text(render(content, "html", templates), encoding="utf-8")
    log.info("digest written to %s\n%s", html_path, text)
    return html_path
