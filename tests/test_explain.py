"""``monitor explain``: an article is judged as of the date its page states."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from monitor.clock import FrozenClock
from monitor.config import load_config
from monitor.context import build_context
from monitor.explain import explain, load_article
from monitor.judging import judge_of
from monitor.startup import start
from monitor.untrusted import CAPS
from tests.conftest import DATA, LocalSite, write_config
from tests.test_pipeline import PLEA_PAGE_AT

PAGE = DATA / "extract" / "short-wire.html"  # states its publication: 2026-10-06T11:42:00Z
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
UNDATED_PAGE = """<html><head><title>Court adjourns Imran Khan's appeal</title></head><body><article>
<h1>Court adjourns Imran Khan's appeal to next week</h1>
<p>The Islamabad High Court on Monday adjourned the hearing of Imran Khan's appeal in the Toshakhana case
until next week, after the prosecution asked for more time to prepare its arguments before the bench.</p>
<p>Lawyers for the former prime minister said they would ask the court to decide the appeal quickly, since
their client has been held in Adiala jail for more than two years and his family fears for his health.</p>
</article></body></html>"""


def test_an_article_is_judged_as_of_its_own_publication_date(tmp_path: Path) -> None:
    ctx = build_context(load_config(write_config(tmp_path / "w.yaml")), clock=FrozenClock(NOW))
    try:
        start(ctx)
        article = load_article(ctx, str(PAGE))
        assert article.published.startswith("2026-10-06")
        rewrite = " ".join(sorted(article.text.replace(".", "").split(), key=str.lower))  # same words, no shared run
        judge_of(ctx).remember("earlier", article.title, rewrite, datetime(2026, 10, 3, tzinfo=UTC), story_id=900,
                               language=article.language)
        _, decision = explain(ctx, str(PAGE))
        # Judged as of now (seven weeks on), the earlier report would be out of the story window.
        days = {c.story: c.days_apart for c in decision.candidates}
        assert days[900] == pytest.approx(3 + (11 * 60 + 42) / 1440)
    finally:
        ctx.close()


def test_an_article_whose_page_states_no_date_is_judged_undated(tmp_path: Path) -> None:
    ctx = build_context(load_config(write_config(tmp_path / "w.yaml")), clock=FrozenClock(NOW))
    try:
        start(ctx)
        undated = tmp_path / "report.txt"
        undated.write_text("Court adjourns Khan appeal\nThe Islamabad High Court adjourned the appeal of Imran "
                           "Khan until next week after the prosecution asked for more time.", encoding="utf-8")
        judge_of(ctx).remember("earlier", "Court adjourns Khan appeal", "The Islamabad High Court adjourned the "
                               "appeal hearing.", datetime(2026, 10, 3, tzinfo=UTC), story_id=900, language="en")
        relevance, decision = explain(ctx, str(undated))
        assert relevance.topics == ("imran-khan",) and "Imran Khan in text" in relevance.explain()
        # Undated: no days apart from the earlier report, which is seven weeks before now.
        assert {c.story: c.days_apart for c in decision.candidates}[900] is None and not decision.dated
    finally:
        ctx.close()


def test_an_article_whose_page_states_no_date_is_dated_by_its_url(tmp_path: Path, site: LocalSite) -> None:
    undated_page = UNDATED_PAGE
    site.put("/2026/10/05/court.html", undated_page, "text/html; charset=utf-8")
    named = tmp_path / "2026-10-05-court.html"  # a file's name is no URL: it dates nothing
    named.write_text(undated_page, encoding="utf-8")
    ctx = build_context(load_config(write_config(tmp_path / "w.yaml")), clock=FrozenClock(NOW))
    try:
        start(ctx)
        article = load_article(ctx, str(named))
        rewrite = " ".join(sorted(article.text.replace(".", "").split(), key=str.lower))  # not a copy
        judge_of(ctx).remember("earlier", article.title, rewrite, datetime(2026, 10, 3, tzinfo=UTC), story_id=900,
                               language=article.language)
        _, by_url = explain(ctx, f"{site.base}/2026/10/05/court.html")
        _, by_file = explain(ctx, str(named))
        assert {c.story: c.days_apart for c in by_url.candidates}[900] == pytest.approx(2) and by_url.dated
        assert {c.story: c.days_apart for c in by_file.candidates}[900] is None and not by_file.dated
    finally:
        ctx.close()


def test_an_article_about_no_topic_is_said_to_be_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from monitor.cli import main

    path = write_config(tmp_path / "w.yaml")
    other = tmp_path / "film.txt"
    other.write_text("Film premiere draws crowds\nThe premiere in Mumbai drew large crowds on a sunny evening.",
                     encoding="utf-8")
    assert main(["-c", str(path), "explain", str(other)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("not relevant: no topic matches, so the service would not keep it")


def test_an_article_whose_page_states_a_date_off_the_calendar_is_judged_undated(tmp_path: Path) -> None:
    ctx = build_context(load_config(write_config(tmp_path / "w.yaml")), clock=FrozenClock(NOW))
    try:
        start(ctx)
        page = tmp_path / "edge.html"
        page.write_text(PAGE.read_text(encoding="utf-8").replace("2026-10-06T11:42:00Z", "9999-12-31T23:59:59-23:59"),
                        encoding="utf-8")
        assert load_article(ctx, str(page)).published.startswith("9999-12-31")
        assert not explain(ctx, str(page))[1].dated
    finally:
        ctx.close()


@pytest.mark.parametrize(("content", "said"), [
    (b"", "no article text found in {file}"), (b" \n\n\t\n", "no article text found in {file}"),
    ("Khan appeal\nImran Khan".encode("utf-16"), "{file} is not UTF-8 text (invalid start byte at byte 0)"),
])
def test_a_file_without_text_is_refused_not_judged(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, said: str) -> None:
    from monitor.cli import main

    path = write_config(tmp_path / "w.yaml")
    article = tmp_path / "article.txt"
    article.write_bytes(content)
    assert main(["-c", str(path), "explain", str(article)]) == 2  # a usage error, not a verdict
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.splitlines()[-1] == "error: " + said.format(file=article)


@pytest.mark.parametrize("target", ["missing.txt", ".", "empty.txt"])
def test_a_file_that_cannot_be_judged_is_refused_before_any_start_up_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str) -> None:
    from monitor.cli import main

    path = write_config(tmp_path / "w.yaml")
    (tmp_path / "empty.txt").write_bytes(b"")
    assert main(["-c", str(path), "explain", str(tmp_path / target)]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not (tmp_path / "data" / "monitor.db").exists()  # no migration, no seeds loaded first


def test_a_text_file_is_capped_and_cleaned_as_a_page_would_be(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text("Court hears Imran Khan \x1b]8;;http://x.example\x1b\\appeal\x1b[2J\n"
                      "The court heard Imran Khan's \u202eappeal\x1b[31m in Adiala jail on Monday, lawyers said.\n"
                      + "More words about the hearing follow here. " * 6000, encoding="utf-8")
    ctx = build_context(load_config(write_config(tmp_path / "w.yaml")), clock=FrozenClock(NOW))
    try:
        article = load_article(ctx, str(report))
        assert article.title == "Court hears Imran Khan appeal" and len(article.text) == CAPS["text"]
        assert article.text.startswith("The court heard Imran Khan's appeal in Adiala jail on Monday")
        _, decision = explain(ctx, str(report))
        assert not any("n:31" in check.new_facts for check in decision.checks)  # an escape sequence is no number
    finally:
        ctx.close()


def test_a_page_file_over_the_page_size_cap_is_refused_as_its_fetch_would_be(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from monitor.cli import main

    size = PAGE.stat().st_size
    path = write_config(tmp_path / "w.yaml", polling={"max_page_bytes": size - 1})
    assert main(["-c", str(path), "explain", str(PAGE)]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"error: {PAGE} is {size} bytes, over the cap of {size - 1} bytes a page may have (polling.max_page_bytes)")
    path = write_config(tmp_path / "w.yaml", polling={"max_page_bytes": size})
    assert main(["-c", str(path), "explain", str(PAGE)]) == 0  # at the cap: read and judged


def test_a_malformed_url_is_refused_as_such_before_any_start_up_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from monitor.cli import main

    path = write_config(tmp_path / "w.yaml")
    assert main(["-c", str(path), "explain", "http://[::1/article"]) == 2
    said = capsys.readouterr().err.splitlines()[-1]
    assert said == "error: http://[::1/article is not a valid URL (Invalid IPv6 URL)"
    assert not (tmp_path / "data" / "monitor.db").exists()



def test_relative_dates_count_from_the_day_the_page_s_date_states_as_the_service_counts_them(
    tmp_path: Path, resolved_days: dict[str, set[date]],
) -> None:
    ctx = build_context(load_config(write_config(tmp_path / "w.yaml")), clock=FrozenClock(NOW))
    try:
        for published, saturday in (
            ("2025-12-06T02:00:00+05:00", date(2025, 12, 6)),  # Saturday in Islamabad, Friday in UTC
            ("2025-12-05T21:00:00Z", date(2025, 11, 29)),  # the same instant stated in UTC: read in UTC
        ):
            page = tmp_path / "plea.html"
            page.write_text(PLEA_PAGE_AT.format(published=published), encoding="utf-8")
            resolved_days.clear()
            _, decision = explain(ctx, str(page))
            assert decision.dated and resolved_days == {"Court": {saturday}}, published
    finally:
        ctx.close()
