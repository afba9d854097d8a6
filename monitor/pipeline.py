"""The one orchestrator; it reads top to bottom.

Start-up and upkeep live in :mod:`monitor.startup`.
``refresh_feed``: fetch (conditional GET) -> parse -> for each unseen entry: first
relevance on title and summary -> fetch and extract the page -> relevance with evidence
-> novelty judgement -> store. An entry whose page failed for now (a timeout, a 429, a 5xx) is
deferred instead (:mod:`monitor.pages`) and goes through the same stages again at a later
poll of its feed; at its last attempt (``polling.page_attempts``) the feed's teaser stands in.
Digests live in :mod:`monitor.digest.run`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit

from monitor import alerts, metrics, scheduler
from monitor import pages as page_stage
from monitor.context import Context, Progress
from monitor.dispatch import run_fair
from monitor.errors import ExtractError, FetchError, MonitorError, ParseError, StageError, in_stage
from monitor.extract import fallback
from monitor.fetch.feed import fetch_feed
from monitor.judging import judge_and_store
from monitor.match import match, may_match
from monitor.novelty.text import content_hash
from monitor.parse import parse_date_offset, parse_feed, url_date
from monitor.query import TopicQuery
from monitor.startup import take_back_claims
from monitor.store import deferred as deferred_store
from monitor.store import feeds as feed_store
from monitor.store import items as item_store
from monitor.store.claims import LEASE
from monitor.types import (
    Article,
    DeferredPage,
    FeedEntry,
    FeedOutcome,
    FeedState,
    NewItem,
    ParsedFeed,
    PollResult,
    PollSuccess,
    Relevance,
    poll_status,
)
from monitor.urls import canonical_url

log = logging.getLogger(__name__)
T = TypeVar("T")


def poll_due(
    ctx: Context, progress: Progress | None = None, *, should_stop: Callable[[], bool] | None = None,
) -> list[FeedOutcome]:
    """Refresh every feed that is due now, in three stages.

    1. fetch and parse the due feeds, concurrently and fairly across hosts (failures, 304s and
       unchanged bodies are recorded here);
    2. for every new entry, and every deferred one of the polled feeds whose time has come (even
       when its feed answered 304), fetch and extract its page and match the watchlist,
       concurrently; an entry whose page failed for now is deferred again;
    3. judge and store the entries one by one **in publication order across all feeds**, so the
       first report of an event is judged first whichever feed carried it; then record each
       changed feed's success (only now: a crash before leaves it due, and nothing is lost).

    When ``should_stop`` turns true, no further feed starts; those in flight finish.
    """
    with ctx.db.session() as session:  # claimed: replicas sharing the database never poll one feed twice
        take_back_claims(session, ctx.clock.now())
        due = feed_store.claim_due(session, ctx.clock.now(), LEASE)
    polling = ctx.config.polling
    batch = SuccessBatch(ctx)
    with ctx.holding_claims():  # a long pass keeps its claims; a dead one's expire within a lease
        try:
            fetched = run_fair(
                due, key=lambda feed: _host(feed.poll_url), work=lambda feed: _fetch(ctx, feed, batch),
                concurrency=polling.concurrency, per_key=polling.per_host, should_stop=should_stop,
                on_done=(lambda f: progress(f.outcome) if f.outcome else None) if progress else None,
            )
            retries = _due_retries(ctx, fetched)
            changed = [f for f in fetched if f.outcome is None]
            stored = _store_new_entries(ctx, changed, retries)
            outcomes = [_with_retried(f.outcome, stored.get(f.feed.id)) for f in fetched if f.outcome is not None]
            for f in changed:
                outcome = _finish_or_fail(ctx, f, stored, batch)
                outcomes.append(outcome)
                if progress is not None:
                    progress(outcome)
        finally:
            batch.flush()
        return outcomes


def refresh_feed(ctx: Context, feed: FeedState) -> FeedOutcome:
    """Poll one feed now (the same stages as :func:`poll_due`)."""
    fetched = _fetch(ctx, feed, None)
    changed = [fetched] if fetched.outcome is None else []
    stored = _store_new_entries(ctx, changed, _due_retries(ctx, [fetched]))
    if fetched.outcome is not None:
        return _with_retried(fetched.outcome, stored.get(feed.id))
    return _finish_or_fail(ctx, fetched, stored, None)


def _finish_or_fail(
    ctx: Context, fetched: _Fetched, stored: dict[int, _Stored], batch: SuccessBatch | None,
) -> FeedOutcome:
    """:func:`_finish`, with anything unexpected it raises recorded as this feed's failure, so the
    other feeds of the pass are still recorded and the cycle goes on to its digests."""
    try:
        return in_stage("poll", lambda: _finish(ctx, fetched, stored, batch))
    except MonitorError as exc:
        return _failed(ctx, fetched.feed, exc, fetched.now)


def _finish(
    ctx: Context, fetched: _Fetched, stored: dict[int, _Stored], batch: SuccessBatch | None,
) -> FeedOutcome:
    """Record a changed feed's result once its entries are stored: a success, or, when some entries
    failed, a failure naming the first (the others were stored; the failed ones are tried again)."""
    assert fetched.polled is not None
    result = stored.get(fetched.feed.id, _Stored())
    if result.errors:
        first, more = result.errors[0], len(result.errors) - 1
        error = first if not more else StageError(first.stage, f"{first.message} (and {more} more entries failed)")
        outcome = _failed(ctx, fetched.feed, error, fetched.now)
        return replace(outcome, new_items=result.new, relevant=result.relevant, deferred=result.deferred)
    polled = replace(fetched.polled, new=result.new, relevant=result.relevant)
    return replace(_succeeded(ctx, fetched.feed, polled, fetched.now, batch), deferred=result.deferred)


def _with_retried(outcome: FeedOutcome, result: _Stored | None) -> FeedOutcome:
    """The outcome of a feed decided in stage 1 (a 304, an unchanged body, a failure), with what its
    deferred entries brought."""
    if result is None:
        return outcome
    return replace(outcome, new_items=outcome.new_items + result.new, relevant=outcome.relevant + result.relevant,
                   deferred=outcome.deferred + result.deferred)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class SuccessBatch:
    """Collects the state of feeds polled successfully and writes it in one transaction per ``size``
    feeds. A feed's state is the cheapest thing to lose: a changed feed's is recorded only after its
    entries are stored, so a crash before the write means the feed is asked again, and its entries,
    already stored, are recognised as seen (a 304 or an unchanged body is simply asked again)."""

    def __init__(self, ctx: Context, size: int = 200) -> None:
        self.ctx, self.size = ctx, size
        self._rows: list[PollSuccess] = []
        self._lock = threading.Lock()

    def add(self, row: PollSuccess) -> None:
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


@dataclass(frozen=True)
class _Polled:
    """What a successful poll found, for the feed's state."""

    result: PollResult
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
    http_status: int | None = None


