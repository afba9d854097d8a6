"""The wiring every stage shares: config, database, the HTTP seam and the clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from monitor.clock import Clock, SystemClock
from monitor.config import Config
from monitor.fetch.gnews import GoogleNewsResolver
from monitor.fetch.http import AddressGuard, HostLimiter, HttpClient
from monitor.novelty.judge import NoveltyJudge
from monitor.query import TopicQuery
from monitor.store import claims
from monitor.store.session import Database
from monitor.types import FeedOutcome

Progress = Callable[[FeedOutcome], None]
T = TypeVar("T")


class Lazy(Generic[T]):
    """A value built the first time it is needed (once, whichever thread asks first), then kept."""

    def __init__(self) -> None:
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self, build: Callable[[], T]) -> T:
        """The value, built with ``build`` if it is not yet."""
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = build()
        return self._value

    def peek(self) -> T | None:
        """The value if it was built, else None (builds nothing)."""
        return self._value


@dataclass(frozen=True)
class Context:
    """What every stage needs: the config, the database, the HTTP seam and the clock, and the novelty
    judge once the first article needs it (:func:`monitor.judging.judge_of`)."""

    config: Config
    db: Database
    http: HttpClient
    clock: Clock = field(default_factory=SystemClock)
    topics: tuple[TopicQuery, ...] = ()
    google: GoogleNewsResolver | None = None
    judge: Lazy[NoveltyJudge] = field(default_factory=Lazy)

    def holding_claims(self) -> claims.Renewal:
        """A ``with`` block during which this process's claims are renewed (long polls and sends)."""

        def renew_now() -> int:
            with self.db.session() as session:
                return claims.renew(session, self.clock.now())

        return claims.Renewal(renew_now)

    def close(self) -> None:
        self.http.close()
        self.db.dispose()


def build_context(config: Config, *, clock: Clock | None = None, database_url: str | None = None) -> Context:
    """Wire the stages for ``config``."""
    polling = config.polling
    connect = polling.connect_timeout.total_seconds()  # a lookup is part of connecting
    http = HttpClient(
        user_agent=polling.user_agent, timeout=polling.timeout.total_seconds(),
        connect_timeout=connect, guard=AddressGuard(polling.allow_hosts, lookup_timeout=connect),
        limiter=HostLimiter(per_host=polling.per_host, min_delay=polling.host_delay.total_seconds()),
        max_connections=max(64, polling.concurrency * 4),
    )
    google = GoogleNewsResolver(http, config.google_news.base_url) if config.google_news.resolve_links else None
    return Context(config=config, db=Database(database_url or config.db_url()), http=http,
                   clock=clock or SystemClock(), topics=tuple(config.compiled_topics()), google=google)
