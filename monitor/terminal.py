"""What is shown on a terminal: redacted (:mod:`monitor.redact`), with control, line-break and
bidi characters made visible (:func:`monitor.untrusted.visible`), and, where Rich reads markup,
with its brackets escaped, so text from a feed or a server can neither style nor move the cursor,
nor open a hyperlink."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape

from monitor.redact import redact
from monitor.untrusted import visible


def shown(text: object) -> str:
    """One line of plain text, safe to print."""
    return visible(redact(str(text)))


def cell(text: object) -> str:
    """A value for a Rich table cell or any other place Rich parses as markup."""
    return escape(shown(text))


def say(console: Console, *lines: object) -> None:
    """Print each line, made safe, without markup, highlighting or emoji codes (":warning:" stays text)."""
    for line in lines:
        console.print(shown(line), markup=False, highlight=False, emoji=False)


def tolerant_streams() -> None:
    """Make stdout and stderr show a character their encoding lacks (a Latin-1 locale,
    ``PYTHONIOENCODING=ascii``) as an escape (``\\u2026``) instead of failing the command."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if callable(reconfigure):
            reconfigure(errors="backslashreplace")


def write_document(document: str) -> None:
    """Write a document that is UTF-8 by its own declaration or standard (XML, HTML, JSON lines) to
    stdout in UTF-8, whatever the locale's encoding: redirected to a file, it reads as it says."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None or (sys.stdout.encoding or "").lower().replace("-", "").replace("_", "") == "utf8":
        sys.stdout.write(document)
        return
    sys.stdout.flush()
    buffer.write(document.encode("utf-8"))
    buffer.flush()
