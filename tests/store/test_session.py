"""The database seam: an unreachable database is one clear error that keeps its password out."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import StoreError
from monitor.store.session import Database
from tests.conftest import free_port


def test_unreachable_database_is_a_store_error_without_the_password() -> None:
    db = Database(f"postgresql://monitor:hunter2secret@127.0.0.1:{free_port()}/monitor")
    try:
        shown = r"^store: cannot reach the database postgresql://\S*\*\*\*@127\.0\.0\.1:\d+/monitor: "
        with pytest.raises(StoreError, match=shown) as info:
            db.upgrade()
        assert "hunter2secret" not in str(info.value) and "refused" in str(info.value).lower()
        assert not info.value.permanent  # the server may come back: the daemon's supervisor retries
    finally:
        db.dispose()


def test_a_password_given_as_a_query_value_is_hidden_too() -> None:
    from monitor.store.session import safe_url

    shown = safe_url("postgresql://postgres@db.example:5432/monitor?password=hunter2secret&sslmode=require")
    assert "hunter2secret" not in shown and "sslmode=require" in shown


def test_a_reading_session_does_not_wait_behind_a_writer_on_sqlite(tmp_path: Path) -> None:
    import sqlite3

    from sqlalchemy import text

    path = tmp_path / "busy.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    writer = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
        with db.reading() as session:  # waited out busy_timeout (30 s) and failed as "locked" before
            assert session.execute(text("SELECT count(*) FROM feeds")).scalar_one() == 0
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        db.dispose()


def test_an_up_to_date_schema_is_checked_without_waiting_behind_a_writer(tmp_path: Path) -> None:
    """Every command that uses the database migrates it first; one already up to date only reads its
    revision, so that ``monitor status`` answers while the daemon is in the middle of a write."""
    import sqlite3
    import time

    path = tmp_path / "busy.db"
    db = Database(f"sqlite:///{path}")
    _, head = db.upgrade()
    writer = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        writer.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        assert db.upgrade() == (head, head)  # waited out busy_timeout (30 s) and failed as "locked" before
        assert time.monotonic() - started < 10
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        db.dispose()
