"""Serve the Atom feed of developments over HTTP while the daemon runs (``monitor run --feed-listen``)."""

from __future__ import annotations

import logging
from http.server import ThreadingHTTPServer

from monitor import admin
from monitor.context import Context
from monitor.digest.atom import atom_feed
from monitor.httpserve import Response, serve

log = logging.getLogger(__name__)
PATH = "/feed.xml"


def developments_feed(ctx: Context, days: int = 7) -> str:
    """The Atom document of the developments stored in the last ``days`` (``monitor feed`` and ``/feed.xml``)."""
    return atom_feed(admin.developments(ctx, days), now=ctx.clock.now())


def start_feed_server(ctx: Context, host: str, port: int, days: int = 7) -> ThreadingHTTPServer:
    """Serve ``GET /feed.xml`` (the developments of the last ``days``) on host:port in a background thread,
    with an ETag, so a feed reader asking again gets 304 until the feed changes."""

    def feed(_: str) -> Response:
        return 200, developments_feed(ctx, days).encode(), "application/atom+xml; charset=utf-8"

    server = serve(host, port, {PATH: feed}, "feed", validated={PATH})
    log.info("serving the Atom feed", extra={"url": f"http://{host}:{server.server_address[1]}{PATH}"})
    return server
