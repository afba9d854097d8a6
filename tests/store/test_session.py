"""The database seam: an unreachable database is one clear error that keeps its password out."""

from __future__ import annotations

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