@dataclass(frozen=True)
class _Fetched:
    """A feed after stage 1: its final outcome (failure, 304, unchanged), or what it brought."""

    feed: FeedState
    now: datetime
    outcome: FeedOutcome | None = None
    polled: _Polled | None = None
    entries: tuple[FeedEntry, ...] = ()
    errors: tuple[MonitorError, ...] = ()  # entries that could not be read


def _fetch(ctx: Context, feed: FeedState, batch: SuccessBatch | None) -> _Fetched:
    """Stage 1 for one feed; any failure is recorded with its stage (and retried later), never raised
    (one the stages do not expect, such as a scheduling bug, as a failure of the stage ``poll``)."""
    now = ctx.clock.now()
    try:
        return in_stage("poll", lambda: _fetch_and_parse(ctx, feed, batch, now))
    except MonitorError as exc:
        return _Fetched(feed, now, _failed(ctx, feed, exc, now))


def _fetch_and_parse(ctx: Context, feed: FeedState, batch: SuccessBatch | None, now: datetime) -> _Fetched:
    result = in_stage("fetch", lambda: fetch_feed(ctx.http, feed, max_bytes=ctx.config.polling.max_feed_bytes))
    if result.not_modified:  # a 304 costs no parsing
        polled = _Polled("not-modified", result.etag or feed.etag, result.last_modified or feed.last_modified,
                         feed.body_hash, result.moved_to, result.max_age)
        return _Fetched(feed, now, _succeeded(ctx, feed, polled, now, batch))
    body_hash = hashlib.sha256(result.body).hexdigest()
    if body_hash == feed.body_hash:  # neither does an unchanged body
        polled = _Polled("unchanged", result.etag, result.last_modified, body_hash, result.moved_to, result.max_age)
        return _Fetched(feed, now, _succeeded(ctx, feed, polled, now, batch))
    parsed = in_stage("parse", lambda: parse_feed(result.body, url=result.final_url,
                                                   content_type=result.content_type, now=now))
    seen = in_stage("store", lambda: _seen(ctx, feed, parsed.entries))
    gap = scheduler.observed_gap([e.published for e in parsed.entries if e.published], now)
    polled = _Polled("fetched", result.etag, result.last_modified, body_hash, result.moved_to,
                     result.max_age, parsed.ttl_minutes, gap, len(parsed.entries), http_status=result.status)
    fresh = tuple(dict.fromkeys(e for e in parsed.entries if (e.key, e.link) not in seen))
    broken = (ParseError(parsed.error),) if parsed.error else ()
    return _Fetched(feed, now, polled=polled, entries=fresh, errors=broken + _skipped(feed, parsed))


