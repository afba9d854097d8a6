"""Logging: one line per event with stable keys, as text or JSON, with secrets scrubbed.

Text: ``2026-11-24 08:00:00 INFO monitor.pipeline feed polled feed_url=… status=304``.
JSON: ``{"ts": "…", "level": "INFO", "logger": "monitor.pipeline", "event": "feed polled", "feed_url": …}``.
Credentials in URLs (``scheme://user:password@``) and secret-looking query values (token, key,
password, secret …) are replaced by ``***`` in every message and key before a line is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
_SECRET_QUERY = re.compile(r"(?P<key>[?&](?:token|key|apikey|api_key|password|pass|secret|auth)=)[^&\s]+",
                           re.IGNORECASE)


def scrub(text: str) -> str:
    """``text`` with URL credentials and secret query values replaced by ``***``."""
    return _SECRET_QUERY.sub(r"\g<key>***", _CREDENTIALS.sub(r"\g<scheme>***@", text))


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class KeyValueFormatter(logging.Formatter):
    """``time LEVEL logger message key=value …``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = _extras(record)
        if extras:
            line += " " + " ".join(f"{k}={_quote(v)}" for k, v in extras.items())
        return scrub(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, event, then the event's keys."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "event": record.getMessage(),
        }
        line.update({k: v if isinstance(v, int | float | bool) or v is None else str(v)
                     for k, v in _extras(record).items()})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return scrub(json.dumps(line, ensure_ascii=False))


def _quote(value: object) -> str:
    text = str(value)
    return f'"{text}"' if any(c.isspace() for c in text) or not text else text


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record (it may be replaced)."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def configure(verbose: bool = False, log_format: str = "text") -> None:
    """Log to stderr at INFO (DEBUG with ``verbose``) as ``text`` or ``json``; quiet the chatty libraries."""
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("httpx", "httpcore", "apscheduler", "trafilatura", "htmldate", "courlan", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
