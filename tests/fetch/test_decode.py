"""Bounded decoding of response bodies: bombs stop at the cap, stacked or unknown encodings are refused."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator

import brotli
import pytest

from monitor.errors import FetchError
from monitor.fetch.decode import decoded

GIB = 1 << 30
CAP = 1 << 20


def brotli_bomb(size: int = GIB) -> bytes:
    """``size`` zero bytes as about a kilobyte of brotli (compressed a megabyte at a time)."""
    compressor, block = brotli.Compressor(quality=4), b"\0" * (1 << 20)
    return b"".join([compressor.process(block) for _ in range(size // len(block))] + [compressor.finish()])


def gzip_bomb(size: int = 64 << 20) -> bytes:
    compressor, block = zlib.compressobj(9, zlib.DEFLATED, 31), b"\0" * (1 << 20)
    return b"".join([compressor.compress(block) for _ in range(size // len(block))] + [compressor.flush()])


def pieces_until_refused(raw: bytes, encoding: str) -> list[int]:
    """The sizes of the decoded pieces produced, the whole bomb handed over as one network chunk,
    until the cap refuses it."""
    sizes: list[int] = []
    stream: Iterator[bytes] = decoded([raw], encoding, CAP)
    with pytest.raises(FetchError, match=f"body exceeds the cap of {CAP} bytes"):
        for piece in stream:
            sizes.append(len(piece))
    return sizes


@pytest.mark.parametrize(("make", "encoding"), [(brotli_bomb, "br"), (gzip_bomb, "gzip")])
def test_a_bomb_in_one_chunk_is_decoded_no_further_than_the_cap(make: object, encoding: str) -> None:
    assert callable(make)
    raw = make()
    assert len(raw) < 100_000  # 64 MiB to a gigabyte, compressed
    sizes = pieces_until_refused(raw, encoding)
    # what was decoded before the refusal: the cap, give or take one of brotli's output blocks
    assert sum(sizes) <= CAP + 64 * 1024


def test_stacked_and_unknown_encodings_are_refused() -> None:
    body = gzip.compress(gzip.compress(b"<rss/>"))
    with pytest.raises(FetchError, match="refused stacked content encodings 'gzip, gzip'"):
        list(decoded([body], "gzip, gzip", CAP))
    with pytest.raises(FetchError, match="unsupported content encoding 'compress'"):
        list(decoded([b"x"], "compress", CAP))


@pytest.mark.parametrize(("body", "encoding"), [
    (gzip.compress(b"<rss>gz</rss>"), "gzip"),
    (gzip.compress(b"<rss>gz</rss>"), "x-gzip"),
    (zlib.compress(b"<rss>gz</rss>"), "deflate"),
    (zlib.compress(b"<rss>gz</rss>")[2:-4], "deflate"),  # raw deflate, as some servers send it
    (brotli.compress(b"<rss>gz</rss>"), "br"),
    (b"<rss>gz</rss>", "identity"),
    (b"<rss>gz</rss>", None),
])
def test_ordinary_bodies_are_decoded_in_any_chunking(body: bytes, encoding: str | None) -> None:
    chunks = [body[i:i + 3] for i in range(0, len(body), 3)]
    assert b"".join(decoded(chunks, encoding, CAP)) == b"<rss>gz</rss>"
    assert b"".join(decoded([body], encoding, 13)) == b"<rss>gz</rss>"  # exactly the cap is allowed


def test_a_body_that_is_not_what_its_encoding_says_is_an_error() -> None:
    with pytest.raises(FetchError, match="cannot decode the body"):
        list(decoded([b"plainly not gzip"], "gzip", CAP))
    with pytest.raises(FetchError, match="cannot decode the body"):
        list(decoded([b"plainly not brotli"], "br", CAP))
