"""A small local HTTP server for the demo (and the integration tests): it serves a fixed
set of documents with ETag / Last-Modified validators and answers conditional GETs with 304.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Document:
    body: bytes
    content_type: str
    status: int = 200
    location: str = ""

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


class LocalSite:
    """Serves ``documents`` (path -> Document) on 127.0.0.1 in a background thread."""

    def __init__(self, documents: Mapping[str, Document] | None = None) -> None:
        self.documents: dict[str, Document] = dict(documents or {})
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.request_times: list[tuple[str, float]] = []  # (path, time.monotonic()) of every request
        self.validators = True  # send ETag / Last-Modified and answer conditional GETs with 304
        self.last_modified = formatdate(usegmt=True)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def put(self, path: str, body: bytes | str, content_type: str, status: int = 200) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.documents[path] = Document(data, content_type, status)

    def redirect(self, path: str, location: str, status: int = 301) -> None:
        self.documents[path] = Document(b"", "text/plain", status, location)

    def start(self) -> LocalSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                site.request_times.append((self.path, time.monotonic()))
                doc = site.documents.get(self.path.split("?", 1)[0])
                if doc is None:
                    self.send_error(404, "not found")
                    return
                if doc.location:
                    self.send_response(doc.status)
                    self.send_header("Location", doc.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if doc.status != 200:
                    self.send_error(doc.status, doc.body.decode(errors="replace") or None)
                    return
                if site.validators and self.headers.get("If-None-Match") == doc.etag:
                    self.send_response(304)
                    self.send_header("ETag", doc.etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", doc.content_type)
                self.send_header("Content-Length", str(len(doc.body)))
                if site.validators:
                    self.send_header("ETag", doc.etag)
                    self.send_header("Last-Modified", site.last_modified)
                self.end_headers()
                self.wfile.write(doc.body)

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler
