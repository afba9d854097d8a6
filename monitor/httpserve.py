"""A small read-only HTTP server in a background thread, for the daemon's side endpoints."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from monitor.errors import UsageError

log = logging.getLogger(__name__)

Response = tuple[int, bytes, str]  # status, body, content type
Route = Callable[[], Response]


def serve(host: str, port: int, routes: Mapping[str, Route], name: str) -> ThreadingHTTPServer:
    """Answer ``GET`` on each path of ``routes`` (query strings ignored), 404 elsewhere; an address
    that cannot be bound (in use, not local) is a UsageError naming the endpoint and the address."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = routes.get(self.path.split("?", 1)[0])
            if route is None:
                self.send_error(404, "see " + " and ".join(routes))
                return
            status, body, content_type = route()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug(f"{name} request: " + format, *args)

    try:
        server = ThreadingHTTPServer((host, port), Handler)
    except OSError as exc:
        setting = {"health": "health_listen", "feed": "--feed-listen"}.get(name, name)
        raise UsageError(f"cannot serve the {name} endpoint on {host}:{port} ({setting}): "
                         f"{exc.strerror or exc}") from exc
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name=f"{name}-server", daemon=True).start()
    return server
