"""Stage 2's network part for one entry: its article page, fetched and extracted; or, when the page
failed for now (a timeout, a refused connection, a 429, a 5xx), the entry's deferral, kept in the
store (:mod:`monitor.store.deferred`) for a later poll of its feed to fetch the page again. At its
last attempt (``polling.page_attempts``) the feed's teaser stands in, as it does at once for a page
that will not come (a 404, a 410, a page that is not HTML). The order of the stages is
:mod:`monitor.pipeline`'s."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from monitor import scheduler
from monitor.context import Context
from monitor.errors import FetchError, in_stage
from monitor.extract import extract_article, fallback
from monitor.fetch.page import fetch_page
from monitor.store import deferred as deferred_store
from monitor.store import items as item_store
from monitor.types import Article, DeferredPage, FeedEntry, FeedState

log = logging.getLogger(__name__)


def fetch(ctx: Context, entry: FeedEntry, relevant: bool) -> bytes | FetchError | None:
    """The entry's page, or why it could not be fetched; None when it is not to be fetched (no link,
    or ``polling.fetch_articles`` says no)."""
    policy = ctx.config.polling.fetch_articles
    if not entry.link or policy == "never" or (policy == "relevant" and not relevant):
        return None
    try:
        return in_stage("page", lambda: fetch_page(ctx.http, entry.link, max_bytes=ctx.config.polling.max_page_bytes))
    except FetchError as exc:
        log.info("article fetch failed", extra={"url": entry.link, "error": str(exc)})
        return exc


def article(entry: FeedEntry, page: bytes | FetchError | None) -> Article:
    """The page's text, or the teaser standing in for it (with the failure, if the page failed)."""
    if page is None or isinstance(page, FetchError):
        return fallback(entry.summary, page)
    html = page
    return in_stage("extract", lambda: extract_article(html, url=entry.link, summary=entry.summary))


def retry_later(ctx: Context, exc: FetchError, tried: int) -> bool:
    """Whether a page that failed is fetched again at a later poll rather than replaced by the teaser
    now: the failure may pass (a timeout, a refused connection, a 429, a 5xx; not a 404, a 410 or a
    page that is not HTML) and ``polling.page_attempts`` allows another attempt."""
    return not exc.permanent and tried + 1 < ctx.config.polling.page_attempts


def deferral(ctx: Context, feed: FeedState, entry: FeedEntry, attempts: int, exc: FetchError) -> DeferredPage:
    """The entry, deferred after ``attempts`` failed fetches of its page, until the back-off ends."""
    next_at = scheduler.page_retry(ctx.clock.now(), attempts, exc.retry_after)
    log.info("article page deferred", extra={"feed_url": feed.url, "url": entry.link, "attempts": attempts,
                                             "error": str(exc), "next_attempt": next_at.isoformat(timespec="seconds")})
    return DeferredPage(feed.id, entry, attempts, str(exc), next_at)


def record(ctx: Context, pages: Sequence[DeferredPage]) -> None:
    """Store the deferrals (a new one, or the next attempt of one)."""
    with ctx.db.session() as session:
        deferred_store.defer(session, pages, ctx.clock.now())


def take_due(ctx: Context, feeds: dict[int, FeedState]) -> list[DeferredPage]:
    """The due deferrals of ``feeds``; those whose article another feed or replica stored meanwhile
    are ended, not fetched again."""
    with ctx.db.session() as session:
        pages = deferred_store.due(session, list(feeds), ctx.clock.now())
        stored = {(p.feed_id, p.entry.key) for p in pages
                  if item_store.entry_seen(session, p.feed_id, p.entry.key, p.entry.link, feeds[p.feed_id].topics)}
        deferred_store.settle(session, stored)
    return [page for page in pages if (page.feed_id, page.entry.key) not in stored]
