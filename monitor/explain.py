"""``monitor explain``: how one article (a URL or a file) would be judged now, remembering nothing."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from monitor.context import Context
from monitor.errors import UsageError
from monitor.extract import extract_article
from monitor.fetch.page import fetch_page
from monitor.judging import judge_of
from monitor.language import detect_language
from monitor.match import match
from monitor.novelty.decision import Decision
from monitor.parse import parse_date_offset, url_date
from monitor.startup import start
from monitor.types import Article, Relevance
from monitor.untrusted import clean_text, one_line


def explain(ctx: Context, target: str) -> tuple[Relevance, Decision]:
    """Which topics ``target`` is about (with the evidence), and the judge's decision on it with its
    reasons (made whether or not it is relevant), after the usual start-up (migrations, feeds,
    seeds), which comes once the article is read: a file that is missing or unreadable is an error
    at once. The article is dated by the page's own publication date, else by the day its URL
    states, else judged now and undated (as the service dates an entry without a date); relative dates
    count from the page's calendar day when its date states a UTC offset."""
    article = load_article(ctx, target)
    start(ctx)
    relevance = match(ctx.config.compiled_topics(), article.title, article.text, article.language)
    now = ctx.clock.now()
    published, offset = parse_date_offset(article.published, now) or (
        url_date(target, now) if _is_url(target) else None, None)
    decision = judge_of(ctx).judge(target, article.title, article.text, published or now, article.language,
                                   remember=False, dated=published is not None, utc_offset=offset)
    return relevance, decision


def load_article(ctx: Context, target: str) -> Article:
    """The article of a URL (fetched through the guarded client) or a local file (HTML, or text
    whose first line is the title)."""
    if _is_url(target):
        try:
            urlsplit(target)
        except ValueError as exc:
            raise UsageError(f"{target} is not a valid URL ({exc})") from exc
        html: str | bytes = fetch_page(ctx.http, target, max_bytes=ctx.config.polling.max_page_bytes)
    else:
        path = Path(target)
        if not path.is_file():
            raise UsageError(f"{target} is neither an http(s) URL nor a file")
        try:
            if path.suffix.lower() not in (".html", ".htm"):
                return _text_article(target, path.read_text(encoding="utf-8"))
            html = _page_file(path, ctx.config.polling.max_page_bytes)
        except UnicodeDecodeError as exc:
            raise UsageError(f"{target} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        except OSError as exc:
            raise UsageError(f"cannot read {target}: {exc.strerror or exc}") from exc
    article = extract_article(html, url=target, summary="")
    if article.source != "page":
        raise UsageError(f"no article text found in {target}")
    return article


def _page_file(path: Path, max_bytes: int) -> bytes:
    """An HTML file's bytes; a UsageError when it is larger than a fetched page may be (the service
    would not read such a page either)."""
    size = path.stat().st_size
    if size > max_bytes:
        raise UsageError(f"{path} is {size} bytes, over the cap of {max_bytes} bytes a page may have "
                         "(polling.max_page_bytes)")
    return path.read_bytes()


def _text_article(target: str, text: str) -> Article:
    """A text file's article: its first line is the title; both are capped and cleaned as a page's
    text and title are (and as ``monitor replay`` reads a text item's)."""
    first, _, rest = text.partition("\n")
    title, body = one_line(first, "title"), clean_text(rest)
    if not title and not body:
        raise UsageError(f"no article text found in {target}")
    return Article(body or title, "page", title=title, language=detect_language(body or title))


def _is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))
