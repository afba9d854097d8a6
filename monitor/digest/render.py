"""Render a digest with Jinja2 templates: text, Markdown, HTML email and Slack mrkdwn.

Every piece of feed text is escaped for its format: HTML through autoescape, Markdown
by backslash-escaping its control characters. Slack bodies go out as plain text, which apprise
escapes (``&``, ``<``, ``>``) on the way, so they carry no link or mention syntax of their own.
Templates in an override folder (``config/templates/``) win over the bundled ones.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)

from monitor.types import DigestContent

Format = Literal["text", "markdown", "html", "slack"]
TEMPLATES: dict[str, str] = {
    "text": "digest.txt.j2", "markdown": "digest.md.j2", "html": "digest.html.j2", "slack": "digest.slack.j2",
}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def md_escape(value: object) -> str:
    """Escape Markdown control characters so feed text cannot add links, images or emphasis."""
    return _MD_SPECIAL.sub(r"\\\1", str(value))


def safe_href(url: object) -> str:
    """Only http(s) links survive; anything else (``javascript:``, ``data:``) becomes empty."""
    text = str(url)
    return text if urlsplit(text).scheme in ("http", "https") else ""


def environment(override_dir: Path | None = None) -> Environment:
    loaders: list[FileSystemLoader | PackageLoader] = []
    if override_dir is not None and override_dir.is_dir():
        loaders.append(FileSystemLoader(str(override_dir)))
    loaders.append(PackageLoader("monitor.digest", "templates"))
    env = Environment(
        loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html", "html.j2"], default=False),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(md=md_escape, href=safe_href)
    return env


def render(content: DigestContent, fmt: Format, override_dir: Path | None = None) -> str:
    """The digest as ``fmt``."""
    template = environment(override_dir).get_template(TEMPLATES[fmt])
    return template.render(digest=content)
