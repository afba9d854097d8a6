"""Typed values passed between stages.

No ORM row and no feedparser dict crosses a stage boundary: each stage takes and
returns these frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

Verdict = Literal["new", "update", "repeat"]
VsSeeds = Literal["new", "known"]
TextSource = Literal["page", "summary"]
PollResult = Literal["fetched", "not-modified", "unchanged", "error"]


@dataclass(frozen=True)
class FetchResult:
    """One HTTP answer, after redirects; ``body`` is empty for a 304."""

    url: str
    final_url: str
    status: int
    body: bytes
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    elapsed_ms: int = 0
    moved_to: str | None = None  # where the leading permanent redirects (301/308) lead
    max_age: float | None = None  # seconds the server says the response stays fresh
    wire_bytes: int = 0  # bytes received on the wire (before decompression)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed, with a stable identity and a canonical link."""

    key: str
    title: str
    link: str
    summary: str
    published: datetime | None
    author: str = ""
    source: str = ""  # the publisher an aggregator (e.g. Google News) names for this entry
    # the UTC offset (minutes east) ``published`` was stated in (``+0500``: 300); None when it stated
    # none. ``published`` is UTC; relative dates in the text count from the publisher's calendar day.
    utc_offset: int | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """A feed document reduced to what the pipeline needs."""

    title: str
    entries: tuple[FeedEntry, ...]
    ttl_minutes: int | None = None
    skipped: tuple[str, ...] = ()  # entries that could not be read, each with why
    error: str | None = None  # the document is malformed; ``entries`` are what could be salvaged


@dataclass(frozen=True)
class Article:
    """The readable text of an entry, from its page or (failing that) its summary."""

    text: str
    source: TextSource
    title: str = ""
    author: str = ""
    sitename: str = ""
    language: str = ""
    published: str = ""  # the page's own publication date (day precision), when it states one
    error: str | None = None  # why the summary stands in for the page, as stored ("extract: ...")
    error_stage: str | None = None  # the stage that failed ("fetch", "extract")


@dataclass(frozen=True)
class Evidence:
    """One reason an article matched: a topic, the term that hit, and where."""

    topic: str
    term: str
    where: Literal["title", "text"]


@dataclass(frozen=True)
class Relevance:
    """Which topics an article is about, and why."""

    topics: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    score: float

    @property
    def relevant(self) -> bool:
        return bool(self.topics)

    def explain(self, limit: int = 5) -> str:
        """A short human line, ``Imran Khan in title; Adiala jail in text``: each term once, where it
        counts most, title first, at most ``limit`` terms."""
        where: dict[str, str] = {}
        for ev in self.evidence:
            if where.get(ev.term) != "title":
                where[ev.term] = ev.where
        ordered = sorted(where.items(), key=lambda kv: kv[1] != "title")
        return "; ".join(f"{term} in {place}" for term, place in ordered[:limit])


@dataclass(frozen=True)
class Judgement:
    """The novelty verdict on one article."""

    verdict: Verdict
    vs_seeds: VsSeeds
    score: float
    novel_sentences: tuple[str, ...] = ()
    known_sentences: int = 0
    total_sentences: int = 0
    story: int | None = None
    vector: bytes = b""  # the multilingual vector it was compared with (float16), kept for restarts
    vector_of: str = ""  # the fingerprint of the model and the text the vector was computed from
    # each known sentence with the key of the document it matched ("item:12", a seed's key); a
    # sentence of "" means the whole report repeats that document
    matches: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Thresholds:
    """The novelty judge's sentence and copy thresholds (calibrated for the wordllama embedder); the
    story and development decisions are fitted (:mod:`monitor.novelty.model`)."""

    sentence_low: float = 0.30
    sentence_high: float = 0.80
    duplicate_containment: float = 0.8
    min_sentence_chars: int = 25
    languages: frozenset[str] = frozenset({"en"})


@dataclass(frozen=True)
class JudgeSettings:
    """What the novelty judge is built with: its sentence embedder, thresholds and story window."""

    embedder: str = "wordllama"
    thresholds: Thresholds = field(default_factory=Thresholds)
    story_window: timedelta = timedelta(days=14)


@dataclass(frozen=True)
class SeedDoc:
    """One seed article: coverage the user already knows."""

    key: str
    title: str
    text: str
    outlet: str = ""
    published: str = ""
    url: str = ""


@dataclass(frozen=True)
class NewItem:
    """An article ready to be stored: everything the earlier stages found."""

    feed_id: int
    entry: FeedEntry
    article: Article
    relevance: Relevance
    judgement: Judgement | None  # None for irrelevant entries, kept only so they are not fetched again
    content_hash: str
    fetched_at: datetime
    outlet: str = ""
    deferred: bool = False  # its page was deferred before: storing it settles the deferral (same transaction)


@dataclass(frozen=True)
class DeferredPage:
    """An entry whose article page failed for now (a timeout, a refused connection, a 429, a 5xx),
    kept whole so that a poll of its feed from ``next_attempt_at`` fetches the page again:
    ``attempts`` failed fetches so far, the last one's ``error`` as stored (redacted)."""

    feed_id: int
    entry: FeedEntry
    attempts: int
    error: str
    next_attempt_at: datetime


