"""The ``monitor`` command: parse arguments, call one function, map errors to exit codes.

Exit codes: 0 ok, 2 bad config or usage, 1 runtime failure. Heavy modules are
imported inside the commands so that ``--help`` stays fast.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from monitor.clihelp import plain_help
from monitor.errors import ConfigError, MonitorError, NotifyError, UsageError
from monitor.formats import DEFAULT, FORMATS, output_format
from monitor.terminal import cell, say, tolerant_streams, write_document

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.context import Context
    from monitor.daemon import Daemon
    from monitor.types import DeferredPage

log = logging.getLogger(__name__)
out = Console(highlight=False, soft_wrap=True, emoji=False)  # ":warning:" in a feed title stays text
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

app = typer.Typer(help="Self-hosted news monitor: polls feeds, keeps what matches the watchlist, "
                  "and sends digests of genuinely new developments.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
seeds_app = typer.Typer(help="The seed corpus: coverage you already know.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
feeds_app = typer.Typer(help="Feeds: re-enable, inspect, import and export (OPML).", no_args_is_help=True)
app.add_typer(seeds_app, name="seeds")
app.add_typer(feeds_app, name="feeds")
app.add_typer(db_app, name="db")



class LogFormat(StrEnum):
    text = "text"
    json = "json"


class State:
    config_path: Path | None = None


@app.callback()
def main_options(
    config: Annotated[Path | None, typer.Option(
        "--config", "-c", envvar="MONITOR_CONFIG", show_envvar=True,
        help="Watchlist YAML (default: config/watchlist.yaml).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
    log_format: Annotated[LogFormat, typer.Option("--log-format", help="Log lines as text or JSON.")] = LogFormat.text,
) -> None:
    from monitor.logs import configure

    State.config_path = config
    configure(verbose, log_format.value)


def _config() -> Config:
    from monitor.config import load_config
    from monitor.redact import remember

    config = load_config(State.config_path)  # remembers the channels' secrets as it validates them
    remember(feeds=[f.url for f in config.all_feeds()] + [config.db_url()])  # $DATABASE_URL's secrets too
    return config


def _demo_config() -> Config:
    """The config given, else ``config/watchlist.yaml`` here, else the project's own: the demo runs from
    any folder."""
    from monitor.config import DEFAULT_CONFIG

    if State.config_path is None and not DEFAULT_CONFIG.exists():
        project = Path(__file__).resolve().parent.parent / DEFAULT_CONFIG
        if project.exists():
            State.config_path = project
    return _config()


@contextmanager
def _context(config: Config | None = None) -> Iterator[Context]:
    from monitor.context import build_context

    ctx = build_context(config or _config())
    try:
        yield ctx
    finally:
        ctx.close()


@contextmanager
def _migrated() -> Iterator[Context]:
    """A context whose database schema is up to date."""
    with _context() as ctx:
        ctx.db.upgrade()
        yield ctx


@contextmanager
def _progress(label: str, total: int | None = None) -> Iterator[Callable[[Any], None]]:
    """A spinner with a running count (of ``total``, when known) on a terminal; otherwise a log line
    at every tenth of ``total`` (every 50 when it is not known)."""
    of = f" of {total}" if total is not None else ""
    if not err.is_terminal:
        every = max(1, total // 10) if total else 50
        done = 0

        def note(_: object) -> None:
            nonlocal done
            done += 1
            if done % every == 0 or done == total:
                log.info("%s: %d%s done", label, done, of)

        yield note
        return
    from rich.progress import Progress as Bar
    from rich.progress import SpinnerColumn, TextColumn

    with Bar(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True) as bar:
        task = bar.add_task(label)
        done = 0

        def advance(outcome: object) -> None:
            nonlocal done
            done += 1
            last = getattr(outcome, "feed_url", None) or getattr(outcome, "id", "")
            bar.update(task, description=f"{label}: {done}{of} done, last {cell(last)}")

        yield advance


StopTimeout = Annotated[float, typer.Option(
    help="Seconds to let in-flight work finish after SIGTERM before exiting anyway.", min=0)]


def _end_after(daemon: Daemon, finished: bool) -> None:
    """After the daemon's loop ended: a loop that died is a failure (exit 1, so that a supervisor
    starts the process again); after a stop, when the step still runs in its thread, end the process
    (exit 0), as the stop asked."""
    if daemon.failed:
        raise MonitorError("the daemon's loop ended unexpectedly (the log says why); exiting with an error")
    if not finished:
        logging.shutdown()
        os._exit(0)


@app.command()
def run(
    tick: Annotated[int, typer.Option(help="Seconds between checks for due feeds and digests.", min=1)] = 30,
    stop_timeout: StopTimeout = 10.0,
    feed_listen: Annotated[str | None, typer.Option(
        "--feed-listen", help="Also serve the Atom feed of developments at http://HOST:PORT/feed.xml.")] = None,
) -> None:
    """Run the daemon: migrate, load seeds, then poll feeds and send digests on schedule."""
    from datetime import timedelta

    from monitor.daemon import Daemon
    from monitor.digest.plan import digest_plans
    from monitor.feedserver import start_feed_server
    from monitor.health import start_health_server
    from monitor.startup import start
    from monitor.web import start_web_server

    config = _config()
    with _context(config) as ctx:
        daemon = Daemon(ctx, tick=timedelta(seconds=tick), stop_timeout=stop_timeout)
        daemon.handle_signals()  # before start-up work, so a stop during it is clean too
        added, seeds = start(ctx)
        log.info("ready", extra={"database": _safe(ctx.db.url), "feeds_added": added, "seeds_changed": seeds})
        for plan in digest_plans(ctx):
            log.info("digest scheduled", extra={"digest": plan.name, "next_due": plan.when(), "to": plan.where()})
        servers = []
        if feed_listen:
            servers.append(start_feed_server(ctx, *_listen(feed_listen)))
        if config.health_listen:
            servers.append(start_health_server(ctx, *_listen(config.health_listen), lambda: daemon.last_tick,
                                               daemon.tick, busy_since=lambda: daemon.busy_since))
        if config.web_listen:
            servers.append(start_web_server(ctx, *_listen(config.web_listen)))
        try:
            finished = daemon.run()
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()
        _end_after(daemon, finished)


def _listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not port.isascii() or not port.isdigit() or int(port) > 65535:  # 0: any free port, which the log names
        raise UsageError(f"wanted HOST:PORT (e.g. 127.0.0.1:8765), got {value!r}")
    return host or "127.0.0.1", int(port)


@app.command()
def poll(
    once: Annotated[bool, typer.Option("--once", help="One pass over the due feeds, then exit.")] = False,
    all_feeds: Annotated[bool, typer.Option("--all", help="Treat every enabled feed as due.")] = False,
    stop_timeout: StopTimeout = 10.0,
) -> None:
    """Poll feeds and store new items (no digests). Without --once, keeps polling on schedule."""
    from monitor.daemon import Daemon, run_once
    from monitor.startup import held_elsewhere, make_all_due, start

    with _context() as ctx:
        start(ctx)
        if all_feeds:
            make_all_due(ctx)
        if not once:
            daemon = Daemon(ctx, digests=False, stop_timeout=stop_timeout)
            _end_after(daemon, daemon.run())
            return
        with _progress("polling") as progress:
            report = run_once(ctx, digests=False, progress=progress)
        held = held_elsewhere(ctx)
    if held:
        say(out, f"skipped {held} due feeds: another process is polling them (see monitor status)")
    failed = [f for f in report.feeds if f.result == "error"]
    deferred = sum(f.deferred for f in report.feeds)
    later = f"; {deferred} article page{'' if deferred == 1 else 's'} failed for now, deferred" if deferred else ""
    say(out, f"polled {len(report.feeds)} feeds: {sum(f.new_items for f in report.feeds)} new items, "
              f"{sum(f.relevant for f in report.feeds)} relevant, {len(failed)} failed{later}")
    say(out, *(f"  {outcome.feed_url}: {outcome.error}" for outcome in failed))


@app.command()
def digest(
    name: Annotated[str, typer.Argument(help="The digest's name in the config.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print it; reserve and send nothing.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"Format for --dry-run ({', '.join(FORMATS)}).")] = DEFAULT,
) -> None:
    """Preview a digest (--dry-run) or send it now."""
    from monitor.digest.run import deliver_owed, preview_digest, reserve_digest
    from monitor.startup import start

    try:
        output_format(fmt)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    config = _config()
    config.digest(name)
    with _context(config) as ctx:
        start(ctx)
        if dry_run:
            preview = preview_digest(ctx, name, fmt)
            if fmt == "html":  # <meta charset="utf-8">
                write_document(preview)
            else:
                sys.stdout.write(preview)
            return
        digest_id = reserve_digest(ctx, name, ctx.clock.now())
        outcomes = [(p.channel, ok) for p, ok in deliver_owed(ctx, send_now=name) if p.digest_name == name]
    _say_delivered(name, digest_id, outcomes)


def _say_delivered(name: str, digest_id: int | None, outcomes: list[tuple[str, bool]]) -> None:
    """What ``monitor digest NAME`` did; a channel that refused makes it a failure (exit 1)."""
    if digest_id is None and not outcomes:
        say(out, "nothing new to send")
        return
    head = f"digest {name} #{digest_id}" if digest_id is not None else f"owed digests of {name}"
    delivered = sorted({channel for channel, ok in outcomes if ok})
    refused = sorted({channel for channel, ok in outcomes if not ok})
    if delivered:
        say(out, f"{head} sent to {', '.join(delivered)}")
    elif not refused:
        say(out, f"{head} reserved; another process holds its deliveries (monitor status)")
    if refused:
        raise NotifyError(f"{head} not accepted by {', '.join(refused)}: kept pending and retried with back-off "
                          "(monitor status shows the error)")


@app.command("check-config")
def check_config() -> None:
    """Validate the config file and summarise it."""
    config = _config()
    feeds = config.all_feeds()
    google = len(feeds) - len(config.feeds)
    say(out, f"{config.source}: OK: {len(config.topics)} topics, {len(feeds)} feeds ({google} Google News), "
              f"{len(config.channels)} channels, {len(config.digests)} digests")


@app.command()
def status() -> None:
    """Show each feed's polling state, and counts of items and deliveries."""
    from monitor.status import render_status

    with _migrated() as ctx:
        render_status(ctx, out)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the digest files.")] = Path("data/demo"),
) -> None:
    """Run the real pipeline offline on bundled sample feeds and print the digest."""
    from monitor.demo.run import run_demo

    with _progress("demo: polling sample feeds") as progress:
        result = run_demo(_demo_config(), out_dir, progress)
    sys.stdout.write(result.text)
    say(out, "", f"{result.polled} sample feeds polled, {result.stored} items stored, {result.relevant} relevant.")
    say(out, f"HTML version written to {result.html_path}")


