"""Rendering: every format escapes feed text so a hostile title cannot inject markup, links or mentions."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from monitor.digest.build import build_digest
from monitor.digest.render import render
from monitor.errors import ConfigError
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
    assert "\\[click\\](http://evil.example)" in md  # an escaped bracket makes no link
    assert "\\*bold\\*" in md


def test_slack_escapes_feed_text_and_links_only_http_addresses() -> None:
    slack = render(content(entry(1, HOSTILE)), "slack")  # type: ignore[arg-type]  # CommonMark, for apprise
    assert ("**\\<script\\>alert(1)\\</script\\> \\[click\\](http://evil.example) \\<!channel\\> & "
            "\u2217bold\u2217**") in slack
    assert "\n<https://news.example/a>\n" in slack  # an autolink (the payload: see test_delivery.py)
    odd = render(content(entry(1, url="https://a.example/x|y z\u202e")), "slack")  # type: ignore[arg-type]
    assert "\n<https://a.example/x%7Cy%20z%E2%80%AE>\n" in odd  # nothing in it can end the link or label it
    assert "javascript" not in render(content(entry(1, url="javascript:alert(1)")), "slack")  # type: ignore[arg-type]


def test_slack_shows_an_emoji_code_in_feed_text_as_text() -> None:
    slack = render(content(entry(1, "Alert :rotating_light: at 10:30 :skull:")), "slack")  # type: ignore[arg-type]
    assert "Alert \u2236rotating\uff3flight: at 10:30 \u2236skull:" in slack  # no colon opens a code
    assert ":skull:" not in slack


def test_text_states_the_development_with_its_source_in_the_digest_time_zone() -> None:
    digest = build_digest("briefing", [entry(1)], window_end=WHEN, max_items=5, timezone="Asia/Karachi")
    text = render(digest, "text")
    assert "1. Court adjourns hearing\n   NEW\n   The hearing moved to 3 December.\n" in text
    assert "   - Example Times · 2026-11-24 08:00 PKT · https://news.example/a" in text  # 03:00 UTC
    assert "Matched" not in text and "monitor explain URL" in text  # the evidence is behind a footer line
    for fmt in ("markdown", "html", "slack"):
        assert "08:00 PKT" in render(digest, fmt) and "UTC" not in render(digest, fmt), fmt


def test_a_link_cannot_close_its_destination_and_open_another() -> None:
    md = render(content(entry(1, url="https://evil.example/x>)[Verify](https://phish.example/")), "markdown")  # type: ignore[arg-type]
    assert "(<https://evil.example/x%3E)[Verify](https://phish.example/>)" in md


def test_markdown_shows_a_character_reference_as_written() -> None:
    import html

    from apprise import NotifyFormat
    from apprise.conversion import convert_between

    title = "Appeal &#8238;dessimsid&#x202c; &lt;b&gt; by AT&T"  # a bidi override cleaning never saw as one
    md = render(content(entry(1, title)), "markdown")  # type: ignore[arg-type]
    shown = html.unescape(convert_between(NotifyFormat.MARKDOWN, NotifyFormat.HTML, md))  # as a mail client shows it
    assert "\u202e" not in shown and "\u202c" not in shown and "<b>" not in shown
    assert "Appeal &#8238;dessimsid&#x202c; &lt;b&gt; by AT&T" in shown
    assert "by AT&T" in md  # an ampersand that starts no reference is left alone


def test_markdown_escapes_only_what_it_would_read_as_markup() -> None:
    plain = entry(1, "Khan, 74, (PTI) - appeal no. 3 adjourned.")
    md = render(content(plain), "markdown")  # type: ignore[arg-type]
    assert "Khan, 74, (PTI) - appeal no. 3 adjourned." in md


def test_cap_says_how_many_more_and_orders_by_importance() -> None:
    entries = [entry(1, "U", "update", 0.9), entry(2, "N-low", "new", 0.2), entry(3, "N-high", "new", 0.8)]
    digest = build_digest("briefing", entries, window_end=WHEN, max_items=2)
    assert [e.title for e in digest.entries] == ["N-high", "N-low"]
    assert digest.more == 1
    assert digest.title == "2 new developments, 1 update: N-high; N-low; U"  # it names the top developments
    assert "…and 1 more." in render(digest, "text")
    two_outlets = [DigestEntry(**{**entry(4, "Told twice", "new", 0.1).__dict__, "story": 1}),
                   DigestEntry(**{**entry(5, "Told again", "update", 0.1).__dict__, "story": 1})]
    assert build_digest("b", [*entries, *two_outlets], window_end=WHEN, max_items=9).entries[0].title == "Told twice"


def test_the_subject_says_what_the_digest_holds() -> None:
    def title(*verdicts: str) -> str:
        return build_digest("b", [entry(i, f"H{i}", v) for i, v in enumerate(verdicts)], window_end=WHEN,
                            max_items=1).title

    assert title("update", "update") == "2 updates: H0; H1"
    assert title("repeat") == "1 repeat: H0"
    assert title("repeat", "new", "update", "update") == "1 new development, 2 updates, 1 repeat: H1; H2; H3; …"
    assert title("new") == "1 new development: H0"


def test_user_templates_override(tmp_path: Path) -> None:
    (tmp_path / "digest.txt.j2").write_text("CUSTOM {{ digest.entries | length }}\n")
    assert render(content(entry(1)), "text", tmp_path) == "CUSTOM 1\n"  # type: ignore[arg-type]


@pytest.mark.parametrize(("body", "line", "problem"), [
    ("{% for e in digest.entries %}\n{{ e.title }\n", 2, "unexpected '}' (TemplateSyntaxError)"),
    ("{{ digest.title }}\n\n{{ digest.titel }}\n", 3, "has no attribute 'titel' (UndefinedError)"),
    ("{{ digest.title }}\n{% include 'footer.j2' %}\n", 2, "footer.j2 (TemplateNotFound)"),
])
def test_a_broken_user_template_names_its_file_and_line(tmp_path: Path, body: str, line: int, problem: str) -> None:
    (tmp_path / "digest.md.j2").write_text(body)
    with pytest.raises(ConfigError) as info:
        render(content(entry(1)), "markdown", tmp_path)  # type: ignore[arg-type]
    assert str(info.value).startswith(f"{tmp_path / 'digest.md.j2'}:{line}: digest template: ")
    assert str(info.value).endswith(problem)


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "slack"])
def test_empty_digest_says_nothing_new(fmt: str) -> None:
    assert "Nothing new" in render(content(), fmt)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "slack"])
def test_a_digest_showing_none_of_its_stories_counts_them_instead_of_saying_nothing_new(fmt: str) -> None:
    from dataclasses import replace

    held = build_digest("briefing", [entry(1), entry(2), entry(3)], window_end=WHEN, max_items=10)
    none_shown = replace(held, entries=(), more=3)  # none fits the channel
    text = render(none_shown, fmt)
    assert "…and 3 more." in text and "Nothing new" not in text


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
    assert story.novel_sentences == ("The hearing moved to 3 December.",)  # the first report's development
    assert story.sources[1].added == ("A jail meeting was ordered.",)  # what Beta added, attributed to it
    assert digest.title == "2 new developments: Court adjourns hearing; Rally announced"
    text = render(digest, "text")
    assert "   Beta adds: A jail meeting was ordered.\n" in text and "https://b.example/2" in text
    html = render(digest, "html")
    assert 'href="https://b.example/2"' in html and "><bdi>Beta</bdi></a>" in html
    assert "<strong><bdi>Beta</bdi> adds:</strong>" in html
    for fmt in ("markdown", "slack"):
        assert "Beta adds:" in render(digest, fmt)


def test_a_later_report_that_adds_nothing_is_the_same_report() -> None:
    first = DigestEntry(**{**entry(1).__dict__, "story": 3, "outlet": "Alpha"})
    copy = DigestEntry(**{**first.__dict__, "item_id": 2, "outlet": "Beta", "verdict": "repeat",
                          "published": WHEN.replace(hour=4)})
    digest = build_digest("briefing", [first, copy], window_end=WHEN, max_items=5)
    assert digest.entries[0].sources[1].added == ()
    assert "   Beta: same report\n" in render(digest, "text")


def test_earlier_reports_of_a_story_are_linked() -> None:
    update = DigestEntry(**{**entry(5, "Hearing resumes", "update").__dict__, "story": 9})
    earlier = {9: (Source("Alpha: Court adjourns hearing", WHEN, "https://a.example/1"),)}
    digest = build_digest("briefing", [update], window_end=WHEN, max_items=5, earlier=earlier)
    assert digest.entries[0].earlier == earlier[9]
    for fmt in ("text", "markdown", "html", "slack"):
        assert "Earlier in this story" in render(digest, fmt) and "https://a.example/1" in render(digest, fmt)


def test_html_gives_each_verdict_its_own_colour() -> None:
    html = render(content(entry(1, "A", "new"), entry(2, "B", "update"), entry(3, "C", "repeat")), "html")  # type: ignore[arg-type]
    colours = dict((verdict, colour) for colour, verdict in re.findall(r'color:(#\w+);font-weight:600;">(\w+)<', html))
    assert set(colours) == {"new", "update", "repeat"} and len(set(colours.values())) == 3


_VOID = frozenset({"meta", "br", "img", "link", "hr", "input"})


class _Direction(HTMLParser):
    """Each run of right-to-left text in a page, with whether an element around it sets its own direction."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, bool]] = []
        self.runs: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            self.open.append((tag, tag == "bdi" or ("dir", "auto") in attrs))

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        for run in re.findall(r"[\u0600-\u06ff][\u0600-\u06ff\s\d()]*", data):
            if self.open and self.open[-1][0] != "title":
                self.runs.append((run.strip(), any(isolated for _, isolated in self.open)))


