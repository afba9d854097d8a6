"""Running digests: which are due, reserving their items, and delivering them per channel.

A digest is created once per (name, due time) with its items reserved in the same
commit; each channel's delivery is recorded in its own commit right after the channel
accepted (or refused) the message, and a refused delivery is retried with back-off.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from monitor import alerts, metrics, notify, scheduler
from monitor.config import Digest as DigestConfig
from monitor.context import Context
from monitor.digest.build import build_digest
from monitor.digest.render import render
from monitor.errors import MonitorError, NotifyError
from monitor.formats import Format
from monitor.store import digests as digest_store
from monitor.store import items as item_store
from monitor.store.claims import LEASE
from monitor.types import DigestContent, DigestEntry, PendingDelivery, Source

log = logging.getLogger(__name__)
FILE_CHANNEL = "(file)"
DELIVERY_ATTEMPTS = 8
LONGEST_RETRY = timedelta(minutes=2 ** DELIVERY_ATTEMPTS)  # longer than any wait between attempts (see _next_attempt)


def files_folder(data_dir: Path) -> Path:
    """Where a digest with no channel is written (text and HTML)."""
    return data_dir / "digests"


def due_digests(ctx: Context) -> list[tuple[str, datetime]]:
    """Digests whose schedule fell due since they last ran (a first sight only starts the clock)."""
    now = ctx.clock.now()
    due = []
    for digest in ctx.config.digests:
        schedule = scheduler.parse_schedule(digest.schedule, digest.timezone)
        with ctx.db.session() as session:
            last = digest_store.last_due(session, digest.name)
            if last is None:
                digest_store.set_last_due(session, digest.name, now)
                if not schedule.immediate:
                    continue  # a scheduled digest starts counting now
                last = now
        if scheduler.in_quiet_hours(digest.quiet_hours, now, digest.timezone) or _rate_limited(ctx, digest, now):
            continue  # items stay unreserved and go out when the quiet hours end or the limit allows
        when = now if schedule.immediate else scheduler.latest_due(schedule, last, now)
        if when is not None:
            due.append((digest.name, when))
    return due


def _rate_limited(ctx: Context, digest: DigestConfig, now: datetime) -> bool:
    if digest.max_per_hour is None:
        return False
    with ctx.db.session() as session:
        created = digest_store.created_between(session, digest.name, now - timedelta(hours=1), now)
        return created >= digest.max_per_hour


def run_digest(ctx: Context, name: str, due_at: datetime) -> int | None:
    """Reserve digest ``name`` for ``due_at`` and deliver everything owed; returns the digest id or None."""
    digest_id = reserve_digest(ctx, name, due_at)
    deliver_pending(ctx)
    return digest_id


def reserve_digest(ctx: Context, name: str, due_at: datetime) -> int | None:
    """Create digest ``name`` for ``due_at``, reserving its items and opening one delivery per channel.

    Returns the digest id, or None when there was nothing to send (or it already exists).
    """
    digest = ctx.config.digest(name)
    with ctx.db.session() as session:
        entries = _undigested(session, name, digest)
        digest_store.set_last_due(session, name, due_at)
        digest_id = None
        immediate = digest.schedule.strip().lower() == "immediate"
        if entries or (digest.send_empty and not immediate):
            channels = digest.channels or [FILE_CHANNEL]
            digest_id = digest_store.create_digest(
                session, name, due_at, item_ids=[e.item_id for e in entries], channels=channels, now=ctx.clock.now())
    level = logging.INFO if digest_id is not None else logging.DEBUG  # "nothing to send" every tick is noise
    log.log(level, "digest reserved", extra={"digest": name, "items": len(entries), "digest_id": digest_id})
    return digest_id


def _undigested(session: Session, name: str, digest: DigestConfig) -> list[DigestEntry]:
    """What digest ``name`` would hold now: its kinds of item, scored high enough, fetched since it was first seen."""
    since = digest_store.first_seen(session, name)
    return item_store.undigested(session, name, digest.include, since, digest.min_score)


def digest_content(ctx: Context, name: str) -> DigestContent:
    """What digest ``name`` would contain now; reserves and sends nothing."""
    digest = ctx.config.digest(name)
    with ctx.db.session() as session:
        entries = _undigested(session, name, digest)
        earlier = _earlier(session, name, entries)
    return build_digest(name, entries, window_end=ctx.clock.now(), max_items=digest.max_items, title=digest.title,
                        earlier=earlier, timezone=digest.timezone, public_url=ctx.config.public_url or "")


def _earlier(
    session: Session, name: str, entries: Sequence[DigestEntry], *, channel: str | None = None,
    before: int | None = None,
) -> dict[int, tuple[Source, ...]]:
    """Earlier reports of the stories in ``entries``: those an earlier digest ``name`` delivered (to
    ``channel``, when it is known), so "Earlier in this story" names only what its reader was sent."""
    stories = sorted({e.story for e in entries if e.story is not None})
    return item_store.earlier_reports(session, stories, [e.item_id for e in entries], digest=name, channel=channel,
                                      before=before)


def preview_digest(ctx: Context, name: str, fmt: Format) -> str:
    """Digest ``name`` as it would be sent now, rendered as ``fmt``."""
    return render(digest_content(ctx, name), fmt, _templates(ctx))


def _templates(ctx: Context) -> Path:
    """User template overrides live in ``templates/`` beside the config file."""
    return ctx.config.source.parent / "templates"


def deliver_pending(ctx: Context, *, should_stop: Callable[[], bool] = lambda: False) -> list[tuple[str, bool]]:
    """Try every delivery that is owed and due; returns (channel, delivered) pairs."""
    return [(p.channel, ok) for p, ok in deliver_owed(ctx, should_stop=should_stop)]


def deliver_owed(
    ctx: Context, *, send_now: str | None = None, should_stop: Callable[[], bool] = lambda: False,
) -> list[tuple[PendingDelivery, bool]]:
    """Try every owed, due delivery outside its digest's quiet hours (digest ``send_now`` ignores
    them: it was asked for); stops between deliveries once ``should_stop``, freeing the rest."""
    now = ctx.clock.now()
    held = [d.name for d in ctx.config.digests
            if d.name != send_now and scheduler.in_quiet_hours(d.quiet_hours, now, d.timezone)]
    with ctx.db.session() as session:  # claimed: a delivery goes out from one replica only
        owed = digest_store.claim_pending(session, now, LEASE, held=held)
    done: list[tuple[PendingDelivery, bool]] = []
    with ctx.holding_claims():  # a slow channel keeps its claim; a dead sender's expires within a lease
        for pending in owed:
            if should_stop():
                break
            done.append((pending, deliver(ctx, pending)))
    if len(done) < len(owed):
        with ctx.db.session() as session:
            digest_store.release(session, [p.delivery_id for p in owed[len(done):]])
    return done


def deliver(ctx: Context, pending: PendingDelivery) -> bool:
    """Send one digest to one channel, then record the outcome in its own commit.

    The message is rendered at the first attempt and kept: a retry (or a resend after a crash)
    sends the same bytes, even when later reports of its stories have arrived since."""
    ok, detail, permanent = True, "", False
    message: dict[str, str] = {}
    accepted: set[str] = set()  # the recipients that took it, when the channel has several
    try:
        message = json.loads(pending.rendered) if pending.rendered else _render_once(ctx, pending)
        accepted = set(json.loads(message.get("accepted", "[]")))
        _send(ctx, pending, message, accepted)
    except NotifyError as exc:
        ok, detail, permanent = False, f"{exc}\n{exc.detail}".strip(), exc.permanent
    except Exception as exc:  # a full disk or a broken template fails this delivery, not every one after it
        log.exception("digest delivery raised", extra={"digest": pending.digest_name, "channel": pending.channel})
        ok, detail = False, _unexpected(exc)
    metrics.NOTIFICATIONS.labels(channel=pending.channel, result="delivered" if ok else "failed").inc()
    now = ctx.clock.now()
    retry = _next_attempt(now, pending.attempts, permanent)
    with ctx.db.session() as session:
        if ok:
            digest_store.mark_sent(session, pending.delivery_id, now)
        else:
            digest_store.mark_failed(session, pending.delivery_id, detail, retry)
            _keep_accepted(session, pending, message, accepted)
    if not ok and retry is None and pending.channel != ctx.config.admin_channel:
        alerts.notify_operator(
            ctx, f"monitor: digest {pending.digest_name} could not be delivered to {pending.channel}",
            f"After {pending.attempts + 1} attempt(s) the channel {pending.channel!r} "
            f"{'refuses for good' if permanent else 'still refuses'} digest {pending.digest_name} of "
            f"{pending.due_at:%Y-%m-%d %H:%M} UTC; its items stay reserved for it.\nLast error: {detail}",
        )
    if ok:
        log.info("digest delivered",
                 extra={"digest": pending.digest_name, "channel": pending.channel, "attempt": pending.attempts + 1})
    else:
        log.warning("digest delivery failed", extra={"digest": pending.digest_name, "channel": pending.channel,
                                                     "attempt": pending.attempts + 1, "cause": detail.split("\n")[0]})
    return ok


def _keep_accepted(session: Session, pending: PendingDelivery, message: dict[str, str], accepted: set[str]) -> None:
    """Keep with the message which of the channel's recipients have taken it, when some did and others
    refused: a retry (here or in another replica) then goes to the others only."""
    if message and sorted(accepted) != json.loads(message.get("accepted", "[]")):
        digest_store.keep_rendered(session, pending.delivery_id,
                                   json.dumps(message | {"accepted": json.dumps(sorted(accepted))}))


def _unexpected(exc: Exception) -> str:
    """A failure that is no NotifyError as it is stored: a MonitorError's own text (``path:2: digest
    template: …``); anything else with its type, often the only clue (``FileExistsError: [Errno 17] …``)."""
    if isinstance(exc, MonitorError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _next_attempt(now: datetime, attempts: int, permanent: bool) -> datetime | None:
    """When to try again after a failed attempt (2, 4, 8 … minutes), or None to give up."""
    if permanent or attempts + 1 >= DELIVERY_ATTEMPTS:
        return None
    return now + timedelta(minutes=2 ** (attempts + 1))


def _render_once(ctx: Context, pending: PendingDelivery) -> dict[str, str]:
    """Render the digest for ``pending``'s channel and keep the message on the delivery."""
    with ctx.db.session() as session:
        entries = item_store.entries_by_id(session, digest_store.digest_item_ids(session, pending.digest_id))
        earlier = _earlier(session, pending.digest_name, entries, channel=pending.channel, before=pending.digest_id)
    config = next((d for d in ctx.config.digests if d.name == pending.digest_name), None)
    content = build_digest(pending.digest_name, entries, window_end=pending.due_at, earlier=earlier,
                           max_items=config.max_items if config else 25, title=config.title if config else None,
                           timezone=config.timezone if config else "UTC", public_url=ctx.config.public_url or "")
    templates = _templates(ctx)
    stem = f"{content.name}-{content.window_end:%Y%m%dT%H%M%SZ}-{pending.digest_id}"  # two in one second differ
    message = {"title": content.title, "stem": stem}
    channel = next((c for c in ctx.config.channels if c.name == pending.channel), None)
    if pending.channel == FILE_CHANNEL:
        message |= {"text": render(content, "text", templates), "html": render(content, "html", templates)}
    elif channel is not None:
        fmt = channel.effective_format()
        body, shown = _fitted(content, fmt, templates, channel.url.get_secret_value())
        if shown < len(content.entries):
            log.info("digest cut to fit the channel", extra={
                "digest": pending.digest_name, "channel": pending.channel, "shown": shown,
                "more": content.more + len(content.entries) - shown})
        message |= {"format": fmt, "body": body}
    else:
        return message  # the channel left the config: nothing to render for it
    with ctx.db.session() as session:
        digest_store.keep_rendered(session, pending.delivery_id, json.dumps(message))
    return message


