"""Log lines: text or JSON, stable keys, secrets scrubbed."""

from __future__ import annotations

import json
import logging
import re
import sys

import pytest

from monitor.logs import JsonFormatter, KeyValueFormatter
from monitor.redact import redact


def record(message: str, **extra: object) -> logging.LogRecord:
    rec = logging.makeLogRecord({"name": "monitor.pipeline", "levelname": "INFO", "levelno": 20, "msg": message})
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_text_and_json_lines_carry_the_keys() -> None:
    rec = record("feed polled", feed_url="https://ex.example/feed", status="304", new_items=0)
    text = KeyValueFormatter().format(rec)
    assert text.endswith("monitor.pipeline feed polled feed_url=https://ex.example/feed status=304 new_items=0")
    data = json.loads(JsonFormatter().format(rec))
    assert data["event"] == "feed polled" and data["status"] == "304" and data["new_items"] == 0
    assert data["level"] == "INFO" and data["logger"] == "monitor.pipeline" and data["ts"].endswith("+00:00")


@pytest.mark.parametrize(("raw", "clean"), [
    ("mailtos://alerts:hunter2@smtp.example.com?to=a@example.com", "mailtos://***@smtp.example.com?to=a@example.com"),
    ("postgresql://monitor:s3cret@db/monitor", "postgresql://***@db/monitor"),
    ("https://api.example/hook?token=abc123&x=1", "https://api.example/hook?token=***&x=1"),
    ("https://example.com/feed.xml", "https://example.com/feed.xml"),
])
def test_secrets_are_scrubbed(raw: str, clean: str) -> None:
    assert redact(raw) == clean
    assert clean in KeyValueFormatter().format(record("error", url=raw))
    assert "hunter2" not in JsonFormatter().format(record(f"failed for {raw}"))


_RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")  # all but the line break


def test_a_traceback_cannot_drive_the_terminal() -> None:
    try:
        raise ValueError("title \x1b[2J\x9b31m \u202egnp.exe\u2028 \x1b]8;;http://evil.example/\x07click\rover")
    except ValueError:
        rec = record("unit of work failed")
        rec.exc_info = sys.exc_info()
    text = KeyValueFormatter().format(rec)
    assert "Traceback (most recent call last):\n" in text and not _RAW.search(text)
    assert text.endswith("ValueError: title \\x1b[2J\\x9b31m \\u202egnp.exe\\u2028 "
                         "\\x1b]8;;http://evil.example/\\x07click\\x0dover")
    line = JsonFormatter().format(rec)
    assert not _RAW.search(line) and not _RAW.search(json.loads(line)["exception"].replace("\n", ""))


@pytest.mark.parametrize(("value", "written"), [
    ('fetch: 503 busy" status=200 next_poll="2099', r'"fetch: 503 busy\" status=200 next_poll=\"2099"'),
    ('a"b', r'"a\"b"'),
    ("C:\\ path", r'"C:\\ path"'),
    ("", '""'),
    ("plain", "plain"),
])
def test_a_value_cannot_end_early_and_forge_another_key(value: str, written: str) -> None:
    line = KeyValueFormatter().format(record("feed failed", error=value, errors=1))
    assert line.endswith(f" feed failed error={written} errors=1")
