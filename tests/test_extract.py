"""Extraction: main text without page furniture; failures fall back to the feed summary."""

from __future__ import annotations

import json
from typing import Any

import pytest

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
    assert article.error_stage == "extract"


def test_garbage_falls_back_to_summary() -> None:
    article = extract_article(b"\x00\xff\xfe not html at all", url="https://x.example/", summary="teaser")
    assert article.source == "summary" and article.text == "teaser"


GOLDEN = json.loads((DATA / "extract" / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", GOLDEN, ids=[case["file"] for case in GOLDEN])
def test_golden_pages(case: dict[str, Any]) -> None:
    html = (DATA / "extract" / case["file"]).read_text(encoding="utf-8")
    article = extract_article(html, url=case["url"], summary="The feed's teaser.")
    assert article.source == "page" and article.error is None
    for needle in case["must_contain"]:
        assert needle in article.text, needle
    for needle in case["must_not_contain"]:
        assert needle not in article.text, needle
    assert len(article.text) >= case["min_chars"]
    assert article.title == case["title"]
    assert article.author == (case["author"] or "")
    assert article.language == case["language"]
    assert article.sitename


def test_metadata_from_tags_and_json_ld() -> None:
    page = """<html lang="en-GB"><head><title>Fallback title | Site</title>
    <script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",
      "headline": "Ledger headline", "datePublished": "2026-11-20T08:00:00+05:00",
      "author": [{"@type": "Person", "name": "A. Writer"}, {"@type": "Person", "name": "B. Editor"}],
      "publisher": {"@type": "Organization", "name": "Ledger"}}</script></head>
    <body><article><h1>Ledger headline</h1><p>""" + "A paragraph of the article body. " * 20 + """</p></article>
    </body></html>"""
    article = extract_article(page, url="https://ledger.example/a", summary="")
    assert (article.title, article.author, article.published, article.sitename, article.language) == (
        "Ledger headline", "A. Writer, B. Editor", "2026-11-20T08:00:00+05:00", "Ledger", "en")


@pytest.mark.parametrize("json_ld", ["null", "5", '{"@graph": 5}', "[" * 50_000 + "]" * 50_000, '"text"'])
def test_odd_json_ld_costs_nothing_but_itself(json_ld: str) -> None:
    page = f"""<html><head><script type="application/ld+json">{json_ld}</script></head>
    <body><article><h1>Ledger headline</h1><p>""" + "A paragraph of the article body. " * 20 + """</p></article>
    </body></html>"""
    article = extract_article(page, url="https://ledger.example/a", summary="teaser")
    assert article.source == "page" and "A paragraph of the article body." in article.text


def test_declared_language_is_checked_against_the_script() -> None:
    from monitor.language import detect_language

    urdu = "اسلام آباد ہائی کورٹ نے پی ٹی آئی رہنماؤں کی ضمانت کی درخواستوں پر سماعت ملتوی کر دی۔"
    assert detect_language(urdu, "en") == "ur"  # a template's lang="en" on an Urdu article
    assert detect_language("The court adjourned the hearing until next week, the lawyers said.", "") == "en"
    assert detect_language("Le tribunal a reporté l'audience à la semaine prochaine, selon les avocats.") == "fr"
    assert detect_language("short", "en-GB") == "en"