def _skipped(feed: FeedState, parsed: ParsedFeed) -> tuple[MonitorError, ...]:
    """Entries the parser could not read are logged and left out; they fail the feed only when it
    had nothing else (one odd entry must not cost the others their feed's success)."""
    for reason in parsed.skipped:
        log.warning("entry skipped", extra={"feed_url": feed.url, "error": reason})
    if not parsed.skipped or parsed.entries:
        return ()
    return (StageError("identity", f"no entry could be read: {parsed.skipped[0]}"),)


def _seen(ctx: Context, feed: FeedState, entries: Sequence[FeedEntry]) -> set[tuple[str, str]]:
    """The entries stored already, and those deferred: listed again, they wait for their time."""
    with ctx.db.session() as session:  # one query for the whole document: most entries are known already
        seen = item_store.seen_entries(session, feed.id, [(e.key, e.link) for e in entries], feed.topics)
        waiting = deferred_store.deferred_keys(session, feed.id, [e.key for e in entries])
    return seen | {(e.key, e.link) for e in entries if e.key in waiting}


def _due_retries(ctx: Context, fetched: Sequence[_Fetched]) -> list[_Candidate]:
    """The deferred entries of the feeds just polled whose time has come, whatever the poll found (a
    304 and an unchanged body too, and whether the feed still lists them). A database failure leaves
    them for the feed's next poll."""
    feeds = {f.feed.id: f.feed for f in fetched}
    if not feeds:
        return []
    try:
        pages = in_stage("store", lambda: page_stage.take_due(ctx, feeds))
    except MonitorError as exc:
        log.warning("deferred pages not read", extra={"feeds": len(feeds), "error": str(exc)})
        return []
    return [_Candidate(feeds[page.feed_id], page.entry, page.attempts) for page in pages]


@dataclass(frozen=True)
class _Candidate:
    """An entry for stage 2: new in its feed, or deferred before after ``tried`` failed page fetches."""

    feed: FeedState
    entry: FeedEntry
    tried: int = 0

    @property
    def deferred(self) -> bool:
        return self.tried > 0


