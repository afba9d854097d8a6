"""Fetching an article page: HTML only, size-capped, through the same guarded client."""

from __future__ import annotations

from monitor.errors import FetchError, TooLargeError
from monitor.fetch.http import HttpClient

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def fetch_page(client: HttpClient, url: str, *, max_bytes: int) -> bytes:
    """The page's HTML bytes; FetchError when it is not HTML or cannot be fetched (permanent when it
    is over ``max_bytes``: it would be again at the next attempt)."""
    try:
        result = client.get(url, max_bytes=max_bytes, headers={"Accept": "text/html,application/xhtml+xml"})
    except TooLargeError as exc:
        raise FetchError(str(exc), permanent=True, status=exc.status) from exc
    media = result.content_type.split(";", 1)[0].strip().lower()
    if media and media not in _HTML_TYPES:
        raise FetchError(f"{url} is {media}, not an HTML page", permanent=True)
    return result.body
