"""What is shown on a terminal: redacted (:mod:`monitor.redact`), with control, line-break and
bidi characters made visible (:func:`monitor.untrusted.visible`), and, where Rich reads markup,
with its brackets escaped, so text from a feed or a server can neither style nor move the cursor,
nor open a hyperlink."""

from __future__ import annotations

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
