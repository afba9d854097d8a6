"""Engines, sessions and migrations.

SQLite runs in WAL mode with a busy timeout, foreign keys on, and every transaction
opened with ``BEGIN IMMEDIATE`` (a deferred read that later writes fails at once under
contention). Any other SQLAlchemy URL (``postgresql://…`` uses psycopg 3) works as is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import StoreError, UsageError
from monitor.redact import redact

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 0x6D6F6E69  # "moni": the advisory lock that serialises migrations on PostgreSQL


def make_engine(url: str) -> Engine:
    """An engine for ``url``; creates the folder of a SQLite file."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None})
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """A writing transaction takes the write lock at once (no upgrade deadlock); a read-only one
    (:meth:`Database.reading`) does not, so with WAL it never waits for a writer."""
    reading = connection.get_execution_options().get("monitor_reading", False)
    connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def safe_url(url: str) -> str:
    """The URL with its password hidden (also one given as a query value), for logs and ``status``."""
    return redact(make_url(url).render_as_string(hide_password=True))


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Apply all Alembic migrations (idempotent); returns the schema revision before and after."""
    return _migrate(engine, None)


def downgrade(engine: Engine, revision: str) -> tuple[str | None, str | None]:
    """Undo the migrations after ``revision`` (to run an older release on the database); returns
    the schema revision before and after."""
    return _migrate(engine, revision)


def migrations_after(engine: Engine, revision: str) -> list[str]:
    """What :func:`downgrade` to ``revision`` would undo, newest first (``revision: message`` each)."""
    script = _scripts()
    with _reachable(engine).connect() as connection:
        current = _current(connection, script)
    _target(script, revision)
    if current is None or revision not in _lineage(script, current):
        return []  # at that revision or older: nothing to undo
    return [f"{rev.revision}: {rev.doc}" for rev in script.iterate_revisions(current, revision)
            if rev.revision != revision]


def _lineage(script: Any, revision: str) -> set[str]:
    """``revision`` and every revision before it."""
    return {rev.revision for rev in script.iterate_revisions(revision, "base")}


def _migrate(engine: Engine, target: str | None) -> tuple[str | None, str | None]:
    """Migrate to ``target`` (None: the newest revision); SQLite's foreign keys are off meanwhile,
    so that a table a migration rebuilds never takes its children's rows with it."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    cfg = _config()
    script = _scripts(cfg)
    if target is not None:
        _target(script, target)
    else:  # a schema already up to date is only read: no write lock to wait for behind a running daemon
        with _reachable(engine).execution_options(monitor_reading=True).connect() as connection:
            current = _current(connection, script)
        if current is not None and current == script.get_current_head():
            return current, current
    with engine.connect() as connection, _foreign_keys_off(connection), connection.begin():
        if connection.dialect.name == "postgresql":
            # replicas starting together migrate one after the other (SQLite's writers queue anyway)
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        before = _current(connection, script)
        cfg.attributes["connection"] = connection
        if target is None:
            command.upgrade(cfg, "head")
        elif before is not None and target in _lineage(script, before):
            command.downgrade(cfg, target)
        return before, MigrationContext.configure(connection).get_current_revision()


def _config() -> Any:
    """Alembic's configuration: where the migration scripts are."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _scripts(cfg: Any = None) -> Any:
    """The migration scripts (an Alembic ScriptDirectory)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(cfg or _config())


def _current(connection: Any, script: Any) -> str | None:
    """The database's schema revision; a StoreError when a newer release migrated it."""
    from alembic.runtime.migration import MigrationContext

    current: str | None = MigrationContext.configure(connection).get_current_revision()
    if current is not None and not _known(script, current):
        head = script.get_current_head()
        raise StoreError(
            f"the database is at schema revision {current}, which a newer release made (this release knows "
            f"revisions up to {head}): run that release, or with it first `monitor db downgrade {head} --yes`"
        )
    return current


def _target(script: Any, revision: str) -> None:
    if not _known(script, revision):
        raise UsageError(f"no schema revision {revision!r}: this release knows "
                         f"{', '.join(sorted(r.revision for r in script.walk_revisions()))}")


def _known(script: Any, revision: str) -> bool:
    from alembic.script.revision import RevisionError
    from alembic.util.exc import CommandError

    try:
        return script.get_revision(revision) is not None
    except (CommandError, RevisionError):
        return False


@contextmanager
def _foreign_keys_off(connection: Any) -> Iterator[None]:
    """SQLite's foreign keys off on this connection (outside any transaction) and on again after."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _reachable(engine: Engine) -> Engine:
    """``engine``, once a connection works; a StoreError naming the database (without its password)
    and the driver's first line of reason when none can be made."""
    try:
        engine.connect().close()
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise StoreError(f"cannot reach the database {redact(engine.url.render_as_string(hide_password=True))}: "
                         f"{reason}") from exc
    return engine


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(self.engine.execution_options(monitor_reading=True), expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session that only reads (pages, health, status, the Atom feed): on SQLite it does not
        wait behind a writer."""
        with self._readers() as session, session.begin():
            yield session

    def upgrade(self) -> tuple[str | None, str | None]:
        return upgrade(self.engine)

    def downgrade(self, revision: str) -> tuple[str | None, str | None]:
        return downgrade(self.engine, revision)

    def migrations_after(self, revision: str) -> list[str]:
        return migrations_after(self.engine, revision)

    def tables(self) -> list[str]:
        """The tables the schema holds (the migration ledger left out); read without waiting for a writer."""
        with self.engine.execution_options(monitor_reading=True).connect() as connection:
            return sorted(t for t in inspect(connection).get_table_names() if t != "alembic_version")

    def dispose(self) -> None:
        self.engine.dispose()
