"""The delivery ledger against real peers: an SMTP server that refuses and recovers, a JSON webhook
on a local server, and Slack intercepted at the HTTP layer (its host is not reachable offline)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import responses
from sqlalchemy import select

from monitor.clock import FrozenClock
from monitor.config import load_config
from monitor.context import Context, build_context
from monitor.digest.run import DELIVERY_ATTEMPTS, deliver_pending, run_digest
from monitor.pipeline import poll_due
from monitor.startup import start
from monitor.store import digests as digest_store
from monitor.store.schema import DeliveryRow
from tests.conftest import SmtpSink, write_config
from tests.test_e2e import serve_fixture

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SLACK = "slack://T1ABCDEFG/B1ABCDEFG/abcdefghijklmnopqrstuvwx/#news"
SLACK_HOOK = "https://hooks.slack.com/services/T1ABCDEFG/B1ABCDEFG/abcdefghijklmnopqrstuvwx"


class Webhook:
    """A local JSON webhook that can be told to fail."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, object]] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if hook.status == 200:
                    hook.bodies.append(json.loads(body))
                self.send_response(hook.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


def context(tmp_path: Path, db_url: str, site: object, channels: list[dict[str, str]], admin: str | None = None
            ) -> Context:
    from monitor.demo.server import LocalSite

    assert isinstance(site, LocalSite)
    serve_fixture(site)
    path = write_config(tmp_path / "w.yaml", database_url=db_url, feeds=[{"url": f"{site.base}/feed.xml"}],
                        channels=channels, admin_channel=admin,
                        digests=[{"name": "briefing", "schedule": "every 1h", "channels": [c["name"] for c in channels
                                                                                          if c["name"] != admin]}])
    ctx = build_context(load_config(path), clock=FrozenClock(NOW))
    start(ctx)
    poll_due(ctx)
    return ctx


def hook_context(tmp_path: Path, db_url: str, site: object, webhook: Webhook) -> tuple[Context, FrozenClock]:
    """A polled context whose one channel is ``webhook`` (text), with its frozen clock."""
    ctx = context(tmp_path, db_url, site, [{"name": "hook", "url": webhook.url, "format": "text"}])
    assert isinstance(ctx.clock, FrozenClock)
    return ctx, ctx.clock


def counts(ctx: Context) -> dict[str, int]:
    with ctx.db.session() as session:
        return digest_store.delivery_counts(session)


def test_refused_mail_stays_pending_and_is_sent_once_on_recovery(
    tmp_path: Path, db_url: str, site: object, smtp: SmtpSink, webhook: Webhook,
) -> None:
    ctx = context(tmp_path, db_url, site, [{"name": "email", "url": smtp.url(), "format": "html"},
                                            {"name": "hook", "url": webhook.url, "format": "text"}])
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    try:
        smtp.refuse = True
        assert run_digest(ctx, "briefing", NOW) is not None
        assert counts(ctx) == {"pending": 1, "sent": 1}  # the webhook got it; the mail waits
        assert len(webhook.bodies) == 1 and "Senate committee" in str(webhook.bodies[0]["message"])
        assert deliver_pending(ctx) == []  # not before its back-off
        smtp.refuse = False
        clock.advance(timedelta(minutes=2))
        assert deliver_pending(ctx) == [("email", True)]
        clock.advance(timedelta(hours=2))
        assert deliver_pending(ctx) == []
        assert len(smtp.messages) == 1 and len(webhook.bodies) == 1  # each channel exactly once
        assert run_digest(ctx, "briefing", NOW) is None  # the same window is never created twice
    finally:
        ctx.close()


def test_dropped_connection_is_retried(tmp_path: Path, db_url: str, site: object, smtp: SmtpSink) -> None:
    ctx = context(tmp_path, db_url, site, [{"name": "email", "url": smtp.url(), "format": "html"}])
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    try:
        smtp.drop = 1
        run_digest(ctx, "briefing", NOW)
        assert counts(ctx) == {"pending": 1} and smtp.messages == []
        clock.advance(timedelta(minutes=2))
        assert deliver_pending(ctx) == [("email", True)]
        assert len(smtp.messages) == 1
    finally:
        ctx.close()


def test_a_retry_after_one_recipient_refused_goes_to_the_others_only(
    tmp_path: Path, db_url: str, site: object, smtp: SmtpSink,
) -> None:
    ctx = context(tmp_path, db_url, site, [{"name": "email", "url": smtp.url("analyst@example.com,desk@example.com"),
                                            "format": "html"}])
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    try:
        smtp.full = {"desk@example.com"}
        run_digest(ctx, "briefing", NOW)
        assert counts(ctx) == {"pending": 1} and [m.rcpt_tos for m in smtp.messages] == [["analyst@example.com"]]
        clock.advance(timedelta(minutes=2))
        assert deliver_pending(ctx) == [("email", False)]  # the desk's mailbox is still full
        smtp.full = set()
        clock.advance(timedelta(minutes=4))
        assert deliver_pending(ctx) == [("email", True)]
        assert [m.rcpt_tos for m in smtp.messages] == [["analyst@example.com"], ["desk@example.com"]]  # each once
        with ctx.db.session() as session:
            (delivery,) = session.scalars(select(DeliveryRow))
        assert delivery.rendered is not None and "example.com" not in delivery.rendered  # no address stored
    finally:
        ctx.close()


def test_webhook_failure_gives_up_after_the_budget_and_tells_the_operator(
    tmp_path: Path, db_url: str, site: object, smtp: SmtpSink, webhook: Webhook,
) -> None:
    ctx = context(tmp_path, db_url, site, [{"name": "hook", "url": webhook.url, "format": "text"},
                                            {"name": "ops", "url": smtp.url("ops@example.com"), "format": "text"}],
                  admin="ops")
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    try:
        webhook.status = 500
        run_digest(ctx, "briefing", NOW)
        for _ in range(DELIVERY_ATTEMPTS):
            clock.advance(timedelta(days=1))
            deliver_pending(ctx)
        assert counts(ctx) == {"failed": 1}
        assert len(smtp.messages) == 1 and b"could not be delivered to hook" in smtp.messages[0].content
    finally:
        ctx.close()


@responses.activate
def test_slack_payload_and_retry_after_server_errors(tmp_path: Path, db_url: str, site: object) -> None:
    from monitor.demo.server import LocalSite

    responses.add(responses.POST, SLACK_HOOK, status=500, body="error")
    responses.add(responses.POST, SLACK_HOOK, status=429, body="slow down")
    responses.add(responses.POST, SLACK_HOOK, status=200, body="ok")
    ctx = context(tmp_path, db_url, site, [{"name": "slack", "url": SLACK}])
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    try:
        run_digest(ctx, "briefing", NOW)
        for _ in range(2):
            clock.advance(timedelta(hours=1))
            deliver_pending(ctx)
        assert counts(ctx) == {"sent": 1}
        assert len(responses.calls) == 3
        payload = json.loads(responses.calls[2].request.body)
        attachment = payload["attachments"][0]
        title = "1 new development: Senate committee in Islamabad summons PTI founder's legal…"
        assert payload["channel"] == "#news" and attachment["title"] == title
        assert attachment["text"].startswith(f"*{title}*\n\n1. *Senate committee in Islamabad")
        assert isinstance(site, LocalSite)
        link = f"<{site.base}/articles/senate-committee-prison-visits.html>"
        assert payload["mrkdwn"] is True and f"\n{link}\n" in attachment["text"]
        assert re.findall(r"<[^>]*>", attachment["text"]) == [link]  # no link or mention but the story's own
    finally:
        ctx.close()


SLACK_HOSTILE = ("<!channel> <@U123> [a](http://evil.example) <https://evil.example|Verify> *b* _i_ ~s~ `c` "
                 "\\<!here> # h & &lt;")
SLACK_SHOWN = ("&lt;!channel&gt; &lt;@U123&gt; [a](http://evil.example) &lt;https://evil.example|Verify&gt; "
               "\u2217b\u2217 \uff3fi\uff3f \u223cs\u223c \u02cbc\u02cb \u29f5&lt;!here&gt; # h &amp; &amp;lt;")


@responses.activate
def test_slack_receives_feed_text_that_makes_no_link_mention_or_formatting() -> None:
    from monitor.digest.build import build_digest
    from monitor.digest.render import render
    from monitor.notify import send
    from monitor.types import DigestEntry, Source

    responses.add(responses.POST, SLACK_HOOK, status=200, body="ok")
    lead = DigestEntry(item_id=1, title=f"Court adjourns {SLACK_HOSTILE}", url="https://news.example/a?x=1&y=2",
                       outlet="Alpha", published=NOW, verdict="new", score=1.0, matched="",
                       novel_sentences=(f"Moved {SLACK_HOSTILE}",), summary="", story=3)
    later = DigestEntry(**{**lead.__dict__, "item_id": 2, "outlet": f"Beta {SLACK_HOSTILE}", "verdict": "update",
                           "novel_sentences": (f"Added {SLACK_HOSTILE}",), "published": NOW + timedelta(hours=2)})
    digest = build_digest("briefing", [lead, later], window_end=NOW, max_items=5,
                          earlier={3: (Source(f"Gamma: {SLACK_HOSTILE}", NOW, "https://g.example/1|x y"),)})
    send(SLACK, digest.title, render(digest, "slack"), "slack")
    (call,) = responses.calls
    payload = json.loads(call.request.body)
    assert isinstance(payload["attachments"][0].pop("ts"), float)
    icon = "https://github.com/caronc/apprise/raw/master/apprise/assets/themes/default/apprise-info-72x72.png"
    title = "1 new development: Court adjourns &lt;!channel&gt; &lt;@U123&gt; [a](http://evil.example)…"
    assert payload == {
        "mrkdwn": True, "channel": "#news", "icon_url": icon,
        "attachments": [{"title": title, "color": "#3AA3E3", "footer_icon": icon, "footer": "Apprise",
                         "text": "\n".join([
            f"*{title}*",
            "",
            f"1. *Court adjourns {SLACK_SHOWN}* \u2014 _new_ \u00b7 2 outlets",
            "<https://news.example/a?x=1&amp;y=2>",
            f"> Moved {SLACK_SHOWN}",
            f"\u2022 Beta {SLACK_SHOWN} adds: Added {SLACK_SHOWN}",
            f"Sources: Alpha (24 Nov 09:00 UTC), Beta {SLACK_SHOWN} (24 Nov 11:00 UTC)",
            f"Earlier in this story: Gamma: {SLACK_SHOWN} <https://g.example/1%7Cx%20y>",
        ])}],
    }


def test_next_digest_links_back_to_the_story_sent_before(
    tmp_path: Path, db_url: str, site: object, webhook: Webhook,
) -> None:
    from monitor.digest.run import preview_digest

    ctx, clock = hook_context(tmp_path, db_url, site, webhook)
    try:
        run_digest(ctx, "briefing", NOW)
        publish_follow_up(site)
        clock.advance(timedelta(days=3))
        (outcome,) = poll_due(ctx)
        assert outcome.new_items == 1
        text = preview_digest(ctx, "briefing", "text")
        assert "UPDATE" in text and "Rukhsana Iqbal" in text
        assert "Earlier in this story:" in text and "/articles/senate-committee-prison-visits.html" in text
    finally:
        ctx.close()


def test_earlier_in_this_story_lists_only_reports_a_digest_delivered(
    tmp_path: Path, db_url: str, site: object, webhook: Webhook,
) -> None:
    from monitor.digest.run import preview_digest

    ctx, clock = hook_context(tmp_path, db_url, site, webhook)
    try:
        webhook.status = 500
        run_digest(ctx, "briefing", NOW)  # the first report is reserved, but the channel refuses it
        publish_follow_up(site)
        clock.advance(timedelta(days=3))
        (outcome,) = poll_due(ctx)
        assert outcome.new_items == 1
        text = preview_digest(ctx, "briefing", "text")
        assert "Rukhsana Iqbal" in text and "Earlier in this story" not in text  # nobody has the first one
        webhook.status = 200
        assert deliver_pending(ctx) == [("hook", True)]
        assert "Earlier in this story:" in preview_digest(ctx, "briefing", "text")
    finally:
        ctx.close()


def test_earlier_in_this_story_leaves_out_reports_this_digest_did_not_hold(
    tmp_path: Path, db_url: str, site: object, webhook: Webhook,
) -> None:
    from monitor.digest.run import preview_digest

    ctx = two_digest_context(tmp_path, db_url, site, webhook, include=["update"])  # "files": updates only
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    try:
        assert run_digest(ctx, "files", NOW) is None  # the first report is new: not for this digest
        assert run_digest(ctx, "briefing", NOW) is not None and len(webhook.bodies) == 1  # another digest sent it
        publish_follow_up(site)
        clock.advance(timedelta(days=3))
        poll_due(ctx)
        text = preview_digest(ctx, "files", "text")
        assert "Rukhsana Iqbal" in text and "Earlier in this story" not in text
        assert "Earlier in this story:" in preview_digest(ctx, "briefing", "text")
    finally:
        ctx.close()


def publish_follow_up(site: object) -> None:
    """A later report of the Senate committee story, first in the feed."""
    from monitor.demo.server import LocalSite
    from tests.conftest import DATA

    assert isinstance(site, LocalSite)
    page = (DATA / "e2e" / "senate-committee-prison-visits.html").read_text().replace(
        "</article>", "<p>On Thursday the committee heard Punjab prisons inspector Rukhsana Iqbal, who "
                      "promised written visiting rules by 15 December.</p></article>")
    site.put("/articles/senate-follow-up.html", page, "text/html; charset=utf-8")
    feed = (DATA / "e2e" / "feed.xml").read_text().replace("{base}", site.base).replace(
        "<item>", f"""<item><title>Senate committee hears prisons inspector on Khan's lawyers' visits</title>
        <link>{site.base}/articles/senate-follow-up.html</link><guid>follow-up-1</guid>
        <pubDate>Thu, 26 Nov 2026 15:00:00 +0500</pubDate>
        <description>The inspector promised rules for visits by PTI founder Imran Khan's lawyers.</description>
        </item><item>""", 1)
    site.put("/feed.xml", feed, "application/rss+xml")


def test_a_retried_digest_sends_the_bytes_of_its_first_rendering(
    tmp_path: Path, db_url: str, site: object, webhook: Webhook,
) -> None:
    from monitor.digest.run import preview_digest

    ctx, clock = hook_context(tmp_path, db_url, site, webhook)
    try:
        webhook.status = 500
        run_digest(ctx, "briefing", NOW)
        with ctx.db.session() as session:
            (first,) = digest_store.pending(session, clock.now() + timedelta(hours=1))
        assert first.rendered is not None and webhook.bodies == []
        publish_follow_up(site)  # a later report of the same story arrives before the retry
        clock.advance(timedelta(days=3))
        (outcome,) = poll_due(ctx)
        assert outcome.new_items == 1 and "Rukhsana Iqbal" in preview_digest(ctx, "briefing", "text")
        webhook.status = 200
        assert deliver_pending(ctx) == [("hook", True)]
        (sent,) = webhook.bodies
        assert sent["message"] == json.loads(first.rendered)["body"].strip()  # apprise trims the ends
        assert "senate-follow-up" not in str(sent["message"])  # not listed as an earlier report of its own story
    finally:
        ctx.close()


def two_digest_context(tmp_path: Path, db_url: str, site: object, webhook: Webhook, **files: object) -> Context:
    """Digest ``files`` (no channel: written under data/digests) and ``briefing`` (to the webhook), polled."""
    from monitor.demo.server import LocalSite

    assert isinstance(site, LocalSite)
    serve_fixture(site)
    path = write_config(tmp_path / "w.yaml", database_url=db_url, feeds=[{"url": f"{site.base}/feed.xml"}],
                        channels=[{"name": "hook", "url": webhook.url, "format": "text"}],
                        digests=[{"name": "files", "schedule": "every 1h", "channels": [], **files},
                                 {"name": "briefing", "schedule": "every 1h", "channels": ["hook"]}])
    ctx = build_context(load_config(path), clock=FrozenClock(NOW))
    start(ctx)
    poll_due(ctx)
    return ctx


def test_a_delivery_that_raises_fails_alone_and_is_retried(
    tmp_path: Path, db_url: str, site: object, webhook: Webhook,
) -> None:
    ctx = two_digest_context(tmp_path, db_url, site, webhook)
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    try:
        (tmp_path / "data").mkdir(exist_ok=True)
        (tmp_path / "data" / "digests").write_text("a file where the folder should be")
        assert run_digest(ctx, "files", NOW) is not None
        assert run_digest(ctx, "briefing", NOW) is not None
        assert counts(ctx) == {"pending": 1, "sent": 1} and len(webhook.bodies) == 1  # the webhook still got its own
        with ctx.db.session() as session:
            (owed,) = digest_store.pending(session, NOW + timedelta(days=1))
        assert owed.channel == "(file)" and owed.attempts == 1
        with ctx.db.session() as session:
            error = {c.channel: c.last_error for c in digest_store.channel_states(session, "files")}["(file)"]
        assert error is not None and error.startswith("FileExistsError: ")  # the type: the only clue
        (tmp_path / "data" / "digests").unlink()
        clock.advance(timedelta(minutes=2))
        assert deliver_pending(ctx) == [("(file)", True)]
        assert len(list((tmp_path / "data" / "digests").glob("files-*.html"))) == 1
    finally:
        ctx.close()


def test_back_off_doubles_from_two_minutes(tmp_path: Path, db_url: str, site: object, webhook: Webhook) -> None:
    ctx, clock = hook_context(tmp_path, db_url, site, webhook)
    try:
        webhook.status = 500
        run_digest(ctx, "briefing", NOW)
        for wait in (2, 4, 8):
            clock.advance(timedelta(minutes=wait - 1))
            assert deliver_pending(ctx) == []
            clock.advance(timedelta(minutes=1))
            assert deliver_pending(ctx) == [("hook", False)]
    finally:
        ctx.close()


def test_a_channel_gone_from_the_config_is_given_up_at_once(
    tmp_path: Path, db_url: str, site: object, smtp: SmtpSink, webhook: Webhook,
) -> None:
    ctx = context(tmp_path, db_url, site, [{"name": "hook", "url": webhook.url, "format": "text"},
                                            {"name": "ops", "url": smtp.url("ops@example.com"), "format": "text"}],
                  admin="ops")
    webhook.status = 500
    try:
        run_digest(ctx, "briefing", NOW)
    finally:
        ctx.close()
    path = write_config(tmp_path / "w.yaml", database_url=db_url, feeds=[], admin_channel="ops",
                        channels=[{"name": "ops", "url": smtp.url("ops@example.com"), "format": "text"}],
                        digests=[{"name": "briefing", "schedule": "every 1h", "channels": []}])
    later = build_context(load_config(path), clock=FrozenClock(NOW + timedelta(minutes=2)))
    try:
        assert deliver_pending(later) == [("hook", False)]
        assert counts(later) == {"failed": 1}
        (alert,) = smtp.messages
        assert b"After 2 attempt(s) the channel 'hook' refuses for good" in alert.content
    finally:
        later.close()


def test_retries_wait_out_quiet_hours_unless_the_digest_is_asked_for(
    tmp_path: Path, db_url: str, site: object, webhook: Webhook,
) -> None:
    from monitor.digest.run import deliver_owed

    ctx = two_digest_context(tmp_path, db_url, site, webhook, quiet_hours="09:01-10:00", timezone="UTC")
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    try:
        (tmp_path / "data").mkdir(exist_ok=True)
        (tmp_path / "data" / "digests").write_text("in the way")
        run_digest(ctx, "files", NOW)  # 09:00, just before its quiet hours: the file cannot be written
        (tmp_path / "data" / "digests").unlink()
        clock.advance(timedelta(minutes=30))
        assert deliver_pending(ctx) == []  # 09:30: quiet
        assert [(p.digest_name, ok) for p, ok in deliver_owed(ctx, send_now="files")] == [("files", True)]
    finally:
        ctx.close()


def test_a_stop_between_deliveries_gives_the_rest_back(
    tmp_path: Path, db_url: str, site: object, webhook: Webhook,
) -> None:
    from monitor.digest.run import reserve_digest

    ctx = two_digest_context(tmp_path, db_url, site, webhook)
    try:
        reserve_digest(ctx, "files", NOW)
        reserve_digest(ctx, "briefing", NOW)
        asked = iter([False, True])
        assert deliver_pending(ctx, should_stop=lambda: next(asked)) == [("(file)", True)]
        with ctx.db.session() as session:
            (left,) = digest_store.pending(session, NOW)  # unclaimed: another process may send it now
        assert left.channel == "hook" and webhook.bodies == []
    finally:
        ctx.close()


def test_a_broken_template_fails_the_delivery_with_its_file_and_line(
    tmp_path: Path, db_url: str, site: object, webhook: Webhook,
) -> None:
    ctx, clock = hook_context(tmp_path, db_url, site, webhook)
    template = tmp_path / "templates" / "digest.txt.j2"  # beside the config: it replaces the bundled one
    template.parent.mkdir()
    template.write_text("{{ digest.title }}\n{{ digest.entries | first | attr('headline') | upper }}\n")
    try:
        run_digest(ctx, "briefing", NOW)
        with ctx.db.session() as session:
            (state,) = digest_store.channel_states(session, "briefing")
        assert state.status == "pending" and webhook.bodies == []
        assert state.last_error is not None and state.last_error.startswith(f"{template}:2: digest template: ")
        template.write_text("{{ digest.title }}\n")  # fixed: the retry goes out
        clock.advance(timedelta(minutes=2))
        assert deliver_pending(ctx) == [("hook", True)]
    finally:
        ctx.close()


class Ntfy:
    """A local ntfy server that takes a message of at most ``limit`` characters, as its plugin declares,
    and refuses a longer one (413), recording what it took."""

    def __init__(self, limit: int = 7800) -> None:
        self.messages: list[dict[str, str]] = []
        ntfy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                status = 413 if len(payload["message"]) > limit else 200
                if status == 200:
                    ntfy.messages.append(payload)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"id": "m1"}' if status == 200 else b'{"error": "message too large"}')

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"ntfy://127.0.0.1:{self.server.server_address[1]}/digests-Qx7vT2"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def long_stories(ctx: Context, count: int) -> None:
    """``count`` stories fetched now, each with two long new sentences (about 1,000 characters a story)."""
    from monitor.store import feeds, items
    from monitor.types import Article, FeedEntry, FeedSpec, Judgement, NewItem, Relevance

    with ctx.db.session() as session:
        feeds.sync_feeds(session, [FeedSpec("https://wire.example/feed", "Wire", None, None)], NOW)
        feed_id = feeds.all_feeds(session)[0].id
        for n in range(count):
            said = tuple(f"Story {n:02d} sentence {k}: " + "the committee heard more evidence " * 12 for k in (1, 2))
            items.add_item(session, NewItem(
                feed_id=feed_id, entry=FeedEntry(f"s{n}", f"Story {n:02d} headline", f"https://wire.example/{n}",
                                                 "summary", NOW - timedelta(minutes=n)),
                article=Article("text", "page"), relevance=Relevance(("imran-khan",), (), 0.5),
                judgement=Judgement("new", "new", 0.9 - n / 100, said), content_hash=f"h{n}", fetched_at=NOW,
                outlet="Wire"))