@dataclass(frozen=True)
class _Prepared:
    """An entry after stage 2: its page text and relevance, ready to be judged and stored."""

    feed: FeedState
    entry: FeedEntry
    article: Article
    relevance: Relevance
    deferred: bool = False  # its page was deferred before: storing it ends the deferral


_Done = _Prepared | DeferredPage | tuple[FeedState, MonitorError] | None  # what stage 2 makes of an entry


@dataclass
class _Stored:
    """What stages 2 and 3 did for one feed: new and relevant items, the entries that failed, and
    those whose page was deferred."""

    new: int = 0
    relevant: int = 0
    errors: list[MonitorError] = field(default_factory=list)
    deferred: int = 0


def _store_new_entries(
    ctx: Context, fetched: Sequence[_Fetched], retries: Sequence[_Candidate] = (),
) -> dict[int, _Stored]:
    """Stages 2 and 3, per feed id, for the new entries of ``fetched`` and the deferred entries
    ``retries``. An entry that fails is skipped and its error kept for its feed; one whose page
    failed for now is deferred; the feed's other entries are stored."""
    results = {f.feed.id: _Stored(errors=list(f.errors)) for f in fetched}
    for retry in retries:
        results.setdefault(retry.feed.id, _Stored())
    candidates = [_Candidate(f.feed, entry) for f in fetched for entry in f.entries] + list(retries)
    prepared = _prepare_all(ctx, candidates)
    for feed, error in (p for p in prepared if isinstance(p, tuple)):
        results[feed.id].errors.append(error)
    _defer(ctx, [p for p in prepared if isinstance(p, DeferredPage)], results)
    _store_prepared(ctx, [p for p in prepared if isinstance(p, _Prepared)], results)
    return results


def _prepare_all(ctx: Context, candidates: Sequence[_Candidate]) -> list[_Done]:
    """Stage 2 for every candidate: the screen first, then the pages, concurrently and fairly across hosts."""
    polling = ctx.config.polling
    screened = [(candidate, _screen(ctx, candidate)) for candidate in candidates]
    work = [candidate for candidate, done in screened if done is None]
    prepared: list[_Done] = [done for _, done in screened if done is not None]
    prepared += run_fair(work, key=lambda c: _host(c.entry.link), work=lambda c: _prepare_entry(ctx, c),
                         concurrency=polling.concurrency, per_key=polling.per_host)
    return prepared


def _defer(ctx: Context, pages: Sequence[DeferredPage], results: dict[int, _Stored]) -> None:
    """Record the entries whose page failed for now, to be fetched again at a later poll of their
    feed. A failure to record them is their feeds' failure: a changed feed is then read again, and
    an entry deferred before keeps its deferral, so none is lost."""
    if not pages:
        return
    try:
        in_stage("store", lambda: page_stage.record(ctx, pages))
    except MonitorError as exc:
        for feed_id in dict.fromkeys(page.feed_id for page in pages):
            results[feed_id].errors.append(exc)
        log.warning("deferred pages not recorded", extra={"entries": len(pages), "error": str(exc)})
        return
    for page in pages:
        results[page.feed_id].deferred += 1
    metrics.DEFERRED_PAGES.inc(len(pages))


def _store_prepared(ctx: Context, prepared: Sequence[_Prepared], results: dict[int, _Stored]) -> None:
    """Stage 3: judge and store the prepared entries in publication order."""
    plain: list[_Prepared] = []  # irrelevant entries, stored many at a time but never after a later relevant one
    for item in _oldest_first(prepared):
        if not item.relevance.relevant:
            plain.append(item)
            continue
        _store_plain(ctx, plain, results)
        plain = []
        _store_relevant(ctx, item, results[item.feed.id])
    _store_plain(ctx, plain, results)


def _store_relevant(ctx: Context, item: _Prepared, result: _Stored) -> None:
    try:
        stored = in_stage("store", lambda: _store(ctx, _new_item(ctx, item)))
    except MonitorError as exc:
        result.errors.append(exc)
        log.warning("entry not stored", extra={"feed_url": item.feed.url, "entry": item.entry.key, "error": str(exc)})
        return
    result.new += stored
    result.relevant += stored


