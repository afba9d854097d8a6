"""Serve the Atom feed of developments over HTTP while the daemon runs (``monitor run --feed-listen``)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from monitor.context import Context
from monitor.digest.atom import atom_feed
from monitor.store.items import developments_since

log = logging.getLogger(__name__)
PATH = "/feed.xml"


def start_feed_server(ctx: Context, host: str, port: int, days: int = 7) -> ThreadingHTTPServer:
    """Serve ``GET /feed.xml`` (the developments of the last ``days``) on host:port in a background thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != PATH:
                self.send_error(404, "the feed is at /feed.xml")
                return
            now = ctx.clock.now()
            with ctx.db.session() as session:
                body = atom_feed(developments_since(session, now - timedelta(days=days)), now=now).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("feed request: " + format, *args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="feed-server", daemon=True).start()
    log.info("serving the Atom feed", extra={"url": f"http://{host}:{server.server_address[1]}{PATH}"})
    return server
