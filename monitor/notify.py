"""The only apprise seam: validate channel URLs and send one message.

apprise never raises on a failed delivery, so every send checks the result and
captures apprise's own log; the log is redacted before it is stored, because apprise
URLs carry tokens and passwords.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from monitor.redact import redact_channel

log = logging.getLogger(__name__)

Format = Literal["text", "markdown", "html", "slack"]


@dataclass(frozen=True)
class SendResult:
    """The outcome of one send: ``ok``, and apprise's redacted log when it failed."""

    ok: bool
    detail: str = ""


def validate_url(url: str) -> None:
    """Raise ValueError (naming only the scheme, never the secret) if apprise rejects ``url``."""
    import apprise

    if not apprise.Apprise().add(url):
        scheme = url.split(":", 1)[0] if ":" in url else "(none)"
        raise ValueError(f"not a valid apprise URL (scheme {scheme!r}); see the apprise wiki for its format")


def scheme_of(url: str) -> str:
    """The URL's scheme: the only part of a channel URL that may be logged."""
    return url.split(":", 1)[0].lower() if ":" in url else ""


def with_identity(url: str, identity: str) -> str:
    """For email, the digest's stable identity in the headers: ``X-Monitor-Digest`` and a
    ``References`` id, so a client can recognise (and thread) a digest that arrives twice.
    Other channels have no such header; the URL is returned as it is."""
    if scheme_of(url) not in ("mailto", "mailtos"):
        return url
    headers = {"+X-Monitor-Digest": identity, "+References": f"<{identity}@monitor>"}
    return url + ("&" if "?" in url else "?") + urlencode(headers, safe="+")


def send(url: str, title: str, body: str, fmt: Format) -> SendResult:
    """Send one message through apprise and report whether the channel accepted it."""
    import apprise

    body_format = {
        "html": apprise.NotifyFormat.HTML,
        "markdown": apprise.NotifyFormat.MARKDOWN,
        "slack": apprise.NotifyFormat.TEXT,  # apprise then escapes &, < and > for Slack itself
        "text": apprise.NotifyFormat.TEXT,
    }[fmt]
    client = apprise.Apprise()
    if not client.add(url):
        return SendResult(False, f"notify: invalid apprise URL (scheme {scheme_of(url)!r})")
    with apprise.LogCapture(level=logging.INFO) as captured:  # type: ignore[no-untyped-call]
        ok = bool(client.notify(title=title, body=body, body_format=body_format))
        detail = "" if ok else redact_channel(captured.getvalue(), url)
    if not ok:
        log.warning("notify failed", extra={"channel_scheme": scheme_of(url)})
    return SendResult(ok, detail[-4000:])
