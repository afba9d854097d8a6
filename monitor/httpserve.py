"""A small read-only HTTP server in a background thread, for the daemon's side endpoints."""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import socket
import threading
import time
from collections.abc import Callable, Collection, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from monitor.errors import StoreError, UsageError
from monitor.redact import redact

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
REVALIDATED = {"Cache-Control": "no-cache"}  # an answer with an ETag may be kept, but asked about each time


RETRY_AFTER = 30  # seconds a client is told to wait when the database cannot answer
# The database is down, locked, out of connections or not migrated: the answer is a 503, not a bug.
_UNAVAILABLE = (OperationalError, PoolTimeout, StoreError)


_BUSY = ("HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n"  # every connection slot is taken
         + "".join(f"{k}: {v}\r\n" for k, v in {**SECURITY_HEADERS, "Retry-After": "1"}.items()) + "\r\n").encode()
REQUEST_TIMEOUT = 10.0  # seconds a client may take to send its whole request, and to read each part of the answer
MAX_CONNECTIONS = 64  # connections served at once; more are answered 503 at once


def serve(host: str, port: int, routes: Mapping[str, Route], name: str,
          validated: Collection[str] = ()) -> ThreadingHTTPServer:
    """Answer ``GET`` and ``HEAD`` on each path of ``routes`` (query strings ignored; a path ending
    in ``/`` other than ``/`` itself is a prefix), 404 elsewhere, 501 to any other method; every
    answer, errors included, carries :data:`SECURITY_HEADERS`. A 200 on a path of ``validated``
    (a feed that readers poll) carries an ETag of its body and may be cached to be revalidated
    (:data:`REVALIDATED`); a request whose ``If-None-Match`` names that ETag is answered 304 without
    it. A slow or idle client is dropped after :data:`REQUEST_TIMEOUT`, at most
    :data:`MAX_CONNECTIONS` are served at once, a route that cannot reach the database is a 503 with
    ``Retry-After`` (logged as a warning with the reason), and one that fails otherwise is a logged 500. An address
    that cannot be bound (in use, not local) is a UsageError naming the endpoint and the address."""
    try:
        server = _Server((host, port), _handler(routes, name, frozenset(validated)), name)
    except OSError as exc:
        setting = {"health": "health_listen", "feed": "--feed-listen", "web": "web_listen"}.get(name, name)
        raise UsageError(f"cannot serve the {name} endpoint on {host}:{port} ({setting}): "
                         f"{exc.strerror or exc}") from exc
    threading.Thread(target=server.serve_forever, name=f"{name}-server", daemon=True).start()
    return server


def _handler(routes: Mapping[str, Route], name: str, validated: frozenset[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(_DeadlineHandler):
        timeout = REQUEST_TIMEOUT
        etag: str | None = None

        def do_GET(self) -> None:
            self.connection.settimeout(REQUEST_TIMEOUT)  # for writing the answer (the request is read)
            status, body, content_type = self._answer()
            self.etag = None
            if status == 200 and self.path.split("?", 1)[0] in validated:
                self.etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
                if _matches(self.headers.get("If-None-Match"), self.etag):
                    self.send_response(304)
                    self.end_headers()
                    return
            self.send_response(status)
            if status == 503:
                self.send_header("Retry-After", str(RETRY_AFTER))
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_HEAD = do_GET

        def _answer(self) -> Response:
            found = _route(routes, self.path.split("?", 1)[0])
            if found is None:
                return 404, ("not found; see " + " and ".join(routes)).encode(), "text/plain; charset=utf-8"
            return _answered(found[0], found[1], name, self.path)

        def end_headers(self) -> None:
            if self.etag is not None:
                self.send_header("ETag", self.etag)
            for header, value in (SECURITY_HEADERS | REVALIDATED if self.etag else SECURITY_HEADERS).items():
                self.send_header(header, value)
            super().end_headers()

        def log_message(self, format: str, *args: object) -> None:
            log.debug(f"{name} request: " + format, *args)

    return Handler


class _DeadlineHandler(BaseHTTPRequestHandler):
    """Reads the whole request within :data:`REQUEST_TIMEOUT`: a client sending it a byte or a header
    at a time, each just before a read would time out, must not hold a connection slot for ever."""

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self.rfile = io.BufferedReader(_DeadlineReader(self.connection, time.monotonic() + REQUEST_TIMEOUT))


class _DeadlineReader(io.RawIOBase):
    """A connection's incoming bytes, each read waiting no longer than the time left before ``deadline``
    (a socket's own timeout counts per read); TimeoutError once it has passed."""

    def __init__(self, connection: socket.socket, deadline: float) -> None:
        super().__init__()
        self._connection = connection
        self._raw = connection.makefile("rb", buffering=0)
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request was not complete within the timeout")
        self._connection.settimeout(min(left, REQUEST_TIMEOUT))
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Server(ThreadingHTTPServer):
    """A thread a connection, at most :data:`MAX_CONNECTIONS` at once (503 beyond)."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], name: str) -> None:
        super().__init__(address, handler)
        self.name = name
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(_BUSY)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug(f"{self.name} connection failed", exc_info=True)  # a client gone mid-answer, say


def _answered(route: Route, rest: str, name: str, path: str) -> Response:
    """The route's answer; a 503 when the database cannot answer, a 500 (logged) when the route fails."""
    try:
        return route(rest)
    except _UNAVAILABLE as exc:
        log.warning(f"{name} request: the database is unavailable", extra={"path": path[:200], "error": _reason(exc)})
        return 503, b"the database is unavailable; try again shortly", "text/plain; charset=utf-8"
    except Exception:  # one failing request is its own 500, logged; the server goes on
        log.exception(f"{name} request failed", extra={"path": path[:200]})
        return 500, b"internal error; the log says why", "text/plain; charset=utf-8"


def _reason(exc: Exception) -> str:
    """The first line of the database's reason, without secrets."""
    cause = exc.orig if isinstance(exc, OperationalError) and exc.orig is not None else exc
    return redact(str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` (compared weakly, as for a GET) or is ``*``."""
    tags = {tag.strip().removeprefix("W/") for tag in (if_none_match or "").split(",")}
    return "*" in tags or etag in tags


def _route(routes: Mapping[str, Route], path: str) -> tuple[Route, str] | None:
    if path in routes:
        return routes[path], ""
    for prefix, route in routes.items():
        if prefix.endswith("/") and prefix != "/" and path.startswith(prefix):
            return route, path[len(prefix):]
    return None
