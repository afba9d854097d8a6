"""One real path: local feed server -> poll -> extract -> store -> digest -> apprise -> local SMTP."""

from __future__ import annotations

import email
import email.policy
from html import escape
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.demo.server import LocalSite
from tests.conftest import DATA, ROOT, SmtpSink, write_config

SEED = ROOT / "seeds" / "004_2a426e1102b2ca31.txt"


def serve_fixture(site: LocalSite) -> None:
    folder = DATA / "e2e"
    site.put("/feed.xml", (folder / "feed.xml").read_text().replace("{base}", site.base), "application/rss+xml")
    for name in ("senate-committee-prison-visits.html", "karachi-port-record.html"):
        site.put(f"/articles/{name}", (folder / name).read_text(), "text/html; charset=utf-8")
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in SEED.read_text().splitlines() if p.strip())
    page = f"<html><head><title>Copy</title></head><body><article>{paragraphs}</article></body></html>"
    site.put("/articles/syndicated-copy.html", page, "text/html; charset=utf-8")


@pytest.fixture
def config(tmp_path: Path, db_url: str, site: LocalSite, smtp: SmtpSink) -> Path:
    serve_fixture(site)
    return write_config(
        tmp_path / "watchlist.yaml", database_url=db_url,
        feeds=[{"url": f"{site.base}/feed.xml", "name": "Frontier Bulletin"}],
        channels=[{"name": "email", "url": smtp.url(), "format": "html"}],
        digests=[{"name": "briefing", "schedule": "0 8 * * *", "timezone": "Asia/Karachi", "channels": ["email"]}],
    )


def received(smtp: SmtpSink, index: int = -1) -> email.message.EmailMessage:
    message = email.message_from_bytes(smtp.messages[index].content, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def test_feed_to_email_once(config: Path, smtp: SmtpSink, site: LocalSite) -> None:
    assert main(["-c", str(config), "poll", "--once"]) == 0
    assert main(["-c", str(config), "digest", "briefing"]) == 0

    assert len(smtp.messages) == 1
    message = received(smtp)
    assert message["Subject"] == "1 new development: Senate committee in Islamabad summons PTI founder's legal…"
    assert "Frontier Bulletin" in str(message.get_body(("html",)))
    # a stable identity per digest, so a client can fold a repeat; a plain-text alternative
    assert message["X-Monitor-Digest"].startswith("briefing.") and message["References"].endswith("@monitor>")
    plain = message.get_body(("plain",))
    assert plain is not None and "Committee chair Farhat Baig" in plain.get_content()
    assert smtp.messages[0].rcpt_tos == ["analyst@example.com"]
    html_part = message.get_body(("html",))
    assert html_part is not None
    body = html_part.get_content()
    assert "Senate committee in Islamabad summons PTI founder&#39;s legal team over prison visits" in body
    # the canonical link: tracking parameters dropped
    assert f'href="{site.base}/articles/senate-committee-prison-visits.html"' in body
    # extracted article text, not just the feed teaser
    assert "Committee chair Farhat Baig said the panel had received four written complaints" in body
    assert "Reader one" not in body  # comments are not article text
    assert "Karachi" not in body  # irrelevant item
    assert "extradited" not in body and "Khawaja Asif" not in body  # verbatim seed repeat is known

    # Running again sends nothing new: the feed answers 304, the items are already digested.
    assert main(["-c", str(config), "poll", "--once", "--all"]) == 0
    feed_requests = [headers for path, headers in site.requests if path == "/feed.xml"]
    assert len(feed_requests) == 2 and feed_requests[1].get("if-none-match")
    assert main(["-c", str(config), "digest", "briefing"]) == 0
    assert len(smtp.messages) == 1


def test_dry_run_previews_without_reserving(config: Path, smtp: SmtpSink, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-c", str(config), "poll", "--once"]) == 0
    capsys.readouterr()
    for fmt, needle in (("text", "Senate committee in Islamabad"),
                        ("markdown", "# 1 new development: Senate committee"), ("html", "<!DOCTYPE html>")):
        assert main(["-c", str(config), "digest", "briefing", "--dry-run", "--format", fmt]) == 0
        assert needle in capsys.readouterr().out
    assert smtp.messages == []
    assert main(["-c", str(config), "digest", "briefing"]) == 0
    assert len(smtp.messages) == 1
