"""The items aggregate: stored articles with their relevance and novelty verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime
from typing import Literal, cast

from sqlalchemy import Table, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from monitor.redact import redact, without_credentials
from monitor.store import deferred
from monitor.store.schema import DeliveryRow, DigestItemRow, FeedRow, ItemRow
from monitor.types import DigestEntry, Evidence, NewItem, Relevance, Source, Verdict


def stored_url(link: str) -> str:
    """A link as it is stored, and so shown in digests, pages and the Atom feed: without credentials
    or secret query values (a private feed's ``?token=``); the page was fetched with them."""
    return without_credentials(link) if link else ""


def entry_seen(session: Session, feed_id: int, key: str, url: str, topics: Sequence[str] | None = None) -> bool:
    """Whether this entry (same feed and key) or this article (same canonical URL) is stored, for a
    feed that reads ``topics`` (None: all); see :func:`seen_entries`."""
    return bool(seen_entries(session, feed_id, [(key, url)], topics))


def seen_entries(
    session: Session, feed_id: int, entries: Sequence[tuple[str, str]], topics: Sequence[str] | None = None,
) -> set[tuple[str, str]]:
    """Which (key, canonical URL) pairs are stored already for a feed that reads ``topics`` (None:
    all): same feed and key, or same URL. A URL another feed stored as irrelevant while reading
    fewer topics is not settled: the article may be about a topic that feed did not look for."""
    keys = [key for key, _ in entries]
    as_stored = {url: stored_url(url) for _, url in entries if url}
    urls = list(as_stored.values())
    known_keys: set[str] = set()
    known_urls: set[str] = set()
    for start in range(0, max(len(keys), len(urls)), 500):
        known_keys.update(session.scalars(select(ItemRow.entry_key).where(
            ItemRow.feed_id == feed_id, ItemRow.entry_key.in_(keys[start : start + 500]))))
        if urls[start : start + 500]:
            known_urls.update(_settled(session, urls[start : start + 500], feed_id, topics))
    return {(key, url) for key, url in entries if key in known_keys or (url and as_stored[url] in known_urls)}


def _settled(session: Session, urls: Sequence[str], feed_id: int, topics: Sequence[str] | None) -> set[str]:
    """Of ``urls``, those whose stored item settles the article for a feed reading ``topics``: it is
    relevant, or was stored by this feed, or by one that read every topic this one reads."""
    query = (select(ItemRow.url, ItemRow.verdict, ItemRow.feed_id, FeedRow.topics)
             .join(FeedRow, FeedRow.id == ItemRow.feed_id).where(ItemRow.url.in_(list(urls))))
    return {url for url, verdict, owner, read in session.execute(query)
            if url and (verdict is not None or owner == feed_id or _covers(read, topics))}


def _covers(read: Sequence[str] | None, topics: Sequence[str] | None) -> bool:
    """Whether a feed that read ``read`` (None: all topics) looked for every topic of ``topics``."""
    return read is None or (topics is not None and set(topics) <= set(read))


def free_url(session: Session, url: str) -> None:
    """Let a relevant item take ``url`` from an item stored as irrelevant (by a feed that read other
    topics); that item stays, known by its feed and key."""
    if url:
        session.execute(update(ItemRow).where(ItemRow.url == stored_url(url), ItemRow.verdict.is_(None))
                        .values(url=None))


def add_item(session: Session, item: NewItem) -> int:
    """Store an item with its relevance and verdict (ending its page's deferral, if any); returns its id."""
    row = ItemRow(**_values(item))
    session.add(row)
    session.flush()
    if item.deferred:
        deferred.settle(session, [(item.feed_id, item.entry.key)])
    return row.id


def add_unjudged(session: Session, items: Sequence[NewItem]) -> set[tuple[int, str]]:
    """Store items that need no judgement, in statements of many rows, keeping the first of any
    that are stored already (same feed and key, or same URL), and end the deferrals of those whose
    page was deferred (stored now or before, they are settled). Returns the (feed id, entry key)
    of those stored."""
    if not items:
        return set()
    deferred.settle(session, [(item.feed_id, item.entry.key) for item in items if item.deferred])
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = cast(Table, ItemRow.__table__)  # a plain table insert: the ORM's bulk path costs a fifth more per row
    statement = insert(table).on_conflict_do_nothing().returning(table.c.feed_id, table.c.entry_key)
    stored: set[tuple[int, str]] = set()
    for start in range(0, len(items), 500):
        rows = session.execute(statement, [_values(item) for item in items[start : start + 500]])
        stored.update((feed_id, key) for feed_id, key in rows)
    return stored


def _values(item: NewItem) -> dict[str, object]:
    entry, article, judgement = item.entry, item.article, item.judgement
    return dict(
        feed_id=item.feed_id, entry_key=entry.key, url=stored_url(entry.link) or None,
        title=entry.title or article.title,
        summary=entry.summary, text=article.text, text_source=article.source,
        extract_error=redact(article.error) if article.error else None,
        author=entry.author or article.author, outlet=item.outlet, sitename=article.sitename, language=article.language,
        published_at=entry.published or item.fetched_at, fetched_at=item.fetched_at,
        content_hash=item.content_hash, topics=list(item.relevance.topics),
        evidence=[asdict(ev) for ev in item.relevance.evidence], relevance=item.relevance.score,
        verdict=judgement.verdict if judgement else None, vs_seeds=judgement.vs_seeds if judgement else None,
        score=judgement.score if judgement else 0.0,
        novel_sentences=list(judgement.novel_sentences) if judgement else [],
        story_id=judgement.story if judgement else None, vector=judgement.vector or None if judgement else None,
        vector_of=judgement.vector_of or None if judgement else None,
        matches=[list(pair) for pair in judgement.matches] if judgement else [],
    )


def prune(session: Session, before: datetime) -> tuple[int, int]:
    """Retention: delete irrelevant items fetched before ``before`` and clear the raw text (text,
    summary) of older relevant ones, which keep their verdict, story and "what's new" sentences.
    Returns (deleted, cleared)."""
    deleted = session.execute(
        delete(ItemRow).where(ItemRow.verdict.is_(None), ItemRow.fetched_at < before).returning(ItemRow.id)
    ).all()
    cleared = session.execute(
        update(ItemRow).where(ItemRow.verdict.is_not(None), ItemRow.fetched_at < before,
                              or_(ItemRow.text != "", ItemRow.summary != ""))
        .values(text="", summary="").returning(ItemRow.id)
    ).all()
    return len(deleted), len(cleared)


def undigested(
    session: Session, digest_name: str, verdicts: Sequence[str], since: datetime | None = None, min_score: float = 0.0,
) -> list[DigestEntry]:
    """Relevant items with one of ``verdicts`` and a score of at least ``min_score``, fetched since
    ``since``, not yet reserved by a digest of this name, best first. (An item scored below stays
    unreserved, and is left in the database, not loaded again at every look.)"""
    reserved = select(DigestItemRow.item_id).where(DigestItemRow.digest_name == digest_name)
    query = (
        select(ItemRow, FeedRow.name)
        .join(FeedRow, FeedRow.id == ItemRow.feed_id)
        .where(ItemRow.verdict.in_(list(verdicts)), ItemRow.score >= min_score, ItemRow.id.not_in(reserved))
        .order_by(ItemRow.score.desc(), ItemRow.published_at.desc(), ItemRow.id)
    )
    if since is not None:
        query = query.where(ItemRow.fetched_at >= since)
    return [_entry(row, feed_name) for row, feed_name in session.execute(query)]


def earlier_reports(
    session: Session, stories: Sequence[int], exclude: Sequence[int], *, digest: str, channel: str | None = None,
    before: int | None = None, limit: int = 3,
) -> dict[int, tuple[Source, ...]]:
    """For each story, up to ``limit`` of its most recent items outside ``exclude`` that an earlier digest
    ``digest`` (one numbered below ``before``, when given) delivered: to ``channel``, or to any channel."""
    if not stories:
        return {}
    delivered = select(DeliveryRow.digest_id).where(DeliveryRow.status == "sent")
    if channel is not None:
        delivered = delivered.where(DeliveryRow.channel == channel)
    query = (
        select(ItemRow.story_id, ItemRow.title, ItemRow.url, ItemRow.published_at, ItemRow.outlet)
        .join(DigestItemRow, DigestItemRow.item_id == ItemRow.id)
        .where(ItemRow.story_id.in_(list(stories)), ItemRow.id.not_in(list(exclude) or [0]),
               DigestItemRow.digest_name == digest, DigestItemRow.digest_id.in_(delivered))
        .order_by(ItemRow.published_at.desc(), ItemRow.id.desc())
    )
    if before is not None:
        query = query.where(DigestItemRow.digest_id < before)
    found: dict[int, list[Source]] = {}
    for story, title, url, published, outlet in session.execute(query):
        if story is not None and len(found.setdefault(story, [])) < limit:
            found[story].append(Source(f"{outlet}: {title}", published, url or ""))
    return {story: tuple(sources) for story, sources in found.items()}


def developments_since(session: Session, since: datetime) -> list[DigestEntry]:
    """Items judged new or update that were fetched since ``since`` (for the Atom feed); an undated
    one is dated by when it was fetched, so the feed is the same document until its items change."""
    query = (
        select(ItemRow, FeedRow.name).join(FeedRow, FeedRow.id == ItemRow.feed_id)
        .where(ItemRow.verdict.in_(["new", "update"]), ItemRow.fetched_at >= since)
        .order_by(ItemRow.fetched_at.desc(), ItemRow.id)
    )
    return [replace(_entry(row, feed_name), published=row.published_at or row.fetched_at)
            for row, feed_name in session.execute(query)]


def entries_by_id(session: Session, item_ids: Sequence[int]) -> list[DigestEntry]:
    query = (
        select(ItemRow, FeedRow.name).join(FeedRow, FeedRow.id == ItemRow.feed_id)
        .where(ItemRow.id.in_(list(item_ids)))
        .order_by(ItemRow.score.desc(), ItemRow.published_at.desc(), ItemRow.id)
    )
    return [_entry(row, feed_name) for row, feed_name in session.execute(query)]


def count_by_verdict(session: Session) -> dict[str, int]:
    query = select(ItemRow.verdict, func.count()).group_by(ItemRow.verdict)
    return {str(verdict or "irrelevant"): int(n) for verdict, n in session.execute(query)}


def _relevance(row: ItemRow) -> Relevance:
    """The stored relevance of an item: its topics and the evidence that matched."""
    evidence = tuple(Evidence(ev["topic"], ev["term"], cast(Literal["title", "text"], ev["where"]))
                     for ev in row.evidence)
    return Relevance(tuple(row.topics or ()), evidence, row.relevance or 0.0)


def _entry(row: ItemRow, feed_name: str) -> DigestEntry:
    verdict = cast(Verdict, row.verdict or "new")
    return DigestEntry(
        item_id=row.id, title=row.title, url=row.url or "", outlet=row.outlet or row.sitename or feed_name,
        published=row.published_at, verdict=verdict, score=row.score, matched=_relevance(row).explain(),
        novel_sentences=tuple(row.novel_sentences), summary=row.summary, story=row.story_id,
    )
