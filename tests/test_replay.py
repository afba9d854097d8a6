import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.replay import read_items, replay
from tests.conftest import write_config


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


def test_relative_dates_count_from_the_publisher_s_day_as_the_service_counts_them(
    tmp_path: Path, resolved_days: dict[str, set[date]],
) -> None:
    """As a polled entry: "on Saturday" at 02:00 on Saturday in Karachi is that Saturday, the same
    instant stated in UTC the Saturday before, "today" at 22:30 on Friday in New York that Friday."""
    lines = [
        {"id": "k", "url": "", "title": "Lawyers meet Imran Khan in Adiala jail",
         "published": "2025-12-06T02:00:00+05:00",
         "text": "Imran Khan's lawyers met the former prime minister in Adiala jail on Saturday, his party said."},
        {"id": "u", "url": "", "title": "Sisters of Imran Khan turned away at Adiala jail",
         "published": "2025-12-05T21:00:00Z",
         "text": "Imran Khan's sisters said they were not allowed to see their brother in Adiala jail on Saturday."},
        {"id": "n", "url": "", "title": "Sons of Imran Khan address a rally in New York",
         "published": "2025-12-05T22:30:00-05:00",
         "text": "Imran Khan's sons told a rally in New York today that their father must be released from jail."},
    ]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    items = list(read_items(tmp_path / "in.jsonl"))
    assert [i.published for i in items] == [datetime(2025, 12, 5, 21, tzinfo=UTC)] * 2 + [
        datetime(2025, 12, 6, 3, 30, tzinfo=UTC)]  # UTC, as stored
    results = replay(items, load_config(write_config(tmp_path / "w.yaml")))
    assert all(r.relevant for r in results)
    assert resolved_days == {"Lawyers": {date(2025, 12, 6)}, "Sisters": {date(2025, 11, 29)},
                             "Sons": {date(2025, 12, 5)}}