@app.command("replay")
def replay_command(
    input_file: Annotated[Path, typer.Argument(help="JSON lines: id, url, title, published, text (or html).",
                                               exists=True, dir_okay=False)],
    seeds: Annotated[Path | None, typer.Option("--seeds", help="Seed folder (default: the config's).")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write results here instead of stdout.",
                                                  dir_okay=False)] = None,
) -> None:
    """Judge a file of articles offline, in order, after the seeds; one verdict per line, then a summary."""
    from monitor.replay import ReplayInterrupted, read_items, replay
    from monitor.summary import print_replay_summary
    from monitor.untrusted import json_line

    _check_out(out_file)
    items = list(read_items(input_file))
    interrupted = False
    with _progress("replaying", len(items)) as progress:
        try:
            results = replay(items, _config(), seeds_dir=seeds, progress=progress)
        except ReplayInterrupted as stop:  # Ctrl-C: keep what was judged
            results, interrupted = stop.results, True
    lines = "".join(json_line(r.row()) + "\n" for r in results)
    if out_file is None:
        write_document(lines)
    else:
        out_file.write_text(lines, encoding="utf-8")
    print_replay_summary(results, err if out_file is None else out)
    if interrupted:
        say(err, f"interrupted: {len(results)} of {len(items)} items judged, their results written")
        raise typer.Exit(130)


