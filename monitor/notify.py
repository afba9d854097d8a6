"""The only apprise seam: validate channel URLs and send one message.

apprise never raises on a failed delivery, so every send checks the result and
captures apprise's own log; the log is redacted before it is stored, because apprise
URLs carry tokens and passwords.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from monitor.errors import NotifyError, SettingError
from monitor.formats import Format, output_format
from monitor.redact import redact_channel
from monitor.textnorm import shortened

if TYPE_CHECKING:
    from apprise import Apprise, AppriseAsset

log = logging.getLogger(__name__)

_MAIL = ("mailto", "mailtos")
# apprise writes the Subject on one line, never folded, and a mail server refuses a line over 998
# characters; a subject that is not ASCII is encoded (=?utf-8?q?…?=), at most 3 characters a byte.
_SUBJECT_CHARS = 998 - len("Subject: ")
_ENCODED_WORD = len("=?utf-8?q??=")

_REASON = re.compile(r"exception|errno|refused|timed out|timeout|denied|unauthori[sz]ed|forbidden|response|"
                     r"status|code|certificate|ssl|auth", re.IGNORECASE)


_REDIRECT = re.compile(r"\berror=3\d\d\b")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]{0,15})://")


def validate_url(url: str) -> None:
    """Raise SettingError (naming only the scheme, never the secret) if apprise rejects ``url``."""
    import apprise

    if not apprise.Apprise().add(url):
        found = _SCHEME.match(url)
        if found is None:  # what comes before a ':' that is no scheme may be a token: never shown
            raise SettingError("not an apprise URL: it starts with its scheme, e.g. mailtos://… or slack://…")
        scheme = found[1]
        raise SettingError(f"not a valid apprise URL (scheme {scheme!r}); see the apprise wiki for its format")


def scheme_of(url: str) -> str:
    """The URL's scheme: the only part of a channel URL that may be logged."""
    return url.split(":", 1)[0].lower() if ":" in url else ""


def with_identity(url: str, identity: str) -> str:
    """For email, the digest's stable identity in the headers: ``X-Monitor-Digest`` and a
    ``References`` id, so a client can recognise (and thread) a digest that arrives twice.
    Other channels have no such header; the URL is returned as it is."""
    if scheme_of(url) not in _MAIL:
        return url
    headers = {"+X-Monitor-Digest": identity, "+References": f"<{identity}@monitor>"}
    return url + ("&" if "?" in url else "?") + urlencode(headers, safe="+")


def mail_subject(title: str) -> str:
    """``title``, cut at a word (an ellipsis marking the cut) where its Subject line would be longer
    than a mail server accepts: three headlines in Urdu or Hindi already are, once encoded."""
    longest = len(title) if title.isascii() else _ENCODED_WORD + 3 * len(title.encode())
    if longest <= _SUBJECT_CHARS:
        return title
    budget, kept = _SUBJECT_CHARS - _ENCODED_WORD - 3 * len("…".encode()), 0
    for char in title:
        budget -= 3 * len(char.encode())
        if budget < 0:
            break
        kept += 1
    return shortened(title, kept + 1)  # the first ``kept`` characters at most, then the ellipsis


def fits(url: str, title: str, body: str, fmt: Format) -> bool:
    """Whether the message is within the longest one the channel's service takes, as its apprise plugin
    declares it (Slack 35,000 characters, Telegram 4,096, ntfy 7,800, Discord 2,000 with the title),
    measured as apprise would send it (converted to the service's format and dialect, the title counted
    where the service puts it in the body). apprise sends a longer one whole, for the service to refuse
    or cut; a plugin that declares no limit of its own (email, webhooks) takes any length."""
    import apprise
    from apprise.conversion import convert_between

    plugin = apprise.Apprise.instantiate(url, asset=_asset())
    if plugin is None or not _declares_limit(type(plugin)):
        return True
    source = apprise.NotifyFormat(output_format(fmt).body)
    target = plugin.resolve_format(source)
    sent = plugin.dialect_convert(convert_between(source, target, body), target)  # type: ignore[no-untyped-call]
    in_body = plugin.title_maxlen <= 0 or plugin.overflow_amalgamate_title
    return len(sent) + (len(title) + 2 if in_body and title else 0) <= plugin.body_maxlen


def _declares_limit(plugin: type) -> bool:
    """Whether an apprise plugin states its service's message limit (the base class's is a placeholder
    that plugins for services without one, such as email and webhooks, inherit and never apply)."""
    from apprise.plugins.base import NotifyBase

    return any("body_maxlen" in vars(cls) for cls in plugin.__mro__ if cls is not NotifyBase)


