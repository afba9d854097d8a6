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


def test_errors_carry_the_security_headers_head_is_answered_and_a_failing_route_is_a_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(_: str) -> Response:
        raise RuntimeError("the database went away")

    server = serve("127.0.0.1", 0, {"/broken": broken, "/ok": lambda _: (200, b"fine", "text/plain")}, "test")
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        for response in (httpx.get(f"{base}/nope"), httpx.post(f"{base}/ok"), httpx.get(f"{base}/broken")):
            assert response.headers["x-content-type-options"] == "nosniff", response.status_code
            assert "default-src 'none'" in response.headers["content-security-policy"]
        assert httpx.get(f"{base}/broken").status_code == 500 and "the database went away" in caplog.text
        head = httpx.head(f"{base}/ok")
        assert (head.status_code, head.headers["content-length"], head.content) == (200, "4", b"")
        assert httpx.get(f"{base}/ok").text == "fine"  # the server went on
    finally:
        server.shutdown()
        server.server_close()


def test_an_idle_client_is_dropped_and_connections_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from monitor import httpserve

    monkeypatch.setattr(httpserve, "REQUEST_TIMEOUT", 3.0)  # room for a loaded machine to accept all three first
    monkeypatch.setattr(httpserve, "MAX_CONNECTIONS", 2)
    server = serve("127.0.0.1", 0, {"/ok": lambda _: (200, b"fine", "text/plain")}, "test")
    address = ("127.0.0.1", server.server_address[1])
    idle = [socket.create_connection(address, timeout=30) for _ in range(2)]
    try:
        for conn in idle:
            conn.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n")  # never finished
        with socket.create_connection(address, timeout=30) as third:
            busy = b"".join(iter(lambda: third.recv(4000), b""))  # the whole answer: the server then closes
            assert busy.startswith(b"HTTP/1.0 503")  # both slots are taken
            assert b"Retry-After: 1\r\n" in busy and b"X-Content-Type-Options: nosniff\r\n" in busy
        for conn in idle:
            assert conn.recv(100) == b""  # dropped after the timeout, not held for ever
        assert httpx.get(f"http://127.0.0.1:{address[1]}/ok").text == "fine"  # the slots are free again
    finally:
        for conn in idle:
            conn.close()
        server.shutdown()
        server.server_close()


def test_a_client_sending_its_request_a_header_at_a_time_is_dropped_at_the_timeout(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import socket
    import time

    from monitor import httpserve

    monkeypatch.setattr(httpserve, "REQUEST_TIMEOUT", 1.5)
    server = serve("127.0.0.1", 0, {"/ok": lambda _: (200, b"fine", "text/plain")}, "test")
    try:
        with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=30) as slow:
            started = time.monotonic()
            slow.sendall(b"GET /ok HTTP/1.1\r\n")
            for _ in range(60):  # a header every half second, each well within the timeout: 30 s in all
                time.sleep(0.5)
                try:
                    slow.sendall(b"X-Slow: 1\r\n")
                except OSError:  # the server has closed the connection
                    break
            assert time.monotonic() - started < 10  # dropped after about 1.5 s, not served after 30
    finally:
        server.shutdown()
        server.server_close()
