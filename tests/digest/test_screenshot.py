"""The HTML email, rendered by headless Chromium to a PNG (Chromium comes from Debian; .ci/run installs it)."""

from __future__ import annotations

import os
import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.digest.build import build_digest
from monitor.digest.render import render
from monitor.types import DigestEntry, Source
from tests.chromium import find_chromium, screenshot

WHEN = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)

needs_chromium = pytest.mark.skipif(
    find_chromium() is None and not os.environ.get("CI"),
    reason="Chromium: install it (Debian: apt install chromium) to run it")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


@needs_chromium
def test_html_digest_renders_in_chromium(tmp_path: Path) -> None:
    story = DigestEntry(
        item_id=1, title="Court adjourns hearing <b>&</b> orders jail meeting", url="https://a.example/1",
        outlet="Alpha", published=WHEN, verdict="new", score=0.9, matched="Imran Khan in title",
        novel_sentences=("The hearing moved to 3 December.",), summary="", story=1,
        sources=(Source("Alpha", WHEN, "https://a.example/1"), Source("Beta", WHEN, "https://b.example/2")))
    html = tmp_path / "digest.html"
    html.write_text(render(build_digest("briefing", [story], window_end=WHEN, max_items=5), "html"))
    png = screenshot(html, tmp_path / "digest.png", width=700, height=900)
    assert png_size(png) == (700, 900)
    assert png.stat().st_size > 10_000  # text and boxes were drawn, not a blank page
