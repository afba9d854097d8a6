"""Shared fixtures: databases (SQLite and PostgreSQL), a local HTTP site, a local SMTP server."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, text

from monitor.demo.server import LocalSite

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
PG_URL = os.environ.get("MONITOR_TEST_DATABASE_URL")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ambient DATABASE_URL / MONITOR_CONFIG, no secrets remembered by an earlier test, and no
    apprise throttling between sends."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("MONITOR_CONFIG", raising=False)
    from apprise.plugins.base import NotifyBase

    from monitor.redact import forget_all

    forget_all()

    monkeypatch.setattr(NotifyBase, "request_rate_per_sec", 0)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a private schema in the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL: set MONITOR_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) "
                    "to run it")
    schema = "t_" + uuid.uuid4().hex[:12]
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with LocalSite() as local:
        yield local


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# aiosmtpd reports every dropped client connection at INFO ("connection lost"): noise between test dots.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class SmtpSink:
    """Collects every message a local aiosmtpd server receives."""

    port: int = 0
    messages: list[Any] = field(default_factory=list)
    refuse: bool = False
    drop: int = 0  # drop the connection in the middle of this many transactions
    full: set[str] = field(default_factory=set)  # mailboxes refused as full (552) when named as a recipient

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.full:
            return "552 mailbox full"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.drop:
            self.drop -= 1
            server.transport.close()  # the peer vanishes before answering
            return "421 closing"
        if self.refuse:
            return "554 Transaction failed"
        self.messages.append(envelope)
        return "250 OK"

    def url(self, to: str = "analyst@example.com") -> str:
        return f"mailto://127.0.0.1:{self.port}?mode=insecure&from=monitor@example.com&to={to}"


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller

    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def shipped_topics() -> list[dict[str, Any]]:
    """The topics of the shipped watchlist, so tests match what users run."""
    data = yaml.safe_load((ROOT / "config" / "watchlist.yaml").read_text(encoding="utf-8"))
    topics: list[dict[str, Any]] = data["topics"]
    return topics


def write_config(path: Path, **settings: Any) -> Path:
    """A config file for tests: shipped topics, the repo's seeds, no Google News, 127.0.0.1 allowed."""
    base: dict[str, Any] = {
        "data_dir": str(path.parent / "data"),
        "seeds_dir": str(ROOT / "seeds"),
        "google_news": {"enabled": False},
        "polling": {"allow_hosts": ["127.0.0.1"], "timeout": "10s", "host_delay": "0s"},
        "topics": shipped_topics(),
        "feeds": [],
    }
    base.update(settings)
    path.write_text(yaml.safe_dump(base, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def resolved_days(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[date]]:
    """The calendar days the novelty judge resolves the dates each dated article it judges states to,
    by the first word of the article's title (filled in as articles are judged)."""
    import monitor.novelty.judge
    from monitor.novelty.dates import Stated, stated_dates

    found: dict[str, set[date]] = {}

    def spy(text: str, published: datetime | None, *offset: int | None) -> list[Stated]:
        stated = stated_dates(text, published, *offset)
        if published is not None:  # a seed's or an undated article's
            found.setdefault(text.split(" ", 1)[0], set()).update(s.day for s in stated)
        return stated

    monkeypatch.setattr(monitor.novelty.judge, "stated_dates", spy)
    return found