def _check_out(out_file: Path | None) -> None:
    """A UsageError (exit 2) for an ``--out`` file that cannot be written where it is named, before any work."""
    if out_file is not None and not out_file.absolute().parent.is_dir():
        raise UsageError(f"--out {out_file}: its folder does not exist")
    if out_file is not None and out_file.is_dir():
        raise UsageError(f"--out {out_file}: a folder; name a file")


@app.command()
def explain(target: Annotated[str, typer.Argument(help="An article URL, or an HTML or text file.")]) -> None:
    """Show how one article is judged: relevance evidence, verdict, candidate stories, each sentence new or known."""
    from monitor.explain import explain as explain_article
    from monitor.summary import print_decision, print_relevance

    with _context() as ctx:
        relevance, decision = explain_article(ctx, target)
    print_relevance(relevance, out)
    print_decision(decision, out)


@app.command("prune")
def prune_command() -> None:
    """Apply retention_days now (the daemon does it daily): drop old irrelevant items, clear old raw text."""
    from monitor.startup import prune

    with _migrated() as ctx:
        deleted, cleared = prune(ctx)
    say(out, f"older than {ctx.config.retention_days} days: {deleted} irrelevant items deleted, "
              f"raw text cleared from {cleared} items (verdicts, stories and seeds are kept)")


