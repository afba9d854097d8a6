"""The apprise seam: a real local SMTP server accepts and refuses; secrets never reach the log."""

from __future__ import annotations

import pytest

from monitor.errors import NotifyError, SettingError
from monitor.notify import send, validate_url
from monitor.redact import redact_channel
from tests.conftest import SmtpSink, free_port


def test_send_html_email(smtp: SmtpSink) -> None:
    send(smtp.url(), "2 new developments", "<p>Hello &amp; welcome</p>", "html")
    assert len(smtp.messages) == 1
    assert b"Subject: 2 new developments" in smtp.messages[0].content


def test_refused_message_is_a_failure_with_a_redacted_log(smtp: SmtpSink) -> None:
    smtp.refuse = True
    url = f"mailto://ops:hunter2secret@127.0.0.1:{smtp.port}?mode=insecure&from=monitor@example.com&to=a@example.com"
    with pytest.raises(NotifyError) as info:
        send(url, "title", "body", "text")
    assert info.value.detail  # apprise's own account of the failure
    assert "hunter2secret" not in info.value.detail
    assert "hunter2secret" not in str(info.value)


def test_unreachable_server_is_a_failure() -> None:
    url = f"mailto://127.0.0.1:{free_port()}?mode=insecure&from=monitor@example.com&to=a@example.com"
    with pytest.raises(NotifyError, match=r"^notify: .*(refused|Errno|onnect)") as info:
        send(url, "title", "body", "text")
    assert not info.value.permanent


def test_invalid_url_names_only_the_scheme() -> None:
    with pytest.raises(SettingError, match="scheme 'nosuch'") as info:
        validate_url("nosuch://supersecrettoken")
    assert "supersecrettoken" not in str(info.value)
    with pytest.raises(SettingError, match="not an apprise URL: it starts with its scheme") as info:
        validate_url("xoxb-supersecrettoken/abc:zz")  # what precedes a ':' is no scheme here, but a token
    assert "supersecrettoken" not in str(info.value)


def test_redact_hides_every_secret_part() -> None:
    url = "slack://T1ABCDEF/B2GHIJKL/c3mnopqrstu/#news?token=abcdef123"
    text = f"posting to {url} failed for T1ABCDEF with abcdef123"
    cleaned = redact_channel(text, url)
    for secret in ("T1ABCDEF", "B2GHIJKL", "c3mnopqrstu", "abcdef123"):
        assert secret not in cleaned


def test_a_subject_of_headlines_in_another_script_is_cut_to_what_mail_servers_accept(smtp: SmtpSink) -> None:
    from datetime import UTC, datetime
    from email import message_from_bytes, policy

    from monitor.digest.build import build_digest
    from monitor.types import DigestEntry

    when = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    headlines = ["इमरान खान की अपील पर सुनवाई तीन दिसंबर तक टली, अदालत ने जेल में मुलाकात का आदेश दिया",
                 "पीटीआई ने इस्लामाबाद में रैली की घोषणा की, प्रशासन ने धारा 144 लागू करने पर विचार किया",
                 "अमेरिकी विदेश विभाग ने पाकिस्तान के साथ व्यापार वार्ता के अगले दौर की तारीख घोषित की"]
    entries = [DigestEntry(item_id=i, title=t, url=f"https://a.example/{i}", outlet="Alpha", published=when,
                           verdict="new", score=1.0, matched="", novel_sentences=(), summary="")
               for i, t in enumerate(headlines)]
    title = build_digest("briefing", entries, window_end=when, max_items=5).title  # three headlines, as sent
    send(smtp.url(), title, "<p>Hello</p>", "html")  # unfolded, encoded, it was a line the server refused
    (message,) = smtp.messages
    assert all(len(line) <= 998 for line in message.content.splitlines())
    subject = str(message_from_bytes(message.content, policy=policy.default)["Subject"])
    assert subject.endswith("…") and title.startswith(subject[:-1].rstrip())
    assert subject.startswith("3 new developments: इमरान खान की अपील")
    send(smtp.url(), "2 new developments: Court adjourns appeal; PTI rally", "<p>Hi</p>", "html")
    assert b"Subject: 2 new developments: Court adjourns appeal; PTI rally\r\n" in smtp.messages[1].content


class RedirectingHook:
    """A local webhook whose ``/hook`` answers every POST with a redirect to ``/moved``, which takes
    any method (as a web server's catch-all page would), recording each request."""

    def __init__(self, status: int, delay: float = 0.0) -> None:
        import threading
        import time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests: list[tuple[str, str, bytes]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                hook.requests.append((self.command, self.path, body))
                time.sleep(delay)
                self.send_response(status if self.path == "/hook" else 200)
                self.send_header("Location", "/moved")
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_webhook_that_redirects_has_not_taken_the_message(status: int) -> None:
    hook = RedirectingHook(status)
    try:
        with pytest.raises(NotifyError, match=rf"error={status}.*a redirect, which is not followed") as info:
            send(hook.url, "title", "the digest", "text")  # a 30[123] used to be followed by a GET: "delivered"
        assert not info.value.permanent
        assert [(method, path) for method, path, _ in hook.requests] == [("POST", "/hook")]
        assert b"the digest" in hook.requests[0][2]
    finally:
        hook.close()


def test_a_webhook_that_answers_after_apprise_s_four_seconds_has_taken_the_message_once() -> None:
    hook = RedirectingHook(200, delay=5.0)
    try:
        send(hook.url, "title", "the digest", "text")  # refused after 4 s before: each retry sent it again
        assert [(method, path) for method, path, _ in hook.requests] == [("POST", "/hook")]
    finally:
        hook.close()


def test_a_message_fits_a_channel_by_the_limit_its_service_declares_as_it_would_be_sent() -> None:
    from monitor.notify import fits

    slack = "slack://T1ABCDEFG/B1ABCDEFG/abcdefghijklmnopqrstuvwx/#news"
    assert fits(slack, "title", "a" * 35_000, "slack") and not fits(slack, "title", "a" * 35_001, "slack")
    assert not fits(slack, "title", "&" * 8_000, "slack")  # sent as &amp;: 40,000 characters
    discord = "discord://123456789/abcdefghijklmnopqrstuvwxyz"
    assert fits(discord, "t" * 98, "b" * 1_900, "text") and not fits(discord, "t" * 99, "b" * 1_900, "text")
    for unlimited in ("mailto://127.0.0.1:25?mode=insecure&from=m@example.com&to=a@example.com",
                      "json://127.0.0.1:8080/hook"):
        assert fits(unlimited, "title", "b" * 1_000_000, "html")  # no limit of its own: any length
