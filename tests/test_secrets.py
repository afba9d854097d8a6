"""No secret in any output: every channel type the README names and a feed with credentials, each
through success and failure, at DEBUG, in text and JSON logs; every byte of stdout and stderr and
the database dump are searched for each secret.

Email, ntfy and JSON webhooks go to real local servers. Slack, Discord and Telegram have fixed
hosts that cannot be reached offline: their requests are sent to the same local server instead
(the seam is ``requests``' entry points, which apprise calls), so the servers' answers, echoing
the ``Authorization`` header and the path, are real HTTP.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from monitor.cli import main
from tests.conftest import SmtpSink, free_port, write_config

MAIL_PASSWORD = "MailPassw0rd11"
SLACK = ("T0SLACKAAA", "B0SLACKBBB", "XoxSlackTokenCCC333")
DISCORD = ("987654321098765432", "DiscordTok3nDDD444")
TELEGRAM = "123456789:TgBotTok3nEEE555fff"
NTFY_TOPIC = "ntfyT0picFFF666"
JSON_PASSWORD, JSON_PATH, JSON_QUERY = "JsonPassw0rd22", "JsonPathSecr3t777", "JsonQueryTok3n888"
FEED_PASSWORD, FEED_TOKEN, FEED_KEY = "FeedPassw0rd31", "FeedTok3n555", "FeedKey777"

SECRETS = [MAIL_PASSWORD, *SLACK, *DISCORD, TELEGRAM, TELEGRAM.split(":")[1], NTFY_TOPIC, JSON_PASSWORD, JSON_PATH,
           JSON_QUERY, FEED_PASSWORD, FEED_TOKEN, FEED_KEY,
           base64.b64encode(f"jsonuser:{JSON_PASSWORD}".encode()).decode(),
           base64.b64encode(f"feeduser:{FEED_PASSWORD}".encode()).decode()]

RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Guarded</title><item><title>Market notes</title>'
       b"<link>http://127.0.0.1:1/a</link><guid>g1</guid><description>Prices.</description></item></channel></rss>")


class Peer:
    """One local HTTP server for the webhooks and the feed: it answers well, or fails while echoing
    what it was sent (headers with ``Authorization``, and the path with its tokens)."""

    def __init__(self) -> None:
        self.failing = False
        self.requests: list[str] = []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                peer.answer(self)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                peer.answer(self)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, h: BaseHTTPRequestHandler) -> None:
        self.requests.append(h.path)
        if h.path.startswith("/feed.xml"):
            self._feed(h)
        elif self.failing:
            echo = f"refused {h.path}\nAuthorization: {h.headers.get('Authorization')}".encode()
            self._send(h, 500, echo, "text/plain")
        elif h.path.startswith("/services/"):  # a Slack webhook answers "ok"
            self._send(h, 200, b"ok", "text/plain")
        else:
            self._send(h, 200, b'{"ok": true, "result": {"message_id": 1}}', "application/json")

    def _feed(self, h: BaseHTTPRequestHandler) -> None:
        expected = "Basic " + base64.b64encode(f"feeduser:{FEED_PASSWORD}".encode()).decode()
        if self.failing:  # a redirect to itself: the error names the URL, credentials and all
            h.send_response(302)
            h.send_header("Location", h.path)
            h.send_header("Content-Length", "0")
            h.end_headers()
        elif h.headers.get("Authorization") != expected:
            self._send(h, 401, b"who are you", "text/plain")
        else:
            self._send(h, 200, RSS, "application/rss+xml")

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str) -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def peer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Peer]:
    server = Peer()
    local = urlsplit(server.base)

    def redirected(send: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            args = list(args)
            at = 1 if args and str(args[0]).upper() in ("GET", "POST", "PUT", "DELETE") else 0
            target = urlsplit(args[at] if len(args) > at else kwargs.pop("url"))
            url = urlunsplit(("http", local.netloc, target.path, target.query, ""))
            if len(args) > at:
                args[at] = url
            else:
                kwargs["url"] = url
            return send(*args, **kwargs)
        return call

    for name in ("get", "post", "request"):  # apprise's Slack, Discord and Telegram plugins call these
        monkeypatch.setattr(requests, name, redirected(getattr(requests, name)))
    yield server
    server.stop()


class Mailbox(SmtpSink):
    def authenticate(self, _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.password.decode() == MAIL_PASSWORD and not self.refuse
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port, auth_require_tls=False,
                            authenticator=box.authenticate)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def channels(peer: Peer, mailbox: Mailbox) -> list[dict[str, str]]:
    host = urlsplit(peer.base).netloc
    return [
        {"name": "mail", "url": f"mailto://mailer:{MAIL_PASSWORD}@127.0.0.1:{mailbox.port}?mode=insecure"
                                "&from=monitor@example.com&to=analyst@example.com"},
        {"name": "slack", "url": "https://hooks.slack.com/services/" + "/".join(SLACK)},
        {"name": "discord", "url": "discord://" + "/".join(DISCORD)},
        {"name": "telegram", "url": f"tgram://{TELEGRAM}/-100200300"},
        {"name": "ntfy", "url": f"ntfy://{host}/{NTFY_TOPIC}"},
        {"name": "json", "url": f"json://jsonuser:{JSON_PASSWORD}@{host}/hook/{JSON_PATH}?:token={JSON_QUERY}"},
    ]


def run(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capfd.readouterr()
    return code, captured.out + captured.err


def test_no_secret_in_any_output_or_in_the_database(
    tmp_path: Path, peer: Peer, mailbox: Mailbox, capfd: pytest.CaptureFixture[str],
) -> None:
    feed_url = f"http://feeduser:{FEED_PASSWORD}@{urlsplit(peer.base).netloc}/feed.xml?token={FEED_TOKEN}" \
               f"&apikey={FEED_KEY}"
    database = tmp_path / "monitor.db"
    config = str(write_config(tmp_path / "w.yaml", database_url=f"sqlite:///{database}", feeds=[{"url": feed_url}],
                              channels=channels(peer, mailbox)))
    output: list[str] = []
    for log_format in ("text", "json"):
        for failing in (False, True):
            peer.failing = mailbox.refuse = failing
            base = ["-c", config, "--verbose", "--log-format", log_format]
            for channel in ("mail", "slack", "discord", "telegram", "ntfy", "json"):
                code, text = run(capfd, *base, "test-notify", channel)
                assert code == (1 if failing else 0), (channel, failing, text)
                output.append(text)
            for command in (["poll", "--once", "--all"], ["status"], ["feeds", "show", "1"], ["feeds", "export"]):
                code, text = run(capfd, *base, *command)
                assert code == 0, (command, text)
                output.append(text)
    everything = "\n".join(output)
    # The runs did what they claim: every channel was reached, both ways, and logged at DEBUG.
    assert everything.count("accepted the test message") == 12 and everything.count("did not accept") == 12
    assert len(mailbox.messages) == 2 and len([p for p in peer.requests if p.startswith("/feed.xml")]) >= 4
    assert "DEBUG" in everything and '"level": "DEBUG"' in everything
    assert "redirect loop" in everything and "polled 1 feeds: 1 new items" in everything
    for secret in SECRETS:
        assert secret.lower() not in everything.lower(), secret
    assert not leaked_in_database(database)


def leaked_in_database(database: Path) -> list[str]:
    """Each secret found in the dump, outside the feed's own address (the database keeps what it
    polls, as the config file does)."""
    with sqlite3.connect(database) as db:
        db.execute("UPDATE feeds SET url = '', fetch_url = NULL")
        dump = "\n".join(db.iterdump())
    assert "redirect loop" in dump  # the failures were recorded
    return [secret for secret in SECRETS if secret.lower() in dump.lower()]


def test_opml_export_to_a_file_keeps_the_real_address(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    feed_url = f"https://feeduser:{FEED_PASSWORD}@feeds.example/rss?token={FEED_TOKEN}"
    config = str(write_config(tmp_path / "w.yaml", database_url=f"sqlite:///{tmp_path / 'm.db'}",
                              feeds=[{"url": feed_url, "name": "Guarded"}]))
    code, shown = run(capfd, "-c", config, "feeds", "export")
    assert code == 0 and FEED_PASSWORD not in shown and FEED_TOKEN not in shown and "export with --out" in shown
    out = tmp_path / "subs.opml"
    out.write_text("an older export")
    out.chmod(0o644)
    assert run(capfd, "-c", config, "feeds", "export", "--out", str(out))[0] == 0
    assert out.stat().st_mode & 0o077 == 0  # readable by its owner only
    exported = out.read_text(encoding="utf-8")
    assert json.dumps(feed_url)[1:-1].replace("&", "&amp;") in exported
