"""The story pages: a small read-only web view served by the daemon on ``web_listen``.

``/`` lists the stories of the last ``days`` with their best verdict, the most recently updated
first (:data:`STORIES_LISTED` a page, ``/page/N`` the older ones; and how many there are);
``/stories/ID`` shows one story's reports in order
(:data:`REPORTS_PER_PAGE` a page; ``/stories/ID/page/N`` the next ones),
each with its outlet, time and link, and its text sentence by sentence:
new sentences highlighted, known ones with the seed or earlier report they matched (what
``monitor explain`` shows). ``/feed.xml`` is the Atom feed of developments. Pages are rendered on
the server from templates that escape all feed text; every answer carries security headers.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from http.server import ThreadingHTTPServer

from monitor import admin
from monitor.context import Context
from monitor.digest.render import environment
from monitor.feedserver import PATH as FEED_PATH
from monitor.feedserver import developments_feed
from monitor.httpserve import Response, serve
from monitor.novelty.text import sentences
from monitor.types import Known, StoryReport

log = logging.getLogger(__name__)
HTML = "text/html; charset=utf-8"
STORY_PATH = "/stories/"
LIST_PAGE_PATH = "/page/"  # /page/N: page N of the story list (/ is page 1)
# ASCII digits that fit the id column (larger: no such story), and a page number
_STORY_ID = re.compile(r"([0-9]{1,9})(?:/page/([0-9]{1,6}))?")
_PAGE = re.compile(r"[0-9]{1,6}")
REPORTS_PER_PAGE = 50  # a story can gather hundreds of reports; its page shows this many at a time
STORIES_LISTED = 100  # the story list shows this many a page


@dataclass(frozen=True)
class Sentence:
    """One sentence of a report as its page shows it."""

    text: str
    new: bool = False
    matched: Known | None = None  # for a known sentence: the seed or earlier report it matched


@dataclass(frozen=True)
class ReportView:
    report: StoryReport
    sentences: tuple[Sentence, ...]
    copy_of: Known | None = None  # the whole report repeats this one
    pruned: bool = False  # retention cleared its text: only the sentences it was judged by are shown


def index_page(ctx: Context, page: int = 1, days: int = 14) -> str | None:
    """Page ``page`` of the stories with a report in the last ``days``, the most recently updated
    first (:data:`STORIES_LISTED` a page; it says which ones it shows of how many); None when there
    is no such page (page 1 always is, if empty)."""
    if page < 1:
        return None
    found = admin.recent_stories(ctx, days, STORIES_LISTED, (page - 1) * STORIES_LISTED)
    if page > 1 and not found.stories:
        return None
    pages = max(1, -(-found.total // STORIES_LISTED))
    template = environment().get_template("stories.html.j2")
    return template.render(stories=found.stories, total=found.total, days=days, timezone=_timezone(ctx),
                           feed=FEED_PATH, first=found.offset + 1, page=page, pages=pages, page_link=list_link)


def list_link(page: int) -> str:
    """The address of page ``page`` of the story list (``/`` for the first)."""
    return f"{LIST_PAGE_PATH}{page}" if page > 1 else "/"


def story_page(ctx: Context, story_id: int, page: int = 1) -> str | None:
    """Page ``page`` of one story's reports; None when there is no such story or page."""
    if page < 1:
        return None
    found = admin.story_details(ctx, story_id, (page - 1) * REPORTS_PER_PAGE, REPORTS_PER_PAGE)
    if found is None or (page > 1 and not found.reports):
        return None
    views = [_view(report, found.known) for report in found.reports]
    pages = max(1, -(-found.total // REPORTS_PER_PAGE))
    template = environment().get_template("story.html.j2")
    return template.render(title=found.title, story_id=story_id, reports=views, timezone=_timezone(ctx),
                           total=found.total, first=found.offset + 1, page=page, pages=pages, report_link=report_link)


def report_link(known: Known) -> str:
    """The address of an earlier report on the page of its story that shows it."""
    page = known.position // REPORTS_PER_PAGE + 1 if known.position is not None else 1
    return f"{STORY_PATH}{known.story}{f'/page/{page}' if page > 1 else ''}#report-{known.key.removeprefix('item:')}"


def _view(report: StoryReport, known: dict[str, Known]) -> ReportView:
    matched = {sentence: known.get(key) for sentence, key in report.matches if sentence}
    copy_of = next((known.get(key) for sentence, key in report.matches if not sentence), None)
    novel = set(report.novel_sentences)
    # once retention cleared the text, what it was judged by is kept: its new and its matched sentences
    parts = sentences(report.text) if report.text else list(dict.fromkeys([*report.novel_sentences, *matched]))
    return ReportView(report, tuple(Sentence(s, s in novel, matched.get(s)) for s in parts), copy_of,
                      pruned=not report.text)


def _timezone(ctx: Context) -> str:
    """Times are shown in the first digest's time zone, else UTC."""
    return ctx.config.digests[0].timezone if ctx.config.digests else "UTC"


def start_web_server(ctx: Context, host: str, port: int) -> ThreadingHTTPServer:
    """Serve the story pages and the Atom feed on host:port in a background thread."""

    def index(_: str) -> Response:
        return list_page("1")

    def list_page(rest: str) -> Response:  # the N of /page/N ("" for /page/ itself: no page)
        page = index_page(ctx, int(rest)) if _PAGE.fullmatch(rest) else None
        if page is None:
            return 404, b"no such page of stories", "text/plain; charset=utf-8"
        return 200, page.encode(), HTML

    def story(rest: str) -> Response:
        found = _STORY_ID.fullmatch(rest)
        page = story_page(ctx, int(found[1]), int(found[2] or 1)) if found else None
        if page is None:
            return 404, b"no such story", "text/plain; charset=utf-8"
        return 200, page.encode(), HTML

    def feed(_: str) -> Response:
        return 200, developments_feed(ctx).encode(), "application/atom+xml; charset=utf-8"

    routes = {"/": index, LIST_PAGE_PATH: list_page, STORY_PATH: story, FEED_PATH: feed}
    server = serve(host, port, routes, "web", validated={FEED_PATH})
    log.info("serving the story pages", extra={"url": f"http://{host}:{server.server_address[1]}/"})
    return server