@app.command("feed")
def feed_command(
    out_file: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout.")] = None,
    days: Annotated[int, typer.Option(help="How many days of developments to include.", min=1, max=36500)] = 7,
) -> None:
    """Write an Atom feed of new stories and updates, for any feed reader."""
    from monitor.feedserver import developments_feed

    _check_out(out_file)
    with _migrated() as ctx:
        document = developments_feed(ctx, days)
    if out_file is None:
        write_document(document)
    else:
        out_file.write_text(document, encoding="utf-8")
        say(out, f"written to {out_file}")


@app.command("test-notify")
def test_notify(channel: Annotated[str, typer.Argument(help="A channel name from the config.")]) -> None:
    """Send a short test message to a channel and say whether it was accepted."""
    from monitor import notify

    config = _config()
    names = [c.name for c in config.channels]
    if channel not in names:
        raise UsageError(f"no channel named {channel!r} (configured: {', '.join(names) or 'none'})")
    target = config.channel(channel)
    fmt = target.effective_format()
    try:
        notify.send(target.url.get_secret_value(), "monitor: test message",
                    "This is a test message from monitor. If you can read it, the channel works.", fmt)
    except NotifyError as exc:
        raise NotifyError(f"channel {channel!r} ({notify.scheme_of(target.url.get_secret_value())}) did not accept "
                          f"the test message: {exc.message}") from exc
    say(out, f"channel {channel!r} accepted the test message ({fmt})")


@seeds_app.command("list")
def seeds_list() -> None:
    """List the seed articles loaded as known coverage."""
    from monitor import admin

    with _migrated() as ctx:
        docs = admin.seeds(ctx)
    for doc in docs:
        meta = ", ".join(x for x in (doc.outlet, doc.published) if x)
        say(out, f"{doc.key}  {doc.title}" + (f"  ({meta})" if meta else "") + f"  [{len(doc.text)} chars]")
    say(out, f"{len(docs)} seed articles")


@feeds_app.command("enable")
def feeds_enable(ref: Annotated[str, typer.Argument(help="The feed's id, URL or name (see `status`).")]) -> None:
    """Re-enable a disabled feed and poll it at the next tick."""
    from monitor import admin

    with _migrated() as ctx:
        feed = admin.enable_feed(ctx, ref)
    if feed.listed:
        say(out, f"feed {feed.id} ({feed.name}) enabled; it will be polled at the next tick")
    else:
        say(out, f"feed {feed.id} ({feed.name}) enabled, but it is not polled: {_LEFT_BEHIND}")