def _store_plain(ctx: Context, items: Sequence[_Prepared], results: dict[int, _Stored]) -> None:
    """Store entries that need no judgement in one transaction; a failure is kept for each of their feeds."""
    if not items:
        return
    try:
        stored = in_stage("store", lambda: _insert_plain(ctx, [_new_item(ctx, item) for item in items]))
    except MonitorError as exc:
        for feed_id in dict.fromkeys(item.feed.id for item in items):
            results[feed_id].errors.append(exc)
        log.warning("entries not stored", extra={"entries": len(items), "error": str(exc)})
        return
    for feed_id, _ in stored:  # one row per (feed, key), however often the feed repeated it
        results[feed_id].new += 1


def _screen(ctx: Context, candidate: _Candidate) -> _Prepared | tuple[FeedState, MonitorError] | None:
    """Stage 2 without the network, for the common case: an entry whose title and teaser carry no
    watched term cannot match (every topic needs one of its terms), so unless pages are always
    fetched it is irrelevant as it stands, and its language is left unknown. None when the entry
    needs the full stage 2."""
    if ctx.config.polling.fetch_articles == "always":
        return None
    feed, entry = candidate.feed, candidate.entry
    try:
        if in_stage("match", lambda: may_match(_topics(ctx, feed), entry.title, entry.summary)):
            return None
    except MonitorError as exc:
        return feed, exc
    return _Prepared(feed, entry, Article(text=entry.summary, source="summary"), Relevance((), (), 0.0),
                     candidate.deferred)


def _topics(ctx: Context, feed: FeedState) -> list[TopicQuery]:
    """The topics looked for in ``feed``: all of them, or those it is limited to. A feed limited to
    topics the config no longer defines (one imported with them, the topics removed since) keeps
    those that remain, and when none remain applies to all topics again rather than matching
    nothing; either is logged once per feed and process."""
    if feed.topics is None:
        return list(ctx.topics)
    chosen = [t for t in ctx.topics if t.name in feed.topics]
    if len(chosen) < len(set(feed.topics)) and (feed.id, feed.topics) not in _TOPICS_NOTED:
        _TOPICS_NOTED.add((feed.id, feed.topics))
        defined = {t.name for t in ctx.topics}
        log.warning("feed limited to topics the config no longer defines", extra={
            "feed_url": feed.url, "unknown": ",".join(t for t in feed.topics if t not in defined),
            "topics": ",".join(t.name for t in chosen) or "all"})
    return chosen if chosen or not feed.topics else list(ctx.topics)


_TOPICS_NOTED: set[tuple[int, tuple[str, ...]]] = set()  # (feed id, its topics) whose unknown topics were logged


def _prepare_entry(ctx: Context, candidate: _Candidate) -> _Done:
    """Stage 2 for one entry, with its failure (if any) kept for its feed instead of raised."""
    try:
        return _prepare(ctx, candidate)
    except MonitorError as exc:
        feed = candidate.feed
        log.warning("entry not prepared", extra={"feed_url": feed.url, "entry": candidate.entry.key, "error": str(exc)})
        return feed, exc


def _oldest_first(items: Sequence[_Prepared]) -> list[_Prepared]:
    """By publication time, oldest first (feeds list the newest first); undated ones after the dated."""
    dated = sorted((p for p in items if p.entry.published), key=lambda p: p.entry.published or datetime.min)
    return dated + [p for p in items if not p.entry.published]


