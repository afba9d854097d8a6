"""``monitor status``: each feed's polling state, and counts of items and deliveries."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console
from rich.table import Table

from monitor.context import Context
from monitor.store import digests as digest_store
from monitor.store import feeds as feed_store
from monitor.store import items as item_store
from monitor.store.session import safe_url
from monitor.terminal import cell
from monitor.types import FeedState


def render_status(ctx: Context, console: Console) -> None:
    with ctx.db.session() as session:
        feeds = feed_store.all_feeds(session)
        verdicts = item_store.count_by_verdict(session)
        deliveries = digest_store.delivery_counts(session)
    table = Table(title=f"Feeds ({len(feeds)})", show_lines=False)
    for column in ("id", "feed", "last poll", "result", "items", "next poll", "errors", "state"):
        table.add_column(column, overflow="fold")
    for feed in feeds:
        result = feed.last_status or "-"
        if feed.last_status == "error" and feed.last_error:
            result = feed.last_error[:80]
        if feed.fetch_url:
            result += f" (moved to {feed.fetch_url})"
        table.add_row(str(feed.id), cell(feed.name), _when(feed.last_polled_at), cell(result),
                      str(feed.items_last_poll), _when(feed.next_poll_at), str(feed.error_count),
                      cell(_state(feed, ctx.clock.now())))
    console.print(table)
    console.print("items: " + (", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())) or "none"), markup=False)
    console.print("deliveries: " + (", ".join(f"{k} {v}" for k, v in sorted(deliveries.items())) or "none"),
                  markup=False)
    console.print(f"database: {safe_url(ctx.db.url)}", markup=False)


def _state(feed: FeedState, now: datetime) -> str:
    state = "enabled" if feed.enabled else "DISABLED"
    if feed.claimed_until is not None and feed.claimed_until >= now:
        state += f", being polled by {feed.claimed_by or '?'} (claim until {_when(feed.claimed_until)})"
    return state


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"