@feeds_app.command("show")
def feeds_show(ref: Annotated[str, typer.Argument(help="The feed's id, URL or name.")]) -> None:
    """Show one feed's state and its recent errors."""
    from monitor import admin

    with _migrated() as ctx:
        details = admin.feed_details(ctx, ref)
    feed, errors = details.feed, details.errors
    moved = f" (moved to {feed.fetch_url})" if feed.fetch_url else ""
    left = [] if feed.listed else [f"  not polled: {_LEFT_BEHIND}"]
    say(out, f"#{feed.id} {feed.name}", f"  {feed.url}{moved}", *left,
        f"  enabled: {feed.enabled}, errors in a row: {feed.error_count}, permanent: {feed.permanent_failures}, "
        f"last status: {feed.last_status or 'not polled yet'}",
        f"  topics: {_feed_topics(feed.topics)} ({_ORIGIN.get(feed.source, feed.source)})",
        *(f"  {error.at:%Y-%m-%d %H:%M:%S} UTC {error.message}" for error in errors),
        *_deferred_lines(details.deferred))


def _deferred_lines(pages: Sequence[DeferredPage]) -> list[str]:
    """A feed's deferred pages: each entry's title, failed attempts, next attempt and last error."""
    lines = [f"  deferred pages ({len(pages)}), fetched again at the feed's first poll after their next attempt:"]
    for page in pages:
        error = page.error.splitlines()[0][:200] if page.error else ""
        lines.append(f"    {page.entry.title[:80] or page.entry.key[:80]}: {page.attempts} failed, "
                     f"next attempt {page.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC, {error}")
    return lines if pages else []


def _feed_topics(topics: Sequence[str] | None) -> str:
    return "all" if topics is None else ", ".join(topics) or "none"


_ORIGIN = {"config": "from the config", "google": "a Google News search of the config", "opml": "imported"}


_LEFT_BEHIND = "the config no longer lists it (add it back, or `monitor feeds import` an OPML list naming it)"


@feeds_app.command("import")
def feeds_import(path: Annotated[Path, typer.Argument(help="An OPML file.", exists=True, dir_okay=False)]) -> None:
    """Add the feeds of an OPML file (kept alongside the config's feeds; one imported before is updated).

    A feed whose OPML categories name topics of the config (as `feeds export` writes them) looks for those alone.

    A feed the config lists is left as the config has it."""
    from monitor import admin
    from monitor.opml import MAX_BYTES

    with path.open("rb") as source:
        data = source.read(MAX_BYTES + 1)  # never more than the cap in memory
    with _migrated() as ctx:
        done = admin.import_opml(ctx, data, str(path))
    found, added, updated = done.found, done.added, done.updated
    total = len(found.specs)
    say(out, f"{total} feeds in {path}: {added} added, " + (f"{updated} updated, " if updated else "")
        + f"{total - added - updated} already known"
        + (f", {len(found.skipped)} outlines skipped:" if found.skipped else ""), *(f"  {s}" for s in found.skipped))
    if done.untopical:
        say(out, f"{len(done.untopical)} added or updated feeds have categories naming no topic of the config:",
            *(f"  {note}" for note in done.untopical))


