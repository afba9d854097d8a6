"""Logging: one line per event with stable keys, as text or JSON, with secrets scrubbed.

Text: ``2026-11-24 08:00:00 INFO monitor.pipeline feed polled feed_url=… status=304``.
JSON: ``{"ts": "…", "level": "INFO", "logger": "monitor.pipeline", "event": "feed polled", "feed_url": …}``.
Every line is redacted by the one rule of :mod:`monitor.redact` (URL credentials, secret query
values, authorization headers, and the configured channels' and feeds' secrets), whichever
library wrote it. Control, line-break and bidi characters inside a message or a value are shown
as escapes (``\x1b``), so one event is one line and text from a feed cannot drive the terminal.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from monitor.redact import redact
from monitor.untrusted import visible

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class KeyValueFormatter(logging.Formatter):
    """``time LEVEL logger message key=value …``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        record.message = visible(record.getMessage())
        record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        extras = _extras(record)
        if extras:
            line += " " + " ".join(f"{k}={_quote(v)}" for k, v in extras.items())
        if record.exc_info:
            line += "\n" + _block(self.formatException(record.exc_info))
        if record.stack_info:
            line += "\n" + _block(self.formatStack(record.stack_info))
        return redact(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, event, then the event's keys."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "event": visible(record.getMessage()),
        }
        line.update({k: v if isinstance(v, int | float | bool) or v is None else visible(str(v))
                     for k, v in _extras(record).items()})
        if record.exc_info:
            line["exception"] = _block(self.formatException(record.exc_info))
        return redact(json.dumps(line, ensure_ascii=False))


def _block(text: str) -> str:
    """A traceback: its lines kept, each made visible (an exception's message may quote a feed or a client)."""
    return "\n".join(visible(line) for line in text.split("\n"))


def _quote(value: object) -> str:
    """A value as logfmt writes it: quoted when it holds a space or a quote, its quotes and backslashes
    escaped, so a value from a feed cannot end early and forge another key."""
    text = visible(str(value))
    if text and not any(c.isspace() or c == '"' for c in text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


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
    for noisy in ("httpx", "httpcore", "urllib3", "requests", "sqlalchemy", "trafilatura", "htmldate", "courlan",
                  "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # "skipped: maximum number of running instances reached" only says a poll outlasted a tick (it then
    # simply runs at the next one); the daemon logs its own failures.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    # apprise's own lines are shown live only with --verbose; otherwise the code that sent reports
    # the outcome once (a delivery's cause, test-notify's error line).
    logging.getLogger("apprise").propagate = verbose
