"""The operator's use cases: the state of feeds, items and deliveries, the seeds, and feed
administration. The command line and the web pages call these and present what they return; only
these (and the other use-case modules) open database sessions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from monitor.context import Context
from monitor.errors import UsageError
from monitor.opml import OpmlFeeds, read_opml
from monitor.startup import feed_name, load_seeds, sync_feeds
from monitor.store import deferred as deferred_store
from monitor.store import digests as digest_store
from monitor.store import feeds as feed_store
from monitor.store import items as item_store
from monitor.store import seeds as seed_store
from monitor.store import stories as story_store
from monitor.store.feeds import FeedError
from monitor.types import DeferredPage, DigestEntry, FeedSpec, FeedState, Known, SeedDoc, StoryLine, StoryReport


@dataclass(frozen=True)
class Overview:
    """What ``monitor status`` shows besides the digests: every feed, and items and deliveries counted."""

    feeds: tuple[FeedState, ...]
    verdicts: dict[str, int]
    deliveries: dict[str, int]
    unregistered: tuple[str, ...] = ()  # the config's feeds not in the database yet (by name), to be added at start
    deferred: dict[int, int] = field(default_factory=dict)  # entries whose page is to be fetched again, by feed id


@dataclass(frozen=True)
class FeedDetails:
    """One feed, its recent errors (the newest first) and its deferred pages (the next to be tried first)."""

    feed: FeedState
    errors: tuple[FeedError, ...]
    deferred: tuple[DeferredPage, ...] = ()


@dataclass(frozen=True)
class StoryList:
    """The most recently updated stories (those after the first ``offset``), and how many stories
    there are in all (listed or not)."""

    stories: tuple[StoryLine, ...]
    total: int
    offset: int = 0


@dataclass(frozen=True)
class StoryDetails:
    """One story: its title, some of its reports (those after the first ``offset``), how many it has in
    all, and the known documents the reports shown repeat, by key."""

    title: str
    reports: tuple[StoryReport, ...]
    known: dict[str, Known]
    total: int
    offset: int


def overview(ctx: Context) -> Overview:
    """Reads only: the config's feeds are compared with the stored ones, not added."""
    with ctx.db.reading() as session:
        feeds = tuple(feed_store.all_feeds(session))
        stored = {feed.url for feed in feeds}
        unregistered = tuple(feed_name(f.name, f.url) for f in ctx.config.all_feeds() if f.url not in stored)
        return Overview(feeds, item_store.count_by_verdict(session), digest_store.delivery_counts(session),
                        unregistered, deferred_store.counts(session))


def seeds(ctx: Context) -> list[SeedDoc]:
    """The seed corpus as stored, after loading the seed folder."""
    load_seeds(ctx)
    with ctx.db.session() as session:
        return seed_store.list_seeds(session)


def enable_feed(ctx: Context, ref: str) -> FeedState:
    """Re-enable a feed (by id, URL or name) and make it due now."""
    with ctx.db.session() as session:
        feed = _find(session, ref)
        feed_store.enable_feed(session, feed.id, ctx.clock.now())
    return feed


def feed_details(ctx: Context, ref: str) -> FeedDetails:
    with ctx.db.reading() as session:
        feed = _find(session, ref)
        return FeedDetails(feed, tuple(feed_store.recent_errors(session, feed.id)),
                           tuple(deferred_store.of_feed(session, feed.id)))


@dataclass(frozen=True)
class OpmlImport:
    """What ``feeds import`` did: the list as read, how many feeds were added, and a note for each
    added feed whose categories named none of the config's topics (it applies to all topics)."""

    found: OpmlFeeds
    added: int
    untopical: tuple[str, ...]
    updated: int = 0


def import_feeds(ctx: Context, specs: Sequence[FeedSpec]) -> int:
    """Add feeds beside the config's; returns how many were new."""
    with ctx.db.session() as session:
        return len(feed_store.add_feeds(session, specs, ctx.clock.now()).added)


def import_opml(ctx: Context, data: bytes, source_name: str) -> OpmlImport:
    """Add the feeds of an OPML document beside the config's, each limited to the config's topics
    its ``category`` attribute names (all topics when it names none); a feed imported before takes
    its name and topics from this document."""
    found = read_opml(data, source_name=source_name, topics=[topic.name for topic in ctx.config.topics])
    with ctx.db.session() as session:
        done = feed_store.add_feeds(session, found.specs, ctx.clock.now())
    changed = {*done.added, *done.updated}
    return OpmlImport(found, len(done.added), tuple(note for url, note in found.untopical if url in changed),
                      len(done.updated))


def listed_feeds(ctx: Context) -> list[FeedState]:
    """Every polled feed, the config's synced first (for an export)."""
    sync_feeds(ctx)
    with ctx.db.session() as session:
        return feed_store.all_feeds(session)


def developments(ctx: Context, days: int) -> list[DigestEntry]:
    """The items judged new or update in the last ``days`` (for the Atom feed)."""
    with ctx.db.reading() as session:
        return item_store.developments_since(session, ctx.clock.now() - timedelta(days=days))


def recent_stories(ctx: Context, days: int, limit: int = 100, offset: int = 0) -> StoryList:
    """The stories with a report in the last ``days``, the most recently updated first (``limit``
    of them after the first ``offset``), and how many there are in all."""
    since = ctx.clock.now() - timedelta(days=days)
    with ctx.db.reading() as session:
        return StoryList(tuple(story_store.recent(session, since, limit, offset)),
                         story_store.count_recent(session, since), offset)


def story_details(ctx: Context, story_id: int, offset: int = 0, limit: int | None = None) -> StoryDetails | None:
    """One story's reports, oldest first (``limit`` of them after the first ``offset``), with what they
    repeat; None when there is no such story."""
    with ctx.db.reading() as session:
        found = story_store.story(session, story_id, offset, limit)
        if found is None:
            return None
        title, reports = found
        total = story_store.report_count(session, story_id)
        known = story_store.known(session, (key for r in reports for _, key in r.matches))
    return StoryDetails(title, tuple(reports), known, total, offset)


def database_state(ctx: Context) -> tuple[str, float | None]:
    """``ok`` (or the error's type) and the age in seconds of the last successful poll, if any."""
    try:
        with ctx.db.reading() as session:
            session.execute(text("SELECT 1"))
            last = feed_store.last_success_at(session)
    except Exception as exc:  # the health report names what is wrong instead of failing
        return f"error: {type(exc).__name__}", None
    return "ok", (ctx.clock.now() - last).total_seconds() if last else None


def backlog(ctx: Context) -> tuple[int, int]:
    """(feeds due now, deliveries pending)."""
    with ctx.db.reading() as session:
        return feed_store.count_due(session, ctx.clock.now()), digest_store.pending_count(session)


def _find(session: Session, ref: str) -> FeedState:
    """The one feed ``ref`` names (an id, ``#ID``, a URL or a name); a UsageError when none or several do."""
    found = feed_store.find_feeds(session, ref)
    if not found:
        raise UsageError(f"no feed {ref!r}; see `monitor status` for ids")
    if len(found) > 1:
        ids = ", ".join(f"#{f.id} ({f.name})" for f in found)
        raise UsageError(f"{ref!r} names feeds {ids}; give one as #ID (e.g. #{found[0].id})")
    return found[0]
