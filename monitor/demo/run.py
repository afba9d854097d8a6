"""``monitor demo``: the real pipeline, offline, against bundled sample feeds.

It serves the sample feeds and article pages in ``demo/data`` on 127.0.0.1, adds one
feed whose article repeats a seed verbatim (to show that known coverage is left out),
polls everything into a temporary database, and renders the digest it would send.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import timedelta
from email.utils import format_datetime
from importlib.resources import files
from pathlib import Path
from xml.sax.saxutils import escape

from monitor.clock import SystemClock
from monitor.config import Config, Digest, Feed, GoogleNews, Polling
from monitor.context import Progress, build_context
from monitor.demo.server import LocalSite
from monitor.digest.render import render
from monitor.digest.run import digest_content, write_digest_files
from monitor.pipeline import poll_due
from monitor.seeds import read_seeds
from monitor.startup import start
from monitor.types import DigestContent

DEMO_DIGEST = "demo"


@dataclass(frozen=True)
class DemoResult:
    text: str
    content: DigestContent
    html_path: Path
    polled: int
    stored: int
    relevant: int


def sample_site() -> LocalSite:
    """A LocalSite serving the bundled sample feeds and pages (``{base}`` filled in)."""
    site = LocalSite()
    root = files("monitor.demo").joinpath("data")
    for folder, content_type in (("feeds", "application/xml"), ("articles", "text/html; charset=utf-8")):
        for entry in root.joinpath(folder).iterdir():
            text = entry.read_text(encoding="utf-8").replace("{base}", site.base)
            site.put(f"/{folder}/{entry.name}", text, content_type)
    return site


def add_seed_repeat(site: LocalSite, config: Config) -> None:
    """Serve one seed article verbatim as a new item of a 'syndication' feed."""
    seeds = read_seeds(config.seeds_dir)
    if not seeds:
        return
    seed = seeds[-1]
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in seed.text.splitlines() if p.strip())
    page = (f"<html><head><title>{escape(seed.title)}</title></head><body><article><h1>{escape(seed.title)}</h1>"
            f"{paragraphs}</article></body></html>")
    site.put("/articles/syndicated-seed.html", page, "text/html; charset=utf-8")
    published = format_datetime(SystemClock().now() - timedelta(hours=1))
    feed = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            "<title>Syndication Desk (sample)</title>"
            f"<link>{site.base}/</link><item><title>{escape(seed.title)}</title>"
            f"<link>{site.base}/articles/syndicated-seed.html</link><guid>syndicated-seed</guid>"
            f"<pubDate>{published}</pubDate><description>{escape(seed.text[:200])}</description></item>"
            f"</channel></rss>")
    site.put("/feeds/syndication.xml", feed, "application/rss+xml")


def demo_config(base: Config, site: LocalSite, workdir: Path) -> Config:
    """The user's topics, seeds and thresholds; the sample feeds; no channels; a scratch database."""
    feeds = [Feed(url=f"{site.base}{path}", name=_outlet(path)) for path in sorted(site.documents)
             if path.startswith("/feeds/")]
    return base.model_copy(update={
        "database_url": None,
        "data_dir": workdir,
        "feeds": feeds,
        "channels": [],
        "google_news": GoogleNews(enabled=False),
        "polling": Polling(allow_hosts=["127.0.0.1"], timeout=timedelta(seconds=10), host_delay=timedelta(0),
                           per_host=4),
        "digests": [Digest(name=DEMO_DIGEST, schedule="every 1h", title="Demo digest: new developments",
                           timezone=base.digests[0].timezone if base.digests else "UTC")],
    })


def _outlet(path: str) -> str:
    """``/feeds/capital-ledger.xml`` -> ``Capital Ledger (sample)``."""
    return path.rsplit("/", 1)[-1].removesuffix(".xml").replace("-", " ").title() + " (sample)"


def run_demo(base: Config, out_dir: Path, progress: Progress | None = None) -> DemoResult:
    """Run the whole pipeline on the sample site; writes the digest (text and HTML) into ``out_dir``."""
    with sample_site() as site, tempfile.TemporaryDirectory(prefix="monitor-demo-") as tmp:
        add_seed_repeat(site, base)
        config = demo_config(base, site, Path(tmp))
        ctx = build_context(config, database_url=f"sqlite:///{Path(tmp) / 'demo.db'}")  # never $DATABASE_URL
        try:
            start(ctx)
            outcomes = poll_due(ctx, progress)
            content = digest_content(ctx, DEMO_DIGEST)
        finally:
            ctx.close()
    html_path = write_digest_files(out_dir, content, base.source.parent / "templates")
    return DemoResult(text=render(content, "text"), content=content, html_path=html_path, polled=len(outcomes),
                      stored=sum(o.new_items for o in outcomes), relevant=sum(o.relevant for o in outcomes))