def test_a_digest_longer_than_the_channel_takes_is_sent_with_the_stories_that_fit_and_counts_the_rest(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture,
) -> None:
    ntfy = Ntfy()
    path = write_config(tmp_path / "w.yaml", database_url=db_url, channels=[
        {"name": "phone", "url": ntfy.url, "format": "markdown"}],
        digests=[{"name": "briefing", "schedule": "every 1h", "channels": ["phone"]}])
    ctx = build_context(load_config(path), clock=FrozenClock(NOW))
    try:
        start(ctx)
        long_stories(ctx, 20)  # about 20,000 characters: sent whole, the server refused it at every attempt
        with caplog.at_level("INFO", logger="monitor.digest.run"):
            assert run_digest(ctx, "briefing", NOW) is not None
        assert counts(ctx) == {"sent": 1}
        (message,) = ntfy.messages
        body = message["message"]
        shown = re.findall(r"^## \d+\. \[Story (\d\d) headline\]", body, re.MULTILINE)
        assert shown == [f"{n:02d}" for n in range(len(shown))] and 5 <= len(shown) < 20  # the best, whole
        assert f"…and {20 - len(shown)} more." in body and "Nothing new" not in body
        assert f"Story {int(shown[-1]):02d} sentence 2" in body  # the last one shown is whole
        assert message["title"].startswith("20 new developments: ")  # the subject counts them all
        (cut,) = [r for r in caplog.records if r.getMessage() == "digest cut to fit the channel"]
        assert (cut.__dict__["shown"], cut.__dict__["more"]) == (len(shown), 20 - len(shown))
    finally:
        ctx.close()
        ntfy.server.shutdown()
        ntfy.server.server_close()