def test_html_lays_out_right_to_left_feed_text_in_its_own_direction() -> None:
    urdu = DigestEntry(**{**entry(1, "عمران خان کی اپیل پر سماعت 3 دسمبر تک ملتوی (اپ ڈیٹ)").__dict__,
                          "outlet": "روزنامہ جنگ", "story": 4,
                          "novel_sentences": ("عدالت نے سماعت ملتوی کر دی۔", "PTI کے وکیل اپیل کریں گے۔")})
    later = DigestEntry(**{**urdu.__dict__, "item_id": 2, "outlet": "ڈان نیوز", "verdict": "update",
                           "published": WHEN.replace(hour=5), "novel_sentences": ("جیل میں ملاقات کا حکم دیا گیا۔",)})
    earlier = {4: (Source("ایکسپریس: پہلی سماعت", WHEN, "https://e.example/1"),)}
    page = _Direction()
    page.feed(render(build_digest("briefing", [urdu, later], window_end=WHEN, max_items=5, earlier=earlier), "html"))
    assert len(page.runs) >= 8  # heading, headline, outlets, sentences, what Dawn added, the earlier report
    assert [run for run, isolated in page.runs if not isolated] == []  # dir="auto" or <bdi> around each


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "slack"])
def test_a_paragraph_long_sentence_is_cut_at_a_word_in_every_format(fmt: str) -> None:
    paragraph = " ".join(["इस्लामाबाद हाई कोर्ट ने इमरान खान की अपील पर सुनवाई तीन दिसंबर तक टाल दी।"] * 12)  # no split
    lead = DigestEntry(**{**entry(1).__dict__, "story": 2, "novel_sentences": (paragraph,)})
    later = DigestEntry(**{**lead.__dict__, "item_id": 2, "outlet": "Beta", "verdict": "update",
                           "published": WHEN.replace(hour=5), "novel_sentences": ("Beta " + paragraph,)})
    teaser = DigestEntry(**{**entry(3, "Rally announced").__dict__, "novel_sentences": (), "summary": paragraph})
    digest = build_digest("briefing", [lead, later, teaser], window_end=WHEN, max_items=5)
    (development,), (added,) = digest.entries[0].novel_sentences, digest.entries[0].sources[1].added
    assert len(development) <= 400 and development.endswith("…") and paragraph.startswith(development[:-1])
    assert len(added) <= 400 and added.endswith("…") and added.startswith("Beta इस्लामाबाद")
    summary = digest.entries[1].summary
    assert len(summary) <= 800 and summary.endswith("…") and paragraph.startswith(summary[:-1])
    text = render(digest, fmt)
    assert development in text and added in text and paragraph not in text


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "slack"])
def test_a_story_without_new_sentences_shows_its_teaser(fmt: str) -> None:
    repeat = DigestEntry(**{**entry(1, "Court adjourns hearing", "repeat").__dict__, "novel_sentences": (),
                            "summary": "The Islamabad High Court put off the appeal until December."})
    assert "The Islamabad High Court put off the appeal until December." in render(content(repeat), fmt)  # type: ignore[arg-type]
