"""Render a digest with Jinja2 templates: text, Markdown, HTML email and Slack.

Every piece of feed text is escaped for its format: HTML through autoescape, Markdown by
backslash-escaping the characters it would read as markup. Slack bodies are CommonMark that apprise
turns into Slack's mrkdwn (escaping ``&``, ``<`` and ``>`` itself); feed text in them goes through
:func:`slack_escape`, so it can add no link, mention or formatting.
Templates in an override folder (``config/templates/``) win over the bundled ones.
"""

from __future__ import annotations

import re
import traceback
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateSyntaxError,
    select_autoescape,
)

from monitor.errors import ConfigError
from monitor.formats import Format, output_format
from monitor.types import DigestContent

_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~])")  # what can start emphasis, code, a link, HTML or a table
_MD_LINE_START = re.compile(r"^(\s*)(?:([#>+\-=])|(\d+)([.)]))")  # a heading, quote, list or rule
_MD_ENTITY = re.compile(r"&(?=#\d+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")  # &#8238; would become U+202E


def md_escape(value: object) -> str:
    """Escape only what Markdown would read as markup, so feed text cannot add links, images, emphasis,
    code, structure, or a character cleaning removed (``&#8238;`` is shown as written, never decoded),
    while ordinary punctuation (``.``, ``-``, ``(``, the ``&`` of ``AT&T``) stays as it is."""
    text = _MD_ENTITY.sub("&amp;", _MD_INLINE.sub(r"\\\1", str(value)))
    return "\n".join(_MD_LINE_START.sub(_line_start, line) for line in text.split("\n"))


# Slack's mrkdwn has no escape for its emphasis, strike and code marks (only &, < and > can be
# escaped, and apprise does that); a backslash before them reaches Slack as it is. Feed text shows them
# as look-alikes, and its backslashes too, so none can pair with an escape of ours.
_SLACK_LOOKALIKES = str.maketrans({"*": "\u2217", "_": "\uff3f", "~": "\u223c", "`": "\u02cb", "\\": "\u29f5"})
_SLACK_MARKUP = re.compile(r"([\[\]<>#])")  # a link, an autolink or mention, a heading: apprise undoes the escape
_SLACK_EMOJI = re.compile(r":(?=[\w+'-]+:)")  # the colon that opens an emoji code such as :rotating_light:


def slack_escape(value: object) -> str:
    """Feed text for a Slack body (CommonMark that apprise converts to mrkdwn): brackets, ``<``, ``>``
    and ``#`` are backslash-escaped (apprise sends them as plain ``[``, ``&lt;``, ``&gt;``, ``#``), and
    the emphasis, strike and code marks and the backslash, which Slack cannot escape, become look-alikes
    (``∗ ＿ ∼ ˋ ⧵``), as does the colon that would open an emoji code (``∶rotating_light:`` stays text)."""
    return _SLACK_MARKUP.sub(r"\\\1", _SLACK_EMOJI.sub("\u2236", str(value)).translate(_SLACK_LOOKALIKES))


def slack_link(url: object) -> str:
    """An http(s) link as an autolink (``<https://…>``, which apprise sends on as Slack's own link), with
    anything that would stop it being one (a space, a control character, ``|``) percent-encoded; empty
    for any other link."""
    href = safe_href(url)
    if not href:
        return ""
    return "<" + "".join(c if c.isprintable() and not c.isspace() and c != "|" else quote(c) for c in href) + ">"


def _line_start(match: re.Match[str]) -> str:
    indent, mark, number, dot = match.groups()
    return f"{indent}\\{mark}" if mark else f"{indent}{number}\\{dot}"


def local_time(moment: datetime | None, timezone: str, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    """``moment`` in the digest's time zone (``2026-11-24 13:05 PKT``); empty when unknown."""
    return moment.astimezone(ZoneInfo(timezone)).strftime(fmt) if moment is not None else ""


_LINK_BREAKERS = {"<": "%3C", ">": "%3E", " ": "%20", '"': "%22", "'": "%27", "\\": "%5C", "\n": "", "\r": ""}


def safe_href(url: object) -> str:
    """Only http(s) links survive; anything else (``javascript:``, ``data:``) becomes empty. Characters
    that could end a link's destination (``>`` in ``[t](<…>)``, quotes in HTML) are percent-encoded."""
    text = str(url)
    if urlsplit(text).scheme not in ("http", "https"):
        return ""
    return "".join(_LINK_BREAKERS.get(c, c) for c in text)


def story_page(story: int | None, public_url: str) -> str:
    """The address of a story's page under ``public_url``; empty without either."""
    return f"{public_url.rstrip('/')}/stories/{story}" if story is not None and public_url else ""


def environment(override_dir: Path | None = None) -> Environment:
    loaders: list[FileSystemLoader | PackageLoader] = []
    if override_dir is not None and override_dir.is_dir():
        loaders.append(FileSystemLoader(str(override_dir)))
    loaders.append(PackageLoader("monitor.digest", "templates"))
    env = Environment(
        loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html", "html.j2"], default=False),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(md=md_escape, href=safe_href, local=local_time, story_page=story_page, slack=slack_escape,
                       slack_link=slack_link)
    return env


def render(content: DigestContent, fmt: Format, override_dir: Path | None = None) -> str:
    """The digest as ``fmt``; a template that cannot render it is a ConfigError naming its file and line."""
    try:
        template = environment(override_dir).get_template(output_format(fmt).template)
        return template.render(digest=content)
    except Exception as exc:
        where = _template_line(exc)
        if where is None:
            raise
        raise ConfigError(f"digest template: {exc} ({type(exc).__name__})", file=where[0], line=where[1]) from exc


def _template_line(exc: Exception) -> tuple[str, int | None] | None:
    """The template file and line ``exc`` was raised at (Jinja puts template lines in the traceback)."""
    if isinstance(exc, TemplateSyntaxError):
        return exc.filename or exc.name or "", exc.lineno
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    return (frames[-1].filename, frames[-1].lineno) if frames else None
