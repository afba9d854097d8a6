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


def test_redact_hides_every_secret_part() -> None:
    url = "slack://T1ABCDEF/B2GHIJKL/c3mnopqrstu/#news?token=abcdef123"
    text = f"posting to {url} failed for T1ABCDEF with abcdef123"
    cleaned = redact_channel(text, url)
    for secret in ("T1ABCDEF", "B2GHIJKL", "c3mnopqrstu", "abcdef123"):
        assert secret not in cleaned
