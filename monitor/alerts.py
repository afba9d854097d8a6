"""Operator alerts through the configured admin channel (and always in the log).

A feed that has failed for ``polling.alert_after`` is reported once, and again when it is then
disabled; the flag resets when the feed next succeeds. An alert the admin channel refuses is sent
again at the feed's next failure, or, for a disabled feed (which fails no more), by the daemon's
next :func:`retry_refused`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from monitor import notify
from monitor.context import Context
from monitor.errors import NotifyError
from monitor.redact import redact
from monitor.store import feeds as feed_store
from monitor.types import FeedState

log = logging.getLogger(__name__)


def feed_trouble(ctx: Context, feed: FeedState, now: datetime) -> bool:
    """Tell the operator once about a disabled or long-failing feed; returns whether it did."""
    if feed.alerted:
        return False
    if not feed.enabled:
        problem = f"was disabled after {feed.permanent_failures} permanent failures in a row"
    elif feed.failing_since is not None and now - feed.failing_since >= ctx.config.polling.alert_after:
        problem = f"has been failing since {feed.failing_since:%Y-%m-%d %H:%M} UTC ({feed.error_count} errors)"
    else:
        return False
    remedy = f"Re-enable it with: monitor feeds enable {feed.id}" if not feed.enabled else \
        f"It is retried with back-off; monitor feeds show {feed.id} lists its errors"
    body = redact(f"Feed {feed.name} <{feed.url}> {problem}.\nLast error: {feed.last_error}\n{remedy}")
    sent = notify_operator(ctx, f"monitor: feed {feed.name} needs attention", body)  # the alert leaves the host
    if not sent and ctx.config.admin_channel is not None:
        return False  # the admin channel refused it: told again at the feed's next failure
    with ctx.db.session() as session:
        feed_store.mark_alerted(session, feed.id)
    return True


def retry_refused(ctx: Context) -> int:
    """Send again the alerts about disabled feeds that the admin channel refused; returns how many went out."""
    if ctx.config.admin_channel is None:
        return 0
    with ctx.db.session() as session:
        untold = [feed for feed in feed_store.all_feeds(session) if not feed.enabled and not feed.alerted]
    now = ctx.clock.now()
    return sum(feed_trouble(ctx, feed, now) for feed in untold)


def notify_operator(ctx: Context, title: str, body: str) -> bool:
    """Log the alert and send it to the admin channel when one is configured."""
    log.warning("operator alert: %s", title, extra={"detail": body.replace("\n", " | ")})
    if ctx.config.admin_channel is None:
        return False
    channel = ctx.config.channel(ctx.config.admin_channel)
    try:
        notify.send(channel.url.get_secret_value(), title, body, "text")
    except NotifyError as exc:
        log.error("admin channel refused the alert", extra={"channel": channel.name, "cause": exc.message})
        return False
    return True
