"""Response bodies decoded with a bound on the output: gzip, deflate and brotli.

httpx decodes each network chunk whole, so a few kilobytes of brotli (or gzip inside gzip) can
expand to a gigabyte before any size cap sees the result. Here the raw bytes are decompressed a
bounded amount at a time: no step produces much more than the room left under the cap, so a
compression bomb stops at the cap having used about the cap's worth of memory. One content coding
at most is accepted: a stacked (``gzip, gzip``) or unknown one is refused.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Protocol

import brotli

from monitor.errors import FetchError, TooLargeError
from monitor.untrusted import one_line


class _Decoder(Protocol):
    def step(self, data: bytes, limit: int) -> bytes:
        """Decompress ``data`` (or, with ``b""``, what is held back), producing about ``limit`` bytes at most."""

    def holding(self) -> bool:
        """Whether output is held back for lack of room (ask again with ``b""`` before new input)."""


class _Identity:
    def step(self, data: bytes, limit: int) -> bytes:
        return data

    def holding(self) -> bool:
        return False


class _Zlib:
    """gzip (``wbits`` 31) or deflate: zlib-wrapped as the standard says, or raw as some servers send it."""

    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._inflate = zlib.decompressobj(wbits)
        self._started = False

    def step(self, data: bytes, limit: int) -> bytes:
        data = self._inflate.unconsumed_tail + data
        try:
            out = self._inflate.decompress(data, limit)
        except zlib.error:
            if self._started or self._wbits != zlib.MAX_WBITS:
                raise
            self._wbits = -zlib.MAX_WBITS  # deflate without its zlib wrapper
            self._inflate = zlib.decompressobj(self._wbits)
            out = self._inflate.decompress(data, limit)
        self._started = True
        return out

    def holding(self) -> bool:
        return bool(self._inflate.unconsumed_tail)


class _Brotli:
    def __init__(self) -> None:
        self._inflate = brotli.Decompressor()

    def step(self, data: bytes, limit: int) -> bytes:
        out: bytes = self._inflate.process(data, output_buffer_limit=limit)
        return out

    def holding(self) -> bool:
        return not self._inflate.can_accept_more_data()


def decoded(raw: Iterable[bytes], encoding: str | None, max_bytes: int) -> Iterator[bytes]:
    """The decoded body of the ``raw`` chunks sent with ``Content-Encoding: encoding``.

    Raises FetchError when the decoded body would exceed ``max_bytes``, when the encoding is
    stacked or unknown, or when the bytes are not what the encoding says."""
    decoder = _decoder(encoding)
    size = 0
    for chunk in raw:
        data = chunk
        while True:
            piece = _step(decoder, data, max_bytes - size + 1)
            size += len(piece)
            if size > max_bytes:
                raise TooLargeError(f"body exceeds the cap of {max_bytes} bytes")
            if piece:
                yield piece
            data = b""
            if not decoder.holding():
                break


def _step(decoder: _Decoder, data: bytes, limit: int) -> bytes:
    try:
        return decoder.step(data, limit)
    except (zlib.error, brotli.error) as exc:
        raise FetchError(f"cannot decode the body: {exc}") from exc


def _decoder(encoding: str | None) -> _Decoder:
    codings = [c.strip().lower() for c in (encoding or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if len(codings) > 1:
        raise FetchError(f"refused stacked content encodings {one_line(encoding or '', 'header')!r}")
    coding = codings[0] if codings else "identity"
    if coding == "identity":
        return _Identity()
    if coding in ("gzip", "x-gzip"):
        return _Zlib(zlib.MAX_WBITS | 16)
    if coding == "deflate":
        return _Zlib(zlib.MAX_WBITS)
    if coding == "br":
        return _Brotli()
    raise FetchError(f"unsupported content encoding {one_line(coding, 'header')!r}")
