"""A small read-only HTTP server in a background thread, for the daemon's side endpoints."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from monitor.errors import UsageError

log = logging.getLogger(__name__)

Response = tuple[int, bytes, str]  # status, body, content type
Route = Callable[[str], Response]  # called with the rest of the path after a prefix route ("" otherwise)
# Read-only pages of untrusted text: no scripts, no frames, no sniffing, no referrer to the outlets linked.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def serve(host: str, port: int, routes: Mapping[str, Route], name: str) -> ThreadingHTTPServer:
    """Answer ``GET`` on each path of ``routes`` (query strings ignored; a path ending in ``/`` other
    than ``/`` itself is a prefix), 404 elsewhere, 501 to any other method; an address that cannot be
    bound (in use, not local) is a UsageError naming the endpoint and the address."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            found = _route(routes, path)
            if found is None:
                self.send_error(404, "see " + " and ".join(routes))
                return
            route, rest = found
            status, body, content_type = route(rest)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for header, value in SECURITY_HEADERS.items():
                self.send_header(header, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug(f"{name} request: " + format, *args)

    try:
        server = ThreadingHTTPServer((host, port), Handler)
    except OSError as exc:
        setting = {"health": "health_listen", "feed": "--feed-listen", "web": "web_listen"}.get(name, name)
        raise UsageError(f"cannot serve the {name} endpoint on {host}:{port} ({setting}): "
                         f"{exc.strerror or exc}") from exc
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name=f"{name}-server", daemon=True).start()
    return server


def _route(routes: Mapping[str, Route], path: str) -> tuple[Route, str] | None:
    if path in routes:
        return routes[path], ""
    for prefix, route in routes.items():
        if prefix.endswith("/") and prefix != "/" and path.startswith(prefix):
            return route, path[len(prefix):]
    return None