def send(url: str, title: str, body: str, fmt: Format, accepted: set[str] | None = None) -> None:
    """Send one message through apprise; a NotifyError with the cause (and apprise's redacted log as
    its detail) when the channel does not accept it. An email's subject is kept short enough to send.

    ``accepted`` names (by digest, see :class:`_Accepted`) the recipients of a channel with several (the
    addresses of an email, the channels of a Slack URL, Telegram chats) that took this message at an
    earlier attempt: they are skipped, and each that takes it now is added, so a retry after one of
    them refused goes to the others only."""
    import apprise

    if scheme_of(url) in _MAIL:
        title = mail_subject(title)
    body_format = apprise.NotifyFormat(output_format(fmt).body)
    client = apprise.Apprise(asset=_asset())
    if not client.add(url):
        raise NotifyError(f"invalid apprise URL (scheme {scheme_of(url)!r})", permanent=True)
    _wait_for_answers(client)
    with apprise.LogCapture(level=logging.DEBUG) as captured, _tracking(accepted):  # type: ignore[no-untyped-call]
        ok = bool(client.notify(title=title, body=body, body_format=body_format))
        detail = "" if ok else redact_channel(captured.getvalue(), url)
    if not ok:
        cause = _cause(detail)
        log.debug("notify failed", extra={"channel_scheme": scheme_of(url), "cause": cause})  # callers report it
        raise NotifyError(cause, detail=detail[-4000:])


class _Accepted(set[tuple[int | None, object]]):
    """apprise's record of the recipients that took a message (``(piece, (type, repr))`` of a key such
    as an address), which apprise keeps only across its own retries within one call. Here it is kept
    in ``digests`` as a digest of each key, which the ledger can store: no address or chat id in the
    database. Only keys of plain types count: a marker object's repr changes with every process."""

    def __init__(self, digests: set[str]) -> None:
        super().__init__()
        self.digests = digests

    def __contains__(self, slot: object) -> bool:
        return _digest(slot) in self.digests

    def add(self, slot: tuple[int | None, object]) -> None:
        key = _digest(slot)
        if key is not None:
            self.digests.add(key)


def _digest(slot: object) -> str | None:
    match slot:
        case (int() | None as piece, (type() as kind, str() as text)) if kind in (str, int, tuple):
            return hashlib.sha256(f"{piece}\0{kind.__name__}\0{text}".encode()).hexdigest()[:32]
    return None


@contextlib.contextmanager
def _tracking(accepted: set[str] | None) -> Iterator[None]:
    """While apprise sends, its record of the recipients that took the message is ``accepted``. That
    record is apprise's own (pinned in ``pyproject.toml``); a release without it sends to every
    recipient at each attempt, as before, and says so once."""
    try:
        from apprise.plugins.base import _delivery_tracker
    except ImportError:
        _warn_untracked()
        yield
        return
    token = _delivery_tracker.set(_Accepted(accepted if accepted is not None else set()))
    try:
        yield
    finally:
        _delivery_tracker.reset(token)


@functools.cache
def _warn_untracked() -> None:
    log.warning("this apprise release keeps no record of the recipients that took a message: a retry "
                "goes to every recipient of a channel again")


READ_TIMEOUT = 30.0  # seconds a channel may take to answer (apprise's own default, 4, is shorter than many webhooks)


def _wait_for_answers(client: Apprise) -> None:
    """Let each of the client's services take :data:`READ_TIMEOUT` to answer, unless its URL asks for
    another time (``rto=``): a service that took the message but answered after apprise's 4 seconds
    counted as refused, so every retry delivered it again."""
    from apprise import URLBase

    for plugin in client:
        if plugin.socket_read_timeout == URLBase.socket_read_timeout:
            plugin.socket_read_timeout = READ_TIMEOUT


def _asset() -> AppriseAsset:
    """apprise's settings for a send: HTTP redirects are not followed. requests would follow a 301, 302
    or 303 with a GET that carries no message, and apprise would report the GET's 200 as delivered;
    a redirect is instead a refusal whose status the delivery's error names (a URL's own
    ``redirect=yes`` still follows them)."""
    import apprise

    return apprise.AppriseAsset(http_redirects=False)


def _cause(captured: str) -> str:
    """One line from apprise's log: its warnings and errors, then the debug lines that say why."""
    messages = [line.split(" - ", 2) for line in captured.splitlines()]
    said = [m[2] for m in messages if len(m) == 3 and m[1] in ("WARNING", "ERROR", "CRITICAL")]
    why = [m[2] for m in messages if len(m) == 3 and m[1] == "DEBUG" and _REASON.search(m[2])
           and not m[2].startswith("Loaded ")]
    cause = ": ".join(dict.fromkeys(said + why)) or "the channel did not accept the message (apprise gave no reason)"
    if _REDIRECT.search(cause):
        cause += " (a redirect, which is not followed: give the channel its new address)"
    return cause
