"""Render a digest's HTML to a PNG with headless Chromium (for the documentation and the tests)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from monitor.errors import MonitorError

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--hide-scrollbars",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)


def find_chromium() -> str | None:
    return next((path for name in ("chromium", "chromium-browser", "google-chrome")
                 if (path := shutil.which(name))), None)


def screenshot(html_file: Path, png_file: Path, *, width: int = 760, height: int = 1400) -> Path:
    """Take a screenshot of ``html_file`` (a local file: nothing is fetched) into ``png_file``."""
    browser = find_chromium()
    if browser is None:
        raise MonitorError("Chromium is not installed (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="monitor-chromium-") as profile:
        command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                   f"--screenshot={png_file}", html_file.resolve().as_uri()]
        done = subprocess.run(command, capture_output=True, timeout=60, check=False)  # noqa: S603 - fixed argv
    if done.returncode != 0 or not png_file.exists():
        raise MonitorError(f"Chromium could not render {html_file}: {done.stderr.decode(errors='replace')[-500:]}")
    return png_file
