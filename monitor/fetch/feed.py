"""Conditional GET of a feed: send the stored validators, let a 304 cost nothing."""

from __future__ import annotations

from monitor.fetch.http import HttpClient
from monitor.types import FeedState, FetchResult

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)


def fetch_feed(client: HttpClient, feed: FeedState, *, max_bytes: int) -> FetchResult:
    """GET the feed with If-None-Match / If-Modified-Since from its last successful poll."""
    headers = {"Accept": FEED_ACCEPT}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    return client.get(feed.url, max_bytes=max_bytes, headers=headers)
