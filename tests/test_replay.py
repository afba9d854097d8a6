import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.replay import read_items


@pytest.fixture
def karachi_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone is Asia/Karachi (UTC+5) for the test."""
    monkeypatch.setenv("TZ", "Asia/Karachi")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_date_without_an_offset_is_a_day_in_utc_on_any_machine(tmp_path: Path, karachi_time: None) -> None:
    lines = [{"id": "a", "url": "", "title": "t", "published": "2025-09-03", "text": "x"},
             {"id": "b", "url": "", "title": "t", "published": "2025-09-03T10:00:00+05:00", "text": "x"}]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    first, second = read_items(tmp_path / "in.jsonl")
    assert first.published == datetime(2025, 9, 3, tzinfo=UTC)  # not 2 September, 19:00 UTC
    assert second.published == datetime(2025, 9, 3, 5, tzinfo=UTC)
