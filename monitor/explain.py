"""``monitor explain``: how one article (a URL or a file) would be judged now, remembering nothing."""

from __future__ import annotations

from pathlib import Path

from monitor.context import Context
from monitor.errors import UsageError
from monitor.extract import extract_article
from monitor.fetch.page import fetch_page
from monitor.judging import judge_of
from monitor.language import detect_language
from monitor.novelty.decision import Decision
from monitor.parse import parse_date
from monitor.startup import start


def explain(ctx: Context, target: str) -> Decision:
    """The judge's decision on ``target`` with its reasons, after the usual start-up (migrations,
    feeds, seeds); the article is dated by the page's own publication date, else now."""
    start(ctx)
    title, text, language, published = load_article(ctx, target)
    now = ctx.clock.now()
    when = parse_date(published, now) or now
    return judge_of(ctx).judge(target, title, text, when, language, remember=False)


def load_article(ctx: Context, target: str) -> tuple[str, str, str, str]:
    """(title, text, language, the publication date the page states or "") of a URL (fetched through
    the guarded client) or a local file."""
    if target.startswith(("http://", "https://")):
        html: str | bytes = fetch_page(ctx.http, target, max_bytes=ctx.config.polling.max_page_bytes)
    else:
        path = Path(target)
        if not path.is_file():
            raise UsageError(f"{target} is neither an http(s) URL nor a file")
        if path.suffix.lower() not in (".html", ".htm"):
            text = path.read_text(encoding="utf-8")
            title, _, body = text.partition("\n")
            return title.strip(), body.strip() or title.strip(), detect_language(text), ""
        html = path.read_bytes()
    article = extract_article(html, url=target, summary="")
    if article.source != "page":
        raise UsageError(f"no article text found in {target}")
    return article.title, article.text, article.language, article.published