@dataclass(frozen=True)
class FeedOutcome:
    """What one poll of one feed did: ``result``, with the HTTP status of a fetched document."""

    feed_url: str
    result: PollResult
    http_status: int | None = None
    entries: int = 0
    new_items: int = 0
    relevant: int = 0
    error: str | None = None
    deferred: int = 0  # entries whose page failed for now, to be fetched again at a later poll

    @property
    def status(self) -> str:
        """The result as stored on the feed and counted in metrics: the HTTP status of a fetched
        document (``200``), ``304``, ``unchanged`` (a body seen before) or ``error``."""
        return poll_status(self.result, self.http_status)


def poll_status(result: PollResult, http_status: int | None) -> str:
    """See :attr:`FeedOutcome.status`."""
    if result == "fetched":
        return str(http_status or 200)
    return "304" if result == "not-modified" else result


@dataclass(frozen=True)
class PollSuccess:
    """The state a successful poll of one feed leaves: its status (the HTTP status, or ``unchanged``
    for a body seen before), validators, schedule and what it found."""

    feed_id: int
    polled_at: datetime
    status: str
    next_poll_at: datetime
    items: int
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    moved_to: str | None = None
    observed_gap_seconds: int | None = None
    ttl_minutes: int | None = None  # the wait the feed asked for in this body (0: none); None: not read


@dataclass(frozen=True)
class Source:
    """One outlet's article about a story."""

    outlet: str
    published: datetime | None
    url: str
    added: tuple[str, ...] = ()  # what this report added to the story's earlier reports ("same report" if none)


@dataclass(frozen=True)
class DigestEntry:
    """One item, or (after grouping) one story, as a digest shows it."""

    item_id: int
    title: str
    url: str
    outlet: str
    published: datetime | None
    verdict: Verdict
    score: float
    matched: str
    novel_sentences: tuple[str, ...]
    summary: str
    story: int | None = None
    sources: tuple[Source, ...] = ()
    earlier: tuple[Source, ...] = ()  # earlier reports of the same story, sent in earlier digests


@dataclass(frozen=True)
class DigestContent:
    """Everything a template needs to render one digest."""

    name: str
    title: str
    window_end: datetime
    entries: tuple[DigestEntry, ...]
    more: int = 0
    generated_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)
    timezone: str = "UTC"  # every time in the digest is shown in this zone
    public_url: str = ""  # where the story pages are served, for a link from each story


@dataclass(frozen=True)
class FeedSpec:
    """A feed as the config (or an OPML import) defines it."""

    url: str
    name: str
    topics: tuple[str, ...] | None
    interval_seconds: int | None
    source: str = "config"


@dataclass(frozen=True)
class FeedState:
    """A feed's stored polling state."""

    id: int
    url: str
    name: str
    topics: tuple[str, ...] | None
    interval_seconds: int | None
    enabled: bool
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    last_polled_at: datetime | None
    next_poll_at: datetime | None
    last_status: str | None
    last_error: str | None
    error_count: int
    items_last_poll: int
    source: str = "config"
    fetch_url: str | None = None
    permanent_failures: int = 0
    failing_since: datetime | None = None
    alerted: bool = False
    observed_gap_seconds: int | None = None
    ttl_minutes: int | None = None  # the least wait the feed last asked for (RSS ttl, sy:updatePeriod)
    claimed_by: str | None = None  # the process (host:pid-namespace:pid:token) polling it now, until claimed_until
    claimed_until: datetime | None = None
    listed: bool = True  # in the config or imported; a feed the config left behind is no longer polled

    @property
    def poll_url(self) -> str:
        """Where to fetch the feed: its new address after a permanent redirect, else its own."""
        return self.fetch_url or self.url


@dataclass(frozen=True)
class PendingDelivery:
    """A digest still owed to one channel."""

    delivery_id: int
    digest_id: int
    digest_name: str
    due_at: datetime
    channel: str
    attempts: int
    rendered: str | None = None  # the message as first rendered (JSON), so a re-send is byte-identical


@dataclass(frozen=True)
class KnownItem:
    """A stored relevant item, as the novelty judge relearns it at start-up."""

    id: int
    title: str
    text: str
    published: datetime  # the time it was judged at (its publication, else when it was fetched)
    story: int | None
    language: str
    verdict: str | None = None
    vs_seeds: str | None = None
    vector: bytes | None = None
    vector_of: str | None = None
    dated: bool = True  # False: stored without a publication date (``published`` is when it was fetched)


@dataclass(frozen=True)
class StoredVector:
    """A multilingual vector as stored: float16 bytes, and the fingerprint of what it was computed
    from (see :mod:`monitor.novelty.vectors`)."""

    data: bytes
    of: str


@dataclass(frozen=True)
class ChannelState:
    """One channel of a digest: its latest delivery's state, and when it last received the digest."""

    channel: str
    status: str  # pending, sent or failed
    last_error: str | None
    last_sent: datetime | None


@dataclass(frozen=True)
class StoryReport:
    """One report of a story, as its page shows it."""

    item_id: int
    title: str
    url: str
    outlet: str
    published: datetime
    verdict: Verdict
    vs_seeds: str
    text: str  # empty once retention has cleared it
    novel_sentences: tuple[str, ...]
    matches: tuple[tuple[str, str], ...]  # as in Judgement.matches


@dataclass(frozen=True)
class StoryLine:
    """A story in the list of recent stories."""

    id: int
    title: str
    updated: datetime
    reports: int
    outlets: tuple[str, ...]
    verdict: Verdict  # its best: new, else update, else repeat


@dataclass(frozen=True)
class Known:
    """A document a known sentence matched: a seed or an earlier report."""

    key: str
    title: str
    outlet: str
    url: str
    story: int | None = None  # an earlier report's story (None for a seed)
    position: int | None = None  # an earlier report's place in its story's order (0: the first)
