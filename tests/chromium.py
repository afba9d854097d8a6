"""Headless Chromium for the tests and the documentation's screenshots (Debian: apt install chromium)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--hide-scrollbars",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)


def find_chromium() -> str | None:
    return next((path for name in ("chromium", "chromium-browser", "google-chrome")
                 if (path := shutil.which(name))), None)


def _chromium(*args: str) -> subprocess.CompletedProcess[bytes]:
    browser = find_chromium()
    if browser is None:
        raise RuntimeError("Chromium is not installed (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="monitor-chromium-") as profile:
        done = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, timeout=90, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"Chromium failed on {args[-1]}: {done.stderr.decode(errors='replace')[-500:]}")
    return done


def screenshot(target: Path | str, png_file: Path, *, width: int = 760, height: int = 1400) -> Path:
    """A screenshot of ``target`` (a local file, or a page's URL) into ``png_file``."""
    where = target.resolve().as_uri() if isinstance(target, Path) else target
    _chromium(f"--window-size={width},{height}", f"--screenshot={png_file}", where)
    if not png_file.exists():
        raise RuntimeError(f"Chromium wrote no screenshot of {where}")
    return png_file


def dump_dom(url: str, *, width: int = 800, height: int = 600) -> str:
    """The page's DOM as Chromium built it (serialised as HTML), after loading ``url`` in a window of
    ``width`` x ``height`` pixels."""
    return _chromium(f"--window-size={width},{height}", "--dump-dom", url).stdout.decode()
