"""Extraction: main text without page furniture; failures fall back to the feed summary."""

from __future__ import annotations

from monitor.extract import extract_article
from tests.conftest import DATA

PAGE = (DATA / "e2e" / "senate-committee-prison-visits.html").read_text(encoding="utf-8")


def test_main_text_without_navigation_or_comments() -> None:
    article = extract_article(PAGE, url="https://frontier.example/a", summary="teaser")
    assert article.source == "page" and article.error is None
    assert "Committee chair Farhat Baig" in article.text
    assert "Reader one" not in article.text and "Advertisement" not in article.text
    assert article.title.startswith("Senate committee summons")
    assert article.author == "Sana Qureshi"


def test_empty_page_falls_back_to_summary() -> None:
    article = extract_article("<html><body><nav>Home</nav></body></html>", url="https://x.example/", summary="teaser")
    assert article.source == "summary" and article.text == "teaser"
    assert article.error == "extract: no article text found in the page"


def test_garbage_falls_back_to_summary() -> None:
    article = extract_article(b"\x00\xff\xfe not html at all", url="https://x.example/", summary="teaser")
    assert article.source == "summary" and article.text == "teaser"
