"""Article HTML -> :class:`Article` via trafilatura, falling back to the feed summary.

trafilatura is only ever given HTML we fetched ourselves (never a URL: its downloader
and htmldate's would go to the network on their own). A failed extraction is not a
lost item: the feed summary stands in and the reason is kept on the Article.
"""

from __future__ import annotations

import logging
from typing import Any

from monitor.errors import ExtractError, MonitorError
from monitor.language import detect_language
from monitor.pagemeta import read_meta
from monitor.types import Article
from monitor.untrusted import clean_text, one_line

log = logging.getLogger(__name__)
MIN_TEXT_CHARS = 200
MAX_HTML_CHARS = 5_000_000


def extract_article(html: str | bytes, *, url: str, summary: str) -> Article:
    """Main text and metadata of a page; the feed summary when the page yields too little text."""
    if len(html) > MAX_HTML_CHARS:
        return fallback(summary, ExtractError(f"page of {len(html)} characters exceeds the cap"))
    from trafilatura import bare_extraction
    from trafilatura.utils import load_html

    try:
        tree = load_html(html)
        meta = read_meta(tree, url) if tree is not None else None
        doc: Any = bare_extraction(  # the tree is parsed once: metadata first, then extraction (which prunes it)
            tree, url=url, include_comments=False, include_tables=False, favor_precision=True, deduplicate=False,
        ) if tree is not None else None
    except Exception as exc:  # a library failure on hostile HTML must not drop the item
        log.warning("extraction raised", extra={"url": url, "error": repr(exc)})
        return fallback(summary, ExtractError(f"{type(exc).__name__}: {exc}"))
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if meta is None or not text or (len(text) < MIN_TEXT_CHARS and summary):
        return fallback(summary, ExtractError("no article text found in the page"))
    text = clean_text(text)
    return Article(
        text=text, source="page", title=one_line(meta.title, "title"), author=one_line(meta.author, "author"),
        sitename=one_line(meta.sitename, "outlet"), language=detect_language(text, meta.language[:20]),
        published=meta.published[:100],
    )


def fallback(summary: str, problem: MonitorError | None) -> Article:
    """The feed summary as the article text, with the failure that made it stand in (none when the
    page was not fetched on purpose)."""
    return Article(text=summary, source="summary", error=str(problem) if problem else None,
                   error_stage=problem.stage if problem else None, language=detect_language(summary))
