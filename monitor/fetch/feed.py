"""Conditional GET of a feed: send the stored validators, let a 304 cost nothing."""

from __future__ import annotations

from monitor.errors import FetchError
from monitor.fetch.http import HttpClient, validator
from monitor.types import FeedState, FetchResult

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
# Bodies of these types cannot be feeds: refuse them before any parsing.
_NOT_FEEDS = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip", "application/octet-stream")


def fetch_feed(client: HttpClient, feed: FeedState, *, max_bytes: int) -> FetchResult:
    """GET the feed (at its new address after a permanent redirect) with If-None-Match / If-Modified-Since."""
    headers = {"Accept": FEED_ACCEPT}
    etag, last_modified = validator(feed.etag), validator(feed.last_modified, 100)
    if etag:  # a stored validator that cannot be sent is left out, never a reason to fail
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    result = client.get(feed.poll_url, max_bytes=max_bytes, headers=headers)
    media = result.content_type.split(";", 1)[0].strip().lower()
    if result.status != 304 and media.startswith(_NOT_FEEDS):
        raise FetchError(f"{media} is not a feed")
    return result
