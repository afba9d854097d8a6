"""The exception tree of the monitor.

::

    MonitorError                 base; ``permanent`` says whether retrying can help
    ├── ConfigError              bad config file: names the file, the YAML path and the line
    │   └── SettingError         one value a setting cannot take (a duration, a cron line, a channel
    │                            URL, a format, an embedder); in the config it becomes a ConfigError
    │                            naming where the value is
    ├── FetchError               fetch: network, HTTP status, size cap, refused address
    ├── ParseError               parse: the body is not a feed
    ├── ExtractError             extract: no article text in a page
    ├── NotifyError              notify: a channel refused or failed a message
    ├── StoreError               store: the database cannot be reached or used
    ├── StageError               any other failure inside a stage of a poll (identity, page, extract,
    │                            match, judge, store …), recorded on the feed like the others
    └── UsageError               usage: a command was asked for something that does not exist

Messages start with their stage (``fetch: 410 gone``), so an error stored with a
feed or a delivery reads well on its own.

The model, used everywhere: a stage raises one of these, never returns an ``(ok, detail)`` pair or a
prefixed string; what a caller stores (a feed's last error, an item's extraction failure, a
delivery's last error) is ``str()`` of the error, and its retry decision reads ``permanent``. At the
boundary of a poll, whatever else a library raises becomes a :class:`StageError` of the stage it
happened in (:func:`in_stage`); the command line prints ``error: <str>`` and exits 1 (2 for usage).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class MonitorError(Exception):
    """Base of every error the monitor raises on purpose."""

    stage = "monitor"

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent

    def __str__(self) -> str:
        return f"{self.stage}: {self.message}"


class ConfigError(MonitorError):
    """A config file that cannot be used; ``str()`` is ``file:line path: problem``."""

    stage = "config"

    def __init__(self, message: str, *, file: str = "", line: int | None = None, path: str = "") -> None:
        super().__init__(message, permanent=True)
        self.file = file
        self.line = line
        self.path = path
        self.details: list[str] = []

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where = f"{where}:{self.line}"
        parts = [p for p in (where, self.path) if p]
        prefix = " ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class SettingError(ConfigError, ValueError):
    """A value that a setting cannot take, raised where the value is read. It is a ValueError so
    that the config's validators report it as the problem of the value's file, path and line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class FetchError(MonitorError):
    """Fetching a URL failed; ``status`` is the HTTP status when there was one."""

    stage = "fetch"

    def __init__(
        self, message: str, *, permanent: bool = False, status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, permanent=permanent)
        self.status = status
        self.retry_after = retry_after


class TooLargeError(FetchError):
    """The body is over its cap. A feed may shrink as old entries leave it, so for a feed this is
    a failure that may pass; an article page stays as large, so for a page it is permanent."""


class ParseError(MonitorError):
    """The fetched body is not a usable feed."""

    stage = "parse"


class ExtractError(MonitorError):
    """No article text could be extracted from a page."""

    stage = "extract"


class NotifyError(MonitorError):
    """A notification channel did not accept a message: the cause on one line; ``detail`` is the
    channel library's whole account (secrets removed)."""

    stage = "notify"

    def __init__(self, message: str, *, detail: str = "", permanent: bool = False) -> None:
        super().__init__(message, permanent=permanent)
        self.detail = detail


class StoreError(MonitorError):
    """The database cannot be used as it is."""

    stage = "store"


class StageError(MonitorError):
    """An unexpected failure inside one stage of a poll (a malformed value a library refused, a bug):
    recorded on the feed with its stage, counted toward back-off and alerts, never raised further."""

    def __init__(self, stage: str, problem: BaseException | str) -> None:
        detail = problem if isinstance(problem, str) else f"{type(problem).__name__}: {problem}"
        super().__init__(detail[:1000])
        self.stage = stage


def in_stage(stage: str, work: Callable[[], T]) -> T:
    """``work()``, with any failure that is not already one of ours turned into a StageError of ``stage``."""
    try:
        return work()
    except MonitorError:
        raise
    except Exception as exc:  # the boundary: whatever a library or a bug raises is recorded, not lost
        raise StageError(stage, exc) from exc


class UsageError(MonitorError):
    """A command-line request that cannot be met as asked (exit code 2)."""

    stage = "usage"

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)
