"""Rendering: every format escapes feed text so a hostile title cannot inject markup, links or mentions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.digest.build import build_digest
from monitor.digest.render import render
from monitor.types import DigestEntry, Source

WHEN = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
HOSTILE = '<script>alert(1)</script> [click](http://evil.example) <!channel> & *bold*'


def entry(item_id: int, title: str = "Court adjourns hearing", verdict: str = "new", score: float = 1.0,
          url: str = "https://news.example/a") -> DigestEntry:
    return DigestEntry(item_id=item_id, title=title, url=url, outlet="Example Times", published=WHEN,
                       verdict=verdict, score=score, matched="Imran Khan in title",  # type: ignore[arg-type]
                       novel_sentences=("The hearing moved to 3 December.",), summary="")


def content(*entries: DigestEntry, max_items: int = 10) -> object:
    return build_digest("briefing", entries, window_end=WHEN, max_items=max_items)


def test_html_escapes_feed_text() -> None:
    html = render(content(entry(1, HOSTILE)), "html")  # type: ignore[arg-type]
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_html_drops_non_http_links() -> None:
    html = render(content(entry(1, url="javascript:alert(1)")), "html")  # type: ignore[arg-type]
    assert "javascript:" not in html


def test_markdown_escapes_links_and_emphasis() -> None:
    md = render(content(entry(1, HOSTILE)), "markdown")  # type: ignore[arg-type]
    assert "[click](http://evil.example)" not in md
    assert "\\[click\\]\\(http://evil\\.example\\)" in md
    assert "\\*bold\\*" in md


def test_slack_text_has_no_link_syntax_of_its_own() -> None:
    slack = render(content(entry(1, HOSTILE)), "slack")  # type: ignore[arg-type]
    assert "*<script>alert(1)</script> [click](http://evil.example) <!channel> & *bold**" in slack
    assert "\nhttps://news.example/a\n" in slack  # a bare link; apprise escapes (see test_delivery.py)


def test_text_lists_whats_new_and_link() -> None:
    text = render(content(entry(1)), "text")  # type: ignore[arg-type]
    assert "1. Court adjourns hearing" in text
    assert "https://news.example/a" in text
    assert "- The hearing moved to 3 December." in text
    assert "Matched: Imran Khan in title" in text


def test_cap_says_how_many_more_and_orders_by_verdict_then_score() -> None:
    entries = [entry(1, "U", "update", 0.9), entry(2, "N-low", "new", 0.2), entry(3, "N-high", "new", 0.8)]
    digest = build_digest("briefing", entries, window_end=WHEN, max_items=2)
    assert [e.title for e in digest.entries] == ["N-high", "N-low"]
    assert digest.more == 1
    assert "…and 1 more." in render(digest, "text")


def test_user_templates_override(tmp_path: Path) -> None:
    (tmp_path / "digest.txt.j2").write_text("CUSTOM {{ digest.entries | length }}\n")
    assert render(content(entry(1)), "text", tmp_path) == "CUSTOM 1\n"  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "slack"])
def test_empty_digest_says_nothing_new(fmt: str) -> None:
    assert "Nothing new" in render(content(), fmt)  # type: ignore[arg-type]


def test_items_of_one_story_make_one_line_with_every_source() -> None:
    first = entry(1, "Court adjourns hearing", "new", 0.9, "https://a.example/1")
    first = DigestEntry(**{**first.__dict__, "story": 7, "outlet": "Alpha", "published": WHEN})
    rewrite = DigestEntry(**{**first.__dict__, "item_id": 2, "title": "Hearing put off", "verdict": "update",
                             "url": "https://b.example/2", "outlet": "Beta", "score": 0.3,
                             "published": WHEN.replace(hour=5), "novel_sentences": ("A jail meeting was ordered.",)})
    other = entry(3, "Rally announced", "new", 0.8, "https://c.example/3")
    digest = build_digest("briefing", [rewrite, other, first], window_end=WHEN, max_items=10)
    assert [e.title for e in digest.entries] == ["Court adjourns hearing", "Rally announced"]
    story = digest.entries[0]
    assert [s.outlet for s in story.sources] == ["Alpha", "Beta"]
    assert story.novel_sentences == ("The hearing moved to 3 December.", "A jail meeting was ordered.")
    assert digest.title == "2 new developments (briefing)"
    text = render(digest, "text")
    assert "Reported by 2 outlets:" in text and "https://b.example/2" in text
    html = render(digest, "html")
    assert 'href="https://b.example/2"' in html and ">Beta</a>" in html


def test_earlier_reports_of_a_story_are_linked() -> None:
    update = DigestEntry(**{**entry(5, "Hearing resumes", "update").__dict__, "story": 9})
    earlier = {9: (Source("Alpha: Court adjourns hearing", WHEN, "https://a.example/1"),)}
    digest = build_digest("briefing", [update], window_end=WHEN, max_items=5, earlier=earlier)
    assert digest.entries[0].earlier == earlier[9]
    for fmt in ("text", "markdown", "html", "slack"):
        assert "Earlier in this story" in render(digest, fmt) and "https://a.example/1" in render(digest, fmt)