@feeds_app.command("export")
def feeds_export(
    out_file: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Write every polled feed as an OPML 2.0 subscription list (a feed limited to some topics
    names them as OPML categories, which `feeds import` reads back).

    Credentials in feed URLs are kept only in a file named with --out (created readable by its owner alone).

    On stdout they are redacted (***) like every other output."""
    from monitor import admin
    from monitor.opml import write_opml
    from monitor.redact import redact

    _check_out(out_file)
    with _migrated() as ctx:
        document = write_opml(admin.listed_feeds(ctx), now=ctx.clock.now())
    if out_file is None:
        shown = redact(document)
        write_document(shown)
        if shown != document:
            say(err, "note: feed credentials are shown as ***; export with --out FILE to keep them")
        return
    if redact(document) != document:
        out_file.touch(mode=0o600)
        out_file.chmod(0o600)  # an existing file keeps its mode through touch
    out_file.write_text(document, encoding="utf-8")
    say(out, f"written to {out_file}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations, and say what was done."""
    with _context() as ctx:
        before, after = ctx.db.upgrade()
        tables = ctx.db.tables()
    where = f"database at {_safe(ctx.db.url)}"
    if before is None:
        say(out, f"{where}: created {len(tables)} tables ({', '.join(tables)}) at schema revision {after}")
    elif before != after:
        say(out, f"{where}: upgraded from schema revision {before} to {after}")
    else:
        say(out, f"{where} is up to date (schema revision {after})")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="The schema revision to go back to (the older release's newest).")],
    yes: Annotated[bool, typer.Option("--yes", help="Undo them; without it, only list what would be undone.")] = False,
) -> None:
    """Undo the migrations after REVISION, to run an older release on this database."""
    with _context() as ctx:
        undone = ctx.db.migrations_after(revision)
        where = f"database at {_safe(ctx.db.url)}"
        if not undone:
            say(out, f"{where} is at schema revision {revision} or older: nothing to undo")
            return
        if not yes:
            raise UsageError(f"{where}: would undo {'; '.join(undone)} (what they added is dropped); "
                             f"run again with --yes to undo them")
        before, after = ctx.db.downgrade(revision)
    say(out, f"{where}: downgraded from schema revision {before} to {after}")


def _safe(url: str) -> str:
    from monitor.store.session import safe_url

    return safe_url(url)


def _report(exc: BaseException) -> int:
    """Print the error (each line made safe for the terminal) and return its exit code."""
    if isinstance(exc, ConfigError):
        say(err, *(f"error: {line}" for line in exc.details or [str(exc)]))
        return 2
    if isinstance(exc, UsageError):
        say(err, f"error: {exc.message}")
        return 2
    first, *rest = (_database_error(exc) or str(exc)).splitlines() or [""]
    say(err, f"error: {first}", *rest)
    return 1


def _database_error(exc: BaseException) -> str | None:
    """The driver's reason for a failed database statement, without the statement and its values
    (SQLAlchemy's message holds both); None for any other error."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return None
    reason = (str(exc.orig or exc).strip().splitlines() or [type(exc).__name__])[0]
    if "database is locked" in reason:
        reason += " (another process, a running `monitor run` say, held it too long); try again"
    return f"store: {reason}"


_GLOBAL_WITH_VALUE = ("--config", "-c", "--log-format")
_GLOBAL_FLAGS = ("--verbose", "-v")


def global_options_first(argv: list[str]) -> list[str]:
    """``monitor status --config x.yaml`` -> ``monitor --config x.yaml status``: the global options
    are accepted after the command too (anything after ``--`` is left alone)."""
    head: list[str] = []
    rest: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--":
            rest += [word, *words]
            break
        name = word.split("=", 1)[0]
        if name in _GLOBAL_WITH_VALUE:
            head.append(word)
            if "=" not in word:
                value = next(words, None)
                if value is None or value == "--":
                    raise UsageError(f"option {word} needs a value")
                head.append(value)
        elif word in _GLOBAL_FLAGS:
            head.append(word)
        else:
            rest.append(word)
    return head + rest


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    tolerant_streams()
    command = plain_help(typer.main.get_command(app))
    try:
        args = global_options_first(sys.argv[1:] if argv is None else argv)
        result = command.main(args=args, prog_name="monitor", standalone_mode=False)
    except MonitorError as exc:
        return _report(exc)
    except typer.TyperException as exc:  # usage errors: bad option, missing argument, unknown command
        show = getattr(exc, "show", None)
        if callable(show):
            shown = io.StringIO()  # redacted like every other output: a value given may hold a URL's credentials
            show(file=shown)
            say(err, *shown.getvalue().splitlines())
        else:
            say(err, f"error: {exc.format_message()}")
        return exc.exit_code
    except typer.Abort:
        say(err, "aborted")
        return 1
    except Exception as exc:
        log.debug("unexpected error", exc_info=True)
        return _report(exc)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
