"""Canonical article URLs: one address per article, whatever link a feed used.

Lower-case scheme and host, no default port, no fragment, no tracking parameters,
no AMP variant, and Google News redirect links unwrapped to the publisher's URL
where the link still carries it. Characters no output should show raw (controls,
bidirectional controls, spaces) are percent-encoded.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from monitor.untrusted import CAPS, link_safe

_TRACKING = re.compile(
    r"^(utm_.*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_[a-z]+|igshid|yclid|_ga|_gl|ref_src|cmpid|ocid|"
    r"at_medium|at_campaign|s_cid|smid|taid|__twitter_impression)$",
    re.IGNORECASE,
)
_AMP_QUERY = {"amp", "outputtype", "amp_js_v", "usqp"}
_DEFAULT_PORTS = {"http": 80, "https": 443}
_GOOGLE_NEWS_HOSTS = {"news.google.com"}


def canonical_url(url: str) -> str:
    """The canonical form of an article URL, with every control, bidirectional control and space
    character percent-encoded; "" when it is no usable address: no host or one with such a
    character, a port out of range, a broken IPv6 literal, or longer than the cap on links (a cut
    one would be another address)."""
    try:
        return _canonical(link_safe(unwrap_google_news(url.strip()) or url.strip()))
    except ValueError:  # urllib's verdict on a port or an IPv6 literal
        return ""


def _canonical(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not host or "%" in host:
        return ""
    if host.startswith("amp."):
        host = host[4:]
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if parts.port and parts.port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    query = urlencode([
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING.match(k) and not (k.lower() in _AMP_QUERY and v.lower() in ("", "1", "amp", "true"))
    ])
    canonical = urlunsplit((scheme, host, _strip_amp_path(parts.path) or "/", query, ""))
    return canonical if len(canonical) <= CAPS["url"] else ""


def _strip_amp_path(path: str) -> str:
    """``/a/amp``, ``/amp/a``, ``/a.amp.html``, ``/a/amp.html`` -> the article path."""
    path = re.sub(r"\.amp(\.html?)$", r"\1", path)
    path = re.sub(r"/amp(\.html?)?/?$", "", path)
    return re.sub(r"^/amp/", "/", path)


def unwrap_google_news(url: str) -> str | None:
    """The publisher URL inside a Google News ``/rss/articles/<id>`` link, when the id embeds it.

    Older ids are base64 of a small protobuf record holding the URL; newer opaque ids do not
    carry it (resolving those needs a request to Google), so they return None.
    """
    parts = urlsplit(url)
    if (parts.hostname or "").lower() not in _GOOGLE_NEWS_HOSTS or "/articles/" not in parts.path:
        return None
    token = parts.path.rsplit("/", 1)[-1]
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    return _protobuf_url(raw)


def _protobuf_url(raw: bytes) -> str | None:
    """The first length-delimited field whose bytes are an http(s) URL."""
    at = 0
    while (at := raw.find(b'"', at)) != -1:
        size, shift, pos = 0, 0, at + 1
        while pos < len(raw) and shift < 28:
            byte = raw[pos]
            size |= (byte & 0x7F) << shift
            pos, shift = pos + 1, shift + 7
            if not byte & 0x80:
                break
        candidate = raw[pos : pos + size]
        if candidate.startswith((b"http://", b"https://")) and len(candidate) == size:
            try:
                return candidate.decode("ascii")
            except UnicodeDecodeError:
                return None
        at += 1
    return None
