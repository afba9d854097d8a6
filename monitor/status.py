"""``monitor status``: each feed's polling state, and counts of items and deliveries."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console
from rich.table import Table

from monitor import admin
from monitor.context import Context
from monitor.digest.plan import digest_plans
from monitor.notify import scheme_of
from monitor.redact import redact
from monitor.store.session import safe_url
from monitor.terminal import cell, say
from monitor.types import ChannelState, FeedState

WIDE = 140  # columns a terminal needs for the feeds table; narrower (or piped) output gets one line per feed


def render_status(ctx: Context, console: Console) -> None:
    seen = admin.overview(ctx)
    feeds, verdicts, deliveries = list(seen.feeds), seen.verdicts, seen.deliveries
    now = ctx.clock.now()
    if console.is_terminal and console.width >= WIDE:
        _feed_table(feeds, now, seen.deferred, console)
    else:
        say(console, f"feeds ({len(feeds)}): id, name, result of the last poll, when it was and the new items it "
                     "found, next poll, errors in a row, state (full errors: monitor feeds show ID)",
            *(_feed_line(feed, now, seen.deferred.get(feed.id, 0)) for feed in feeds))
    if seen.deferred:
        say(console, f"pages deferred: {_pages(sum(seen.deferred.values()))} failed for now; each is fetched again "
                     "at a poll of its feed once its wait ends (monitor feeds show ID lists them)")
    if seen.unregistered:  # before the first run (status reads only; it adds no feed)
        say(console, f"{len(seen.unregistered)} more feeds in the config, not registered or polled yet "
                     "(monitor run or monitor poll adds them when it starts):",
            *(f"  {redact(name)[:60]}" for name in seen.unregistered))
    _digests(ctx, console)
    console.print("items: " + (", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())) or "none"), markup=False)
    console.print("deliveries: " + (", ".join(f"{k} {v}" for k, v in sorted(deliveries.items())) or "none"),
                  markup=False)
    console.print(f"database: {safe_url(ctx.db.url)}", markup=False)


def _feed_table(feeds: list[FeedState], now: datetime, deferred: dict[int, int], console: Console) -> None:
    table = Table(title=f"Feeds ({len(feeds)})", show_lines=False)
    for column in ("id", "feed", "last poll", "result", "items", "next poll", "errors", "state"):
        table.add_column(column, overflow="fold")
    for feed in feeds:
        table.add_row(str(feed.id), cell(feed.name), _when(feed.last_polled_at), cell(_result(feed)[:80]),
                      str(feed.items_last_poll), _when(feed.next_poll_at), str(feed.error_count),
                      cell(_state(feed, now, deferred.get(feed.id, 0))))
    console.print(table)


def _feed_line(feed: FeedState, now: datetime, deferred: int) -> str:
    return (f"#{feed.id} {redact(feed.name)[:40]} | {_result(feed)[:60]} | last poll {_when(feed.last_polled_at)}, "
            f"{feed.items_last_poll} new items | next {_when(feed.next_poll_at)} | {feed.error_count} errors | "
            f"{_state(feed, now, deferred)}")


def _result(feed: FeedState) -> str:
    """The last poll's result, redacted whole: a line cut first could hide a secret from the redaction."""
    result = feed.last_status or "not polled yet"
    if feed.last_status == "error" and feed.last_error:
        result = feed.last_error
    if feed.fetch_url:
        result += f" (moved to {feed.fetch_url})"
    return redact(result)


def _state(feed: FeedState, now: datetime, deferred: int = 0) -> str:
    state = "enabled" if feed.enabled else "DISABLED"
    if deferred:
        state += f", {_pages(deferred)} deferred"
    if feed.claimed_until is not None and feed.claimed_until >= now:
        state += f", being polled by {feed.claimed_by or '?'} (claim until {_when(feed.claimed_until)})"
    return state


def _pages(count: int) -> str:
    return f"{count} page{'' if count == 1 else 's'}"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _digests(ctx: Context, console: Console) -> None:
    """Each digest on one line: schedule, next due time in its time zone, destinations, and each
    channel's last result."""
    plans = digest_plans(ctx)
    lines = [f"  {plan.name} ({plan.schedule}): next {plan.when()} to {plan.where()}; "
             + ("; ".join(_channel(state) for state in plan.channels) or "nothing sent yet") for plan in plans]
    say(console, f"digests ({len(plans)}):" if plans else "digests: none configured", *lines)
    channels = [f"{c.name} ({scheme_of(c.url.get_secret_value())}, {c.effective_format()})"
                for c in ctx.config.channels]
    say(console, "channels: " + (", ".join(channels) or "none (digests are written to files)"))


def _channel(state: ChannelState) -> str:
    sent = f", last sent {_when(state.last_sent)}" if state.last_sent else ""
    error = f" ({redact(state.last_error.splitlines()[0])[:80]})" if state.status != "sent" and state.last_error else ""
    return f"{state.channel}: {state.status}{error}{sent}"
