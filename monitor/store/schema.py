"""SQLAlchemy 2 typed models. Changing them needs an Alembic migration in ``migrations/versions``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        from datetime import UTC

        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        from datetime import UTC

        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class FeedRow(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    topics: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    interval_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(String(10), default="config", server_default="config")
    in_config: Mapped[bool] = mapped_column(Boolean, default=True)
    fetch_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    body_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    last_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    permanent_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    alerted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    observed_gap_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ttl_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the feed's own least wait (0: none)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # a replica's lease
    claimed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)  # host:pid-namespace:pid:token
    items_last_poll: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedErrorRow(Base):
    """A feed's recent errors, each with its time (the newest few are kept)."""

    __tablename__ = "feed_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    permanent: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str] = mapped_column(Text)


class ItemRow(Base):
    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("feed_id", "entry_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    entry_key: Mapped[str] = mapped_column(String(1000))
    url: Mapped[str | None] = mapped_column(String(2000), unique=True, nullable=True)
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    text_source: Mapped[str] = mapped_column(String(20), default="summary")
    extract_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    author: Mapped[str] = mapped_column(String(300), default="")
    outlet: Mapped[str] = mapped_column(String(300), default="")
    sitename: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(20), default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    evidence: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    relevance: Mapped[float] = mapped_column(Float, default=0.0)
    verdict: Mapped[str | None] = mapped_column(String(10), nullable=True, index=True)
    vs_seeds: Mapped[str | None] = mapped_column(String(10), nullable=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    novel_sentences: Mapped[list[str]] = mapped_column(JSON, default=list)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"), nullable=True,
                                                 index=True)
    # the multilingual vector the judge compared it with (float16), so a restart need not recompute it,
    # and the fingerprint of the model and the text it was computed from (None: stored before 0009)
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    vector_of: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # [sentence, key of the document it matched] for each known sentence ("" for the whole report)
    matches: Mapped[list[list[str]]] = mapped_column(JSON, default=list)


class DeferredPageRow(Base):
    """An entry whose article page failed for now, kept whole (everything the pipeline needs to
    process it again) until a poll of its feed fetches the page from ``next_attempt_at``; storing
    its item deletes it in the same transaction."""

    __tablename__ = "deferred_pages"
    __table_args__ = (UniqueConstraint("feed_id", "entry_key"),)  # feed_id leads: the cascade finds its rows

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(2000), default="")  # as fetched: a private feed's link keeps its token
    summary: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    utc_offset: Mapped[int | None] = mapped_column(Integer, nullable=True)  # as stated with published_at (minutes)
    author: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    last_error: Mapped[str] = mapped_column(Text, default="")
    deferred_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when its page first failed
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SeedRow(Base):
    __tablename__ = "seed_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    outlet: Mapped[str] = mapped_column(String(300), default="")
    published: Mapped[str] = mapped_column(String(40), default="")
    url: Mapped[str] = mapped_column(String(2000), default="")
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StoryRow(Base):
    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    merged_into: Mapped[int | None] = mapped_column(Integer, nullable=True)  # its reports moved to that story


class DigestRow(Base):
    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("name", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    item_count: Mapped[int] = mapped_column(Integer, default=0)


class DigestItemRow(Base):
    """An item reserved for a digest; one item goes into at most one digest of each name."""

    __tablename__ = "digest_items"
    # item_id leads an index of its own: deleting an item looks up its reservations (ON DELETE CASCADE)
    __table_args__ = (UniqueConstraint("digest_name", "item_id"), Index("ix_digest_items_item_id", "item_id"))

    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    digest_name: Mapped[str] = mapped_column(String(64))


class DeliveryRow(Base):
    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("digest_id", "channel"), Index("ix_deliveries_status", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # a replica's lease
    claimed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)  # host:pid-namespace:pid:token
    rendered: Mapped[str | None] = mapped_column(Text, nullable=True)  # the message as first rendered (JSON)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DigestStateRow(Base):
    """When each digest last fell due; the config holds the schedule, the database the state."""

    __tablename__ = "digest_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # when the service first ran with it: it holds only items fetched since (None: before 0010)
    first_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