def _fitted(content: DigestContent, fmt: Format, templates: Path, url: str) -> tuple[str, int]:
    """The digest as ``fmt`` with as many of its stories, in order, as the channel at ``url`` takes in
    one message, and how many that is: the others are counted in its "…and N more" (with none shown,
    the message is the title and that count). Sent whole, a longer one is refused or cut by the service."""
    body = render(content, fmt, templates)
    if notify.fits(url, content.title, body, fmt):
        return body, len(content.entries)
    shown, over = 0, len(content.entries)  # ``shown`` stories fit (none is taken to), ``over`` do not
    while over - shown > 1:
        middle = (shown + over) // 2
        if notify.fits(url, content.title, render(_first(content, middle), fmt, templates), fmt):
            shown = middle
        else:
            over = middle
    return render(_first(content, shown), fmt, templates), shown


def _first(content: DigestContent, count: int) -> DigestContent:
    """``content`` showing its first ``count`` stories; the rest join those counted as more."""
    hidden = len(content.entries) - count
    return replace(content, entries=content.entries[:count], more=content.more + hidden)


def _send(ctx: Context, pending: PendingDelivery, message: dict[str, str], accepted: set[str]) -> None:
    """Deliver ``message`` to ``pending``'s channel, except the recipients in ``accepted`` (to which
    those that take it now are added); a NotifyError when it is not accepted."""
    if pending.channel == FILE_CHANNEL:
        _write_files(files_folder(ctx.config.data_dir), message)
        return
    channel = next((c for c in ctx.config.channels if c.name == pending.channel), None)
    if channel is None or "body" not in message:
        raise NotifyError(f"channel {pending.channel!r} is no longer in the config", permanent=True)
    identity = f"{pending.digest_name}.{pending.due_at:%Y%m%dT%H%M%SZ}.{pending.digest_id}"
    url = notify.with_identity(channel.url.get_secret_value(), identity)
    notify.send(url, message["title"], message["body"], message["format"], accepted)


def write_digest_files(folder: Path, content: DigestContent, templates: Path | None = None) -> Path:
    """Write the digest as text and HTML into ``folder`` (the log names the files); returns the HTML path."""
    return _write_files(folder, {
        "stem": f"{content.name}-{content.window_end:%Y%m%dT%H%M%SZ}",
        "text": render(content, "text", templates), "html": render(content, "html", templates),
    })


def _write_files(folder: Path, message: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{message['stem']}.txt").write_text(message["text"], encoding="utf-8")
    html_path = folder / f"{message['stem']}.html"
    html_path.write_text(message["html"], encoding="utf-8")
    log.info("digest written", extra={"html": str(html_path), "text": str(html_path.with_suffix(".txt"))})
    return html_path
