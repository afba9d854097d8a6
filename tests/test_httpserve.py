"""The side HTTP server: routes by path (query ignored), 404 elsewhere."""

from __future__ import annotations

import httpx
import pytest

from monitor.errors import UsageError
from monitor.httpserve import Response, serve


def test_routes_and_not_found() -> None:
    calls: list[str] = []

    def hello(rest: str) -> Response:
        calls.append("hello" + rest)
        return 418, b"short and stout", "text/plain; charset=utf-8"

    def under(rest: str) -> Response:
        calls.append("under:" + rest)
        return 200, rest.encode(), "text/plain; charset=utf-8"

    server = serve("127.0.0.1", 0, {"/hello": hello, "/things/": under}, "test")
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        response = httpx.get(f"{base}/hello?x=1")
        assert (response.status_code, response.text) == (418, "short and stout")
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert response.headers["content-length"] == "15"
        missing = httpx.get(f"{base}/other")
        assert missing.status_code == 404 and "/hello" in missing.text
        assert httpx.get(f"{base}/things/42?q=1").text == "42"
        assert httpx.get(f"{base}/hello/more").status_code == 404  # only a path ending in / is a prefix
        assert httpx.post(f"{base}/hello").status_code == 501  # read-only
        assert calls == ["hello", "under:42"]
        headers = response.headers
        assert "default-src 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
    finally:
        server.shutdown()
        server.server_close()


def test_an_address_in_use_names_the_endpoint_and_the_address() -> None:
    first = serve("127.0.0.1", 0, {}, "health")
    port = first.server_address[1]
    try:
        with pytest.raises(UsageError, match=rf"cannot serve the health endpoint on 127.0.0.1:{port} "
                                             r"\(health_listen\): Address already in use"):
            serve("127.0.0.1", port, {}, "health")
    finally:
        first.shutdown()
        first.server_close()
