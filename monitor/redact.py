"""The one redaction rule for everything the service writes: logs, stdout, ``status``,
``feeds show``, operator alerts, the database's error columns and what a failed channel reported.

Two layers, applied together by :func:`redact`:

* patterns that need no configuration: URL credentials (``scheme://user:password@`` or a token
  given as the user), secret-looking query values (``token=``, ``feed_token=``, ``api-key=`` …)
  and ``Authorization`` header values;
* the secrets of the configured channels and feeds, remembered at start-up (:func:`remember`):
  every part of a channel URL that looks like a token (see :func:`channel_secrets`), a feed's or
  the database's password and secret query values, and the ``Basic`` form of each user and password.
  Libraries (apprise, httpx …) log these in forms no pattern can know; the literal values are
  replaced wherever they appear.

Redacted text shows ``***`` in place of each secret.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

MASK = "***"
MIN_SECRET_CHARS = 4  # shorter pieces (ports, "to", ids like "1") are not secrets and would mask too much

# query parameter names that carry secrets: a secret word after words joined by _ or - or in camelCase
# (feed_token, client_secret, api-key, accessToken, xApiKey …), or one of the unambiguous words glued to
# a prefix (authtoken, sslpassword; not "monkey" or "bypass")
_SECRET_WORDS = r"token|secret|password|passwd|pass|apikey|key|auth|sig|signature|session|credentials?"  # noqa: S105
_GLUED_WORDS = r"token|secret|password|passwd|apikey|credentials?"
_SECRET_NAMES = (rf"(?:[a-z0-9]+[_-]|(?-i:[A-Z]?[a-z0-9]+(?=[A-Z])))*"
                 rf"(?:[a-z0-9]*(?:{_GLUED_WORDS})|{_SECRET_WORDS})")
# user:pass@, or a token@, up to the authority's last @ (a password may hold a raw one, as URL parsers allow);
# also after one slash, as a URL given where a file path was wanted reads once made a path (https:/user:pw@…)
_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*:/{1,2})[^/\s?#]+@", re.IGNORECASE)
_SECRET_QUERY = re.compile(rf"(?P<key>[?&;]{_SECRET_NAMES}=)[^&#\s\"']+", re.IGNORECASE)
_AUTH_HEADER = re.compile(
    r"(?P<key>\b(?:proxy-)?authorization\b[\"']?\s*[:=]\s*[\"']?(?:(?:basic|bearer|token|digest)\s+)?)"
    r"[^\s\"',}]+", re.IGNORECASE)
_SECRET_QUERY_KEYS = re.compile(rf"^{_SECRET_NAMES}$", re.IGNORECASE)
_WORD = re.compile(r"^[a-z]{1,11}$", re.IGNORECASE)  # an ordinary word: not masked wherever it appears
_DOMAIN_SCHEMES = {"http", "https", "json", "jsons", "xml", "xmls", "form", "forms", "mailto", "mailtos"}


class _Known:
    """The literal secrets remembered so far, as one compiled pattern."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self.pattern: re.Pattern[str] | None = None

    def add(self, secrets: Iterable[str]) -> None:
        with self._lock:
            written = {s for s in secrets if len(s) >= MIN_SECRET_CHARS}
            as_json = {_as_json(s, ascii_only) for s in written for ascii_only in (True, False)}
            fresh = (written | as_json) - self._secrets  # also as a JSON log writes them
            if not fresh:
                return
            self._secrets |= fresh
            ordered = sorted(self._secrets, key=len, reverse=True)  # the longest first: a token may contain another
            self.pattern = re.compile("|".join(_spellings(s) for s in ordered), re.IGNORECASE)

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()
            self.pattern = None


_KNOWN = _Known()


def redact(text: str) -> str:
    """``text`` with every secret replaced by ``***``."""
    text = _CREDENTIALS.sub(rf"\g<scheme>{MASK}@", text)
    text = _SECRET_QUERY.sub(rf"\g<key>{MASK}", text)
    text = _AUTH_HEADER.sub(rf"\g<key>{MASK}", text)
    pattern = _KNOWN.pattern
    return pattern.sub(MASK, text) if pattern is not None else text


def redact_channel(text: str, url: str) -> str:
    """``text`` redacted, and every secret part of this channel URL too (remembered or not)."""
    text = redact(text)
    for secret in sorted(channel_secrets(url), key=len, reverse=True):
        text = re.sub(_spellings(secret), MASK, text, flags=re.IGNORECASE)
    return text


def _as_json(secret: str, ascii_only: bool) -> str:
    """``secret`` as it reads inside a JSON string (the JSON log keeps non-ASCII letters as they are)."""
    return json.dumps(secret, ensure_ascii=ascii_only)[1:-1]


def _spellings(secret: str) -> str:
    """A pattern of ``secret`` as written or percent-encoded, whole or in part, as a library may quote
    it again in a URL it logs (``a+b/c`` also as ``a%2Bb%2Fc`` or ``a+b%2Fc``; a space also as ``+``)."""
    return "".join(_char_spellings(char) for char in secret)


def _char_spellings(char: str) -> str:
    if char.isascii() and char.isalnum():
        return char
    encoded = "".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
    spellings = [re.escape(char), encoded, *([r"\+"] if char == " " else [])]
    return f"(?:{'|'.join(spellings)})"


def without_credentials(url: str) -> str:
    """The URL with no user, password or secret-named query value: a feed's default name, and the base
    against which its relative links are resolved (so no article link inherits the feed's password)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    query = "&".join(pair for pair in parts.query.split("&") if not _SECRET_QUERY_KEYS.match(pair.split("=", 1)[0]))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def remember(*, channels: Iterable[str] = (), feeds: Iterable[str] = ()) -> None:
    """Remember the secrets of these channel and feed URLs, so :func:`redact` hides them anywhere."""
    secrets: set[str] = set()
    for url in channels:
        secrets |= channel_secrets(url)
    for url in feeds:
        secrets |= feed_secrets(url)
    _KNOWN.add(secrets)


def forget_all() -> None:
    """Drop the remembered secrets (a fresh configuration replaces them)."""
    _KNOWN.clear()


def channel_secrets(url: str) -> set[str]:
    """Every part of a channel (apprise) URL that may be a secret: its password, and each other part
    (user, token host, path segment, query value, fragment) that looks like a token rather than an
    ordinary word of under 12 letters (``notify``, ``news``, ``POST``), which would
    otherwise be masked in every line where the word appears."""
    parts = urlsplit(url)
    secrets = _userinfo(parts.username, parts.password)
    host = parts.hostname or ""
    if parts.scheme.lower() not in _DOMAIN_SCHEMES and "." not in host and host != "localhost":
        secrets.add(unquote(parts.netloc))  # a token, e.g. tgram://BOTID:TOKEN/…, not an address
        secrets.update(unquote(piece) for piece in re.split(r"[@:]", parts.netloc))
    secrets.update(unquote(segment) for segment in parts.path.split("/"))
    secrets.update(value for _, value in parse_qsl(parts.query))
    secrets.update(re.split(r"[^\w.-]+", unquote(parts.fragment)))
    password = unquote(parts.password or "")
    return {s for s in secrets if len(s) >= MIN_SECRET_CHARS and (s == password or not _WORD.match(s))}


def feed_secrets(url: str) -> set[str]:
    """A feed (or database) URL's password, its ``Basic`` form, and secret-named query values; a user
    name is a secret only when it comes without a password (a token given as the user)."""
    parts = urlsplit(url)
    secrets = _userinfo(parts.username, parts.password)
    if parts.password:
        secrets.discard(unquote(parts.username or ""))  # with a password, the user name is not the secret
    secrets.update(value for key, value in parse_qsl(parts.query) if _SECRET_QUERY_KEYS.match(key))
    return {s for s in secrets if len(s) >= MIN_SECRET_CHARS}


def _userinfo(user: str | None, password: str | None) -> set[str]:
    secrets = {unquote(user or ""), unquote(password or "")}
    if password:
        pair = f"{unquote(user or '')}:{unquote(password)}".encode()
        secrets.add(base64.b64encode(pair).decode("ascii"))
    return secrets