def _prepare(ctx: Context, candidate: _Candidate) -> _Prepared | DeferredPage | None:
    """Stage 2 for one entry: resolve its link, fetch and extract the page, match the watchlist; or,
    when the page failed for now and attempts remain, its deferral."""
    feed, entry = candidate.feed, candidate.entry
    topics = _topics(ctx, feed)
    worth_fetching = in_stage("match", lambda: may_match(topics, entry.title, entry.summary))
    resolved = in_stage("identity", lambda: _resolve_link(ctx, entry, worth_fetching))
    if resolved is not entry:
        if in_stage("store", lambda: _seen_before(ctx, candidate, resolved)):
            return None
        entry = resolved
    page = page_stage.fetch(ctx, entry, worth_fetching)
    if isinstance(page, FetchError) and page_stage.retry_later(ctx, page, candidate.tried):
        return page_stage.deferral(ctx, feed, entry, candidate.tried + 1, page)
    article = page_stage.article(entry, page)
    if entry.published is None:
        published, offset = _stated_date(ctx, article, entry.link)
        entry = replace(entry, published=published, utc_offset=offset)
    relevance = in_stage("match", lambda: match(topics, entry.title, article.text or entry.summary, article.language))
    return _Prepared(feed, entry, article, relevance, candidate.deferred)


def _stated_date(ctx: Context, article: Article, link: str) -> tuple[datetime | None, int | None]:
    """When an entry without a date of its own was published: the date its page states (with the UTC
    offset it states), else the day its URL states (``/2025/08/11/``), else None (it is dated by its
    fetch time and its date is no evidence)."""
    now = ctx.clock.now()
    return parse_date_offset(article.published, now) or (url_date(link, now), None)


def _seen_before(ctx: Context, candidate: _Candidate, resolved: FeedEntry) -> bool:
    """Whether the publisher's own feed brought the resolved article already; if so the Google entry
    is remembered (not judged again)."""
    feed, entry = candidate.feed, candidate.entry
    with ctx.db.session() as session:
        seen = item_store.entry_seen(session, feed.id, resolved.key, resolved.link, feed.topics)
    if seen:
        _insert_plain(ctx, [_new_item(ctx, _Prepared(feed, replace(entry, link=""), fallback("", None),
                                                     Relevance((), (), 0.0), candidate.deferred))])
    return seen


def _resolve_link(ctx: Context, entry: FeedEntry, worth_fetching: bool) -> FeedEntry:
    """The entry with its Google News link replaced by the publisher's URL (when worth the requests)."""
    if ctx.google is None or not worth_fetching or not ctx.google.handles(entry.link):
        return entry
    if ctx.config.polling.fetch_articles == "never":
        return entry
    try:
        link = canonical_url(ctx.google.resolve(entry.link))
    except FetchError as exc:
        log.info("google news link not resolved", extra={"url": entry.link, "error": str(exc)})
        return entry
    if not link:
        log.info("google news link not resolved", extra={"url": entry.link, "error": "publisher URL over the cap"})
        return entry
    return replace(entry, link=link)


def _new_item(ctx: Context, item: _Prepared) -> NewItem:
    text = item.article.text or item.entry.title
    return NewItem(feed_id=item.feed.id, entry=item.entry, article=item.article, relevance=item.relevance,
                   judgement=None, content_hash=content_hash(text), fetched_at=ctx.clock.now(),
                   outlet=item.entry.source or item.feed.name, deferred=item.deferred)


def _store(ctx: Context, item: NewItem) -> bool:
    """Judge a relevant item and store it; False when another feed or replica stored it first."""
    judgement = judge_and_store(ctx, item)
    if judgement is None:
        if item.deferred:  # the article was stored meanwhile: nothing is left to fetch
            with ctx.db.session() as session:
                deferred_store.settle(session, [(item.feed_id, item.entry.key)])
        return False
    metrics.ITEMS.labels(verdict=judgement.verdict).inc()
    _count_extraction_failures([item])
    return True


