"""Regenerate the README's screenshots from the offline demo: the HTML digest and one story page.

Usage (Chromium installed, from the repository root): .venv/bin/python docs/screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.config import load_config  # noqa: E402
from monitor.context import build_context  # noqa: E402
from monitor.demo.run import DEMO_DIGEST, add_seed_repeat, demo_config, sample_site  # noqa: E402
from monitor.digest.run import digest_content, write_digest_files  # noqa: E402
from monitor.pipeline import poll_due  # noqa: E402
from monitor.startup import start  # noqa: E402
from monitor.store import stories  # noqa: E402
from monitor.web import start_web_server  # noqa: E402
from tests.chromium import screenshot  # noqa: E402


def main() -> None:
    base = load_config(ROOT / "config" / "watchlist.yaml")
    with sample_site() as site, tempfile.TemporaryDirectory() as tmp:
        add_seed_repeat(site, base)
        ctx = build_context(demo_config(base, site, Path(tmp)))
        start(ctx)
        poll_due(ctx)
        html = write_digest_files(Path(tmp) / "out", digest_content(ctx, DEMO_DIGEST), None)
        screenshot(html, ROOT / "docs" / "digest-sample.png", width=760, height=1400)
        server = start_web_server(ctx, "127.0.0.1", 0)
        try:
            with ctx.db.session() as session:
                lines = stories.recent(session, ctx.clock.now().replace(year=2000))
            busiest = max(lines, key=lambda line: line.reports)
            url = f"http://127.0.0.1:{server.server_address[1]}/stories/{busiest.id}"
            screenshot(url, ROOT / "docs" / "story-page.png", width=800, height=1100)
        finally:
            server.shutdown()
            server.server_close()
            ctx.close()
    print("written: docs/digest-sample.png, docs/story-page.png")


if __name__ == "__main__":
    main()
