"""The output formats of a digest, in one table.

A new format is one entry here and one template in ``monitor/digest/templates``: the config
(``channels[].format``), the command line (``digest --format``), rendering and delivery all read
this table. Light on purpose (the standard library and the error tree): ``check-config`` reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.errors import SettingError

Format = str  # the name of an entry of FORMATS


@dataclass(frozen=True)
class OutputFormat:
    """How a digest is written in one format and how the channel is told to read it."""

    name: str
    template: str  # in monitor/digest/templates (or a config's override folder)
    body: str  # how apprise reads the body: "text", "markdown" or "html"
    schemes: tuple[str, ...] = ()  # apprise URL schemes whose channels get this format unless told otherwise
    note: str = ""


FORMATS: dict[str, OutputFormat] = {f.name: f for f in (
    OutputFormat("text", "digest.txt.j2", "text", note="plain text; the default"),
    OutputFormat("markdown", "digest.md.j2", "markdown", note="Markdown, escaping only what it would read as markup"),
    OutputFormat("html", "digest.html.j2", "html", ("mailto", "mailtos"), "an HTML page; e-mail channels"),
    OutputFormat("slack", "digest.slack.j2", "markdown", ("slack",),
                 "Slack's mrkdwn: CommonMark that apprise converts, escaping &, < and > itself"),
)}
DEFAULT = "text"


def output_format(name: str) -> OutputFormat:
    """The format called ``name``; a SettingError naming the known ones otherwise."""
    found = FORMATS.get(name)
    if found is None:
        raise SettingError(f"unknown format {name!r} (one of: {', '.join(FORMATS)})")
    return found


def default_format(scheme: str) -> Format:
    """The format of a channel whose URL has ``scheme`` and which names none."""
    return next((f.name for f in FORMATS.values() if scheme.lower() in f.schemes), DEFAULT)