def _insert_plain(ctx: Context, items: Sequence[NewItem]) -> set[tuple[int, str]]:
    """Store items that need no judgement; returns the (feed id, entry key) of those not stored before."""
    with ctx.db.session() as session:
        stored = item_store.add_unjudged(session, items)
        taken = [replace(item, entry=replace(item.entry, link="")) for item in items
                 if item.entry.link and (item.feed_id, item.entry.key) not in stored]
        item_store.add_unjudged(session, taken)  # another feed's item holds the URL: remember this entry by its key
    metrics.ITEMS.labels(verdict="irrelevant").inc(len(stored))
    _count_extraction_failures([item for item in items if (item.feed_id, item.entry.key) in stored])
    return stored


def _count_extraction_failures(items: Sequence[NewItem]) -> None:
    failed = sum(1 for item in items if item.article.error_stage == ExtractError.stage)
    if failed:
        metrics.EXTRACTION_FAILURES.inc(failed)


def _policy(ctx: Context, feed: FeedState) -> scheduler.PollPolicy:
    polling = ctx.config.polling
    interval = timedelta(seconds=feed.interval_seconds) if feed.interval_seconds else polling.interval
    return scheduler.PollPolicy(interval, polling.min_interval, polling.max_interval)


def _succeeded(
    ctx: Context, feed: FeedState, polled: _Polled, now: datetime, batch: SuccessBatch | None = None,
) -> FeedOutcome:
    gap = polled.gap
    if gap is None and feed.observed_gap_seconds:
        gap = timedelta(seconds=feed.observed_gap_seconds)
    read = polled.result == "fetched"  # a 304 or an unchanged body keeps the wait the feed asked for before
    ttl = polled.ttl if read else feed.ttl_minutes
    next_at = scheduler.next_poll(now, _policy(ctx, feed), ttl_minutes=ttl, max_age=polled.max_age, observed_gap=gap)
    status = poll_status(polled.result, polled.http_status)
    row = PollSuccess(
        feed.id, now, status, next_at, polled.new, polled.etag, polled.last_modified, polled.body_hash,
        polled.moved_to, int(polled.gap.total_seconds()) if polled.gap else None, (polled.ttl or 0) if read else None,
    )
    if batch is not None and polled.moved_to is None:
        batch.add(row)
    else:
        with ctx.db.session() as session:
            feed_store.record_successes(session, [row])
    if polled.moved_to:
        log.info("feed moved permanently", extra={"feed_url": feed.url, "new_url": polled.moved_to})
    metrics.POLLS.labels(result=status).inc()
    level = logging.INFO if polled.new or polled.moved_to else logging.DEBUG  # 304s are the common case
    if log.isEnabledFor(level):
        log.log(level, "feed polled", extra={"feed_url": feed.url, "status": status, "entries": polled.entries,
                                       "new_items": polled.new, "next_poll": next_at.isoformat(timespec="seconds")})
    return FeedOutcome(feed.url, polled.result, polled.http_status, entries=polled.entries, new_items=polled.new,
                       relevant=polled.relevant)


def _failed(ctx: Context, feed: FeedState, exc: MonitorError, now: datetime) -> FeedOutcome:
    retry_after = exc.retry_after if isinstance(exc, FetchError) else None
    status = exc.status if isinstance(exc, FetchError) else None
    answered = ctx.clock.now()  # Retry-After counts from the answer, not from when the request was sent
    next_at = scheduler.next_poll(answered, _policy(ctx, feed), failures=feed.error_count + 1,
                                  retry_after=retry_after)
    with ctx.db.session() as session:
        state = feed_store.record_failure(
            session, feed.id, now=now, error=str(exc), next_poll_at=next_at, status=status, permanent=exc.permanent,
            disable_after=ctx.config.polling.disable_after,
        )
    metrics.POLLS.labels(result="error").inc()
    log.warning("feed failed", extra={"feed_url": feed.url, "status": "error", "error": str(exc),
                                      "errors": state.error_count, "next_poll": next_at.isoformat(timespec="seconds")})
    if not state.enabled:
        log.warning("feed disabled", extra={"feed_url": feed.url, "permanent_failures": state.permanent_failures})
    alerts.feed_trouble(ctx, state, now)
    return FeedOutcome(feed.url, "error", error=str(exc))
