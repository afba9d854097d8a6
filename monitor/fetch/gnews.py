"""Resolving Google News article links to the publisher's URL.

Google News search feeds link every entry to ``news.google.com/rss/articles/<id>``, a page
that forwards the reader with JavaScript, not with an HTTP redirect. Older ids embed the
publisher URL (see :func:`monitor.urls.unwrap_google_news`); newer opaque ids are resolved the
way the Google News web page does it: the article page carries a signature and a timestamp,
and a ``batchexecute`` call with them answers the URL. This interface is not documented by
Google, so every failure is an ordinary FetchError and the entry keeps its Google link.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from monitor.errors import FetchError
from monitor.fetch.http import HttpClient

GOOGLE_NEWS = "https://news.google.com"
MAX_BYTES = 2 * 1024 * 1024
_SIGNATURE = re.compile(r'data-n-a-sg="([^"]+)"')
_TIMESTAMP = re.compile(r'data-n-a-ts="([^"]+)"')


class GoogleNewsResolver:
    """Resolves opaque Google News article links through ``base`` (Google News itself, or a test server)."""

    def __init__(self, client: HttpClient, base: str = GOOGLE_NEWS) -> None:
        self.client = client
        self.base = base.rstrip("/")
        self.host = (urlsplit(self.base).netloc or "").lower()

    def handles(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.netloc.lower() == self.host and "/articles/" in parts.path

    def resolve(self, url: str) -> str:
        """The publisher URL behind a Google News article link; FetchError when it cannot be had,
        whatever Google answered (the interface is undocumented: any answer may change shape)."""
        article_id = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        try:
            return self._resolve(article_id)
        except (ValueError, TypeError, LookupError) as exc:  # an answer of another shape than expected
            raise FetchError(f"google news: unexpected answer for {article_id}: {exc}") from exc

    def _resolve(self, article_id: str) -> str:
        page = self.client.get(f"{self.base}/articles/{article_id}", max_bytes=MAX_BYTES,
                               headers={"Accept": "text/html"}).body.decode("utf-8", "replace")
        signature, timestamp = _SIGNATURE.search(page), _TIMESTAMP.search(page)
        if signature is None or timestamp is None:
            raise FetchError(f"google news: no signature in the article page for {article_id}")
        inner = json.dumps(["garturlreq", [["X", "X", ["X", "X"], None, None, 1, 1, "US:en", None, 1, None, None,
                                            None, None, None, 0, 1], "X", "X", 1, [1, 1, 1], 1, 1, None, 0, 0,
                                           None, 0], article_id, int(timestamp.group(1)), signature.group(1)])
        body = json.dumps([[["Fbv4je", inner, None, "generic"]]])
        answer = self.client.request(
            "POST", f"{self.base}/_/DotsSplashUi/data/batchexecute", max_bytes=MAX_BYTES, form={"f.req": body},
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
        ).body.decode("utf-8", "replace")
        return _publisher_url(answer, article_id)


def _publisher_url(answer: str, article_id: str) -> str:
    """The URL in a batchexecute answer: ``)]}'`` then JSON whose [0][2] is a JSON list [_, url, …]."""
    try:
        payload = json.loads(answer[answer.index("\n\n"):].strip())
        inner = json.loads(payload[0][2])
        url = inner[1]
    except (ValueError, IndexError, TypeError, KeyError) as exc:
        raise FetchError(f"google news: unexpected answer for {article_id}: {exc}") from exc
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise FetchError(f"google news: no URL in the answer for {article_id}")
    return url
