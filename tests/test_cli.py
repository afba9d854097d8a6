"""The command line: exit codes, messages, and each command on a real (local) setup."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from monitor.cli import main
from tests.conftest import ROOT, free_port, write_config

SHIPPED = str(ROOT / "config" / "watchlist.yaml")


def test_check_config_on_shipped_watchlist(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-c", SHIPPED, "check-config"]) == 0
    assert "OK: 2 topics" in capsys.readouterr().out


def test_bad_config_exits_2_naming_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path / "w.yaml", digests=[{"name": "d", "schedule": "whenever"}])
    assert main(["-c", str(path), "check-config"]) == 2
    err = capsys.readouterr().err
    assert f"error: {path}:" in err and "digests[0].schedule: not a valid cron expression" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-c", SHIPPED, "digest"]) == 2
    assert main(["no-such-command"]) == 2
    assert main(["-c", SHIPPED, "digest", "nope", "--dry-run"]) == 2
    assert "no digest named 'nope'" in capsys.readouterr().err


def test_help_on_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    for args in ([], ["run"], ["poll"], ["digest"], ["check-config"], ["seeds", "list"], ["status"], ["demo"],
                 ["db", "upgrade"], ["feeds", "enable"], ["feeds", "show"], ["feeds", "import"], ["feeds", "export"],
                 ["replay"], ["explain"], ["feed"], ["test-notify"]):
        assert main([*args, "--help"]) == 0
        out = capsys.readouterr().out
        assert "Usage" in out
        assert "<bool>" not in out and "{" not in out, f"{args}: flags take no type, arguments no braces"


def test_help_names_arguments_in_capitals(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage: monitor explain [OPTIONS] TARGET" in out
    assert main(["poll", "--help"]) == 0
    once = next(line for line in capsys.readouterr().out.splitlines() if "--once " in line and "One pass" in line)
    assert "<" not in once


@pytest.mark.parametrize("command", [["run", "--tick", "1", "--feed-listen", "127.0.0.1:0"], ["poll"]],
                         ids=["run", "poll"])
def test_a_daemon_whose_loop_dies_exits_1_for_its_supervisor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str],
) -> None:
    """Only a stop that was asked for exits 0: a loop that ended by itself is a failure, which a supervisor
    (systemd's Restart=on-failure) restarts."""
    from monitor.daemon import Daemon

    def dies(_: Daemon) -> None:
        raise SystemExit(3)  # no step raises this: the loop itself ends

    monkeypatch.setattr(Daemon, "_tick", dies)
    path = write_config(tmp_path / "w.yaml")
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        assert main(["-c", str(path), *command]) == 1
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    assert "error: monitor: the daemon's loop ended unexpectedly" in capsys.readouterr().err


def test_seeds_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path / "w.yaml")
    assert main(["-c", str(path), "seeds", "list"]) == 0
    out = capsys.readouterr().out
    assert "5 seed articles" in out
    assert "Can Trump help Pakistan's Imran Khan?" in out
    assert "2024-11-11" in out


def test_poll_survives_a_dead_feed_and_records_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dead = f"http://127.0.0.1:{free_port()}/feed.xml"
    path = write_config(tmp_path / "w.yaml", feeds=[{"url": dead, "name": "Dead feed"}])
    assert main(["-c", str(path), "poll", "--once"]) == 0
    assert "1 failed" in capsys.readouterr().out
    assert main(["-c", str(path), "status"]) == 0
    out = capsys.readouterr().out
    assert "Dead feed" in out and "fetch:" in out
    assert main(["-c", str(path), "db", "upgrade"]) == 0
    assert "up to date (schema revision" in capsys.readouterr().out


def test_a_feed_the_config_left_behind_is_not_said_to_be_polled(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    kept, dropped = ({"url": f"http://127.0.0.1:{port}/{name}.xml", "name": name} for name in ("Kept", "Dropped"))
    assert main(["-c", str(write_config(tmp_path / "w.yaml", feeds=[kept, dropped])), "poll", "--once"]) == 0
    path = str(write_config(tmp_path / "w.yaml", feeds=[kept]))
    assert main(["-c", path, "poll", "--once"]) == 0
    capsys.readouterr()
    assert main(["-c", path, "feeds", "enable", "Dropped"]) == 0
    assert main(["-c", path, "feeds", "show", "Dropped"]) == 0
    enabled, _, _, not_polled, *_ = capsys.readouterr().out.splitlines()
    assert enabled.startswith("feed 2 (Dropped) enabled, but it is not polled: the config no longer lists it")
    assert not_polled.startswith("  not polled: the config no longer lists it")
    assert main(["-c", path, "feeds", "enable", "Kept"]) == 0
    assert main(["-c", path, "feeds", "show", "Kept"]) == 0
    out = capsys.readouterr().out
    assert "feed 1 (Kept) enabled; it will be polled at the next tick" in out and "not polled" not in out
    assert "\n  topics: all (from the config)\n" in out
    assert re.search(r"^  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC fetch: ", out, re.M)  # in the zone status uses


def test_demo_runs_from_any_folder_and_prints_its_digest_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # no config/watchlist.yaml here: the demo finds the project's own
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 0
    captured = capfd.readouterr()
    assert captured.out.count("Demo digest: new developments") == 1 and "Demo digest" not in captured.err
    assert all(len(line) < 400 for line in captured.err.splitlines())  # log lines are events, not a digest


def test_global_options_after_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", "--config", SHIPPED, "-v"]) == 0
    assert "OK: 2 topics" in capsys.readouterr().out
    assert main(["check-config", f"--config={SHIPPED}", "--log-format", "json"]) == 0
    capsys.readouterr()
    assert main(["status", "-c"]) == 2
    assert capsys.readouterr().err.strip() == "error: option -c needs a value"


def test_db_upgrade_says_what_it_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path / "w.yaml", database_url=f"sqlite:///{tmp_path / 'new.db'}")
    assert main(["-c", str(path), "db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert "created 10 tables (deferred_pages, deliveries, digest_items" in out and "at schema revision" in out


def test_db_downgrade_lists_what_it_would_undo_until_told_yes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_config(tmp_path / "w.yaml", database_url=f"sqlite:///{tmp_path / 'new.db'}")
    assert main(["-c", str(path), "db", "upgrade"]) == 0
    assert main(["-c", str(path), "db", "downgrade", "0007"]) == 2
    err = capsys.readouterr().err
    assert "would undo 0014: " in err and "; 0013: " in err and "; 0012: " in err and "; 0011: " in err
    assert "; 0010: " in err and "; 0008: " in err
    assert "--yes" in err
    assert main(["-c", str(path), "db", "downgrade", "0007", "--yes"]) == 0
    assert "to 0007" in capsys.readouterr().out
    for revision in ("0007", "0008"):  # at it, or older
        assert main(["-c", str(path), "db", "downgrade", revision, "--yes"]) == 0
        assert "nothing to undo" in capsys.readouterr().out
    assert main(["-c", str(path), "db", "upgrade"]) == 0
    assert "upgraded from schema revision 0007" in capsys.readouterr().out


def test_status_names_each_digest_and_channel_and_one_line_per_feed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_config(
        tmp_path / "w.yaml", feeds=[{"url": f"http://127.0.0.1:{free_port()}/feed.xml", "name": "Local desk"}],
        digests=[{"name": "briefing", "schedule": "0 8 * * *", "timezone": "Asia/Karachi", "channels": []}])
    assert main(["-c", str(path), "poll", "--once"]) == 0
    capsys.readouterr()
    assert main(["-c", str(path), "status"]) == 0
    out = capsys.readouterr().out.splitlines()
    (feed,) = [line for line in out if line.startswith("#1 ")]  # piped: one line per feed
    assert "Local desk | fetch: ConnectError" in feed and "| 1 errors | enabled" in feed
    assert re.search(r" \| last poll 20\d\d-\d\d-\d\d \d\d:\d\d UTC, 0 new items \| next 20", feed), feed
    (digest,) = [line for line in out if "briefing (0 8 * * *)" in line]
    assert " 08:00 PKT (Asia/Karachi) to files in " in digest and "nothing sent yet" in digest
    assert "channels: none (digests are written to files)" in out


def wide_status(path: Path) -> str:
    """``monitor status`` as a terminal 200 columns wide shows it (a table of feeds)."""
    import io

    from monitor.config import load_config
    from monitor.context import build_context
    from monitor.status import render_status

    buffer = io.StringIO()
    ctx = build_context(load_config(path))
    try:
        render_status(ctx, Console(file=buffer, force_terminal=True, width=200, color_system=None))
    finally:
        ctx.close()
    return buffer.getvalue()


def test_status_and_feeds_show_count_and_list_the_deferred_pages(
    tmp_path: Path, site: object, capsys: pytest.CaptureFixture[str],
) -> None:
    from monitor.demo.server import LocalSite
    from tests.test_pipeline import SENATE_PAGE, serve_senate_busy

    assert isinstance(site, LocalSite)
    feed = serve_senate_busy(site).replace("Senate committee in Islamabad", "[bold]Senate[/bold] committee")
    site.put("/feed.xml", feed, "application/rss+xml")
    site.put(SENATE_PAGE, "busy", "text/plain", status=503)
    path = write_config(tmp_path / "w.yaml", feeds=[{"url": f"{site.base}/feed.xml", "name": "Local desk"}])
    assert main(["-c", str(path), "poll", "--once"]) == 0
    assert "polled 1 feeds: 2 new items, 1 relevant, 0 failed; 1 article page failed for now, deferred" in (
        capsys.readouterr().out)
    assert main(["-c", str(path), "status"]) == 0
    out = capsys.readouterr().out.splitlines()
    (line,) = [line for line in out if line.startswith("#1 ")]
    assert line.endswith("| 0 errors | enabled, 1 page deferred")
    assert out[2].startswith("pages deferred: 1 page failed for now; each is fetched again at a poll of its feed")
    assert "enabled, 1 page deferred" in wide_status(path)  # a wide terminal's table says it too
    assert main(["-c", str(path), "feeds", "show", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    start = out.index("  deferred pages (1), fetched again at the feed's first poll after their next attempt:")
    shown = out[start + 1]
    assert shown.startswith("    [bold]Senate[/bold] committee summons") and ": 1 failed, next attempt 20" in shown
    assert shown.endswith(" UTC, fetch: 503 busy")  # the feed's markup shown as text


def test_status_before_the_first_run_names_the_configured_feeds_and_adds_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    path = write_config(tmp_path / "w.yaml", feeds=[{"url": f"{dead}/a.xml", "name": "Local desk"},
                                                    {"url": f"http://user:hunter2pw@127.0.0.1:{free_port()}/b.xml"}])
    assert main(["-c", str(path), "status"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("feeds (0):")
    start = out.index("2 more feeds in the config, not registered or polled yet "
                      "(monitor run or monitor poll adds them when it starts):")
    assert out[start + 1] == "  Local desk" and "127.0.0.1" in out[start + 2] and "hunter2pw" not in out[start + 2]
    assert main(["-c", str(path), "status"]) == 0  # still none: status reads, it registers nothing
    assert "2 more feeds in the config" in capsys.readouterr().out
    assert main(["-c", str(path), "poll", "--once"]) == 0
    capsys.readouterr()
    assert main(["-c", str(path), "status"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("feeds (2):") and not any("more feeds in the config" in line for line in out)


def test_digest_says_where_it_went_and_fails_when_a_channel_refuses(
    tmp_path: Path, site: object, capsys: pytest.CaptureFixture[str],
) -> None:
    from monitor.demo.server import LocalSite
    from tests.test_e2e import serve_fixture

    assert isinstance(site, LocalSite)
    serve_fixture(site)
    path = write_config(tmp_path / "w.yaml", feeds=[{"url": f"{site.base}/feed.xml"}],
                        channels=[{"name": "hook", "url": f"json://127.0.0.1:{free_port()}/hook"}],
                        digests=[{"name": "briefing", "schedule": "0 8 * * *", "channels": ["hook"]},
                                 {"name": "files", "schedule": "0 8 * * *", "channels": []}])
    assert main(["-c", str(path), "poll", "--once"]) == 0
    capsys.readouterr()
    assert main(["-c", str(path), "digest", "briefing"]) == 1  # nothing listens there
    captured = capsys.readouterr()
    assert "digest briefing #1 not accepted by hook: kept pending" in captured.err and "sent" not in captured.out
    assert main(["-c", str(path), "digest", "files"]) == 0
    assert "digest files #2 sent to (file)" in capsys.readouterr().out


def test_demo_runs_offline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path / "w.yaml")
    assert main(["-c", str(path), "demo", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    manifest = json.loads((ROOT / "monitor" / "demo" / "data" / "manifest.json").read_text())
    titles = _titles()
    for item in manifest:  # every row in detail: tests/demo/test_run.py
        title = titles[item["slug"]]
        if item["expected"] in ("new", "update"):  # its own line, or a source of the story it belongs to
            assert title in out or f"/articles/{item['slug']}.html" in out, title
        else:  # irrelevant, or background: never shown as a development
            assert title not in out and item["slug"] not in out, title
    # the reports of the court hearing make one story, each later one with what it added
    assert re.search(r"NEW · [23] outlets", out) and "Indus Wire (sample) adds: " in out
    assert "Khawaja Asif dismisses rumours" not in out  # the verbatim seed copy is known coverage
    assert "HTML version written to" in out
    assert list((tmp_path / "demo").glob("demo-*.html"))


def _titles() -> dict[str, str]:
    import feedparser

    titles = {}
    for feed in (ROOT / "monitor" / "demo" / "data" / "feeds").iterdir():
        for entry in feedparser.parse(feed.read_bytes()).entries:
            titles[entry.link.rsplit("/", 1)[-1].removesuffix(".html")] = entry.title
    return titles


def test_replay_writes_one_verdict_per_item(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stream = (ROOT / "tests" / "data" / "novelty" / "stream.jsonl").read_text().splitlines()[:6]
    extra = json.dumps({"id": "x1", "url": "https://ex.example/a", "title": "Karachi port volumes", "published": None,
                        "text": "Container volumes at the port rose in October, the port trust said on Monday."})
    (tmp_path / "in.jsonl").write_text("\n".join([*stream, extra]) + "\n")
    config = write_config(tmp_path / "w.yaml")
    assert main(["-c", str(config), "replay", str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "out.jsonl")]) == 0
    results = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["id"] for r in results] == [json.loads(line)["id"] for line in stream] + ["x1"]
    assert set(results[0]) == {"id", "relevant", "topics", "story", "verdict", "vs_seeds", "novel_sentences", "score"}
    assert results[-1] == {"id": "x1", "relevant": False, "topics": [], "story": None, "verdict": None,
                           "vs_seeds": None, "novel_sentences": [], "score": 0.0}
    assert all(r["verdict"] in ("new", "update", "repeat") for r in results[:-1])
    out, err = capsys.readouterr()
    assert "Replay: 7 items" in out and "irrelevant" in out
    # off a terminal, progress is a log line at every tenth (here every item) with the total
    assert re.findall(r"replaying: (\d+) of 7 done", err) == [str(n) for n in range(1, 8)]


def test_replay_rejects_a_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "in.jsonl").write_text('{"id": "a", "text": "x"}\nnot json\n')
    config = write_config(tmp_path / "w.yaml")
    assert main(["-c", str(config), "replay", str(tmp_path / "in.jsonl")]) == 2
    assert f"{tmp_path / 'in.jsonl'}:2: not a replay item" in capsys.readouterr().err


@pytest.mark.parametrize(("line", "reason"), [
    (b'{"id": "a", "published": "0001-01-01T00:00:00+05:00"}', "OverflowError"),
    (b'{"id": "a", "text": ["two", "parts"]}', "text must be a string, not list"),
    (b'{"id": "a", "title": "caf\xe9"}', "UnicodeDecodeError"),
    (b"[" * 100_000 + b"]" * 100_000, "RecursionError"),
    (b'{"id": true}', "id must be a string or an integer"),
])
def test_replay_names_the_line_of_any_bad_item(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: bytes, reason: str,
) -> None:
    (tmp_path / "in.jsonl").write_bytes(b'{"id": "ok", "text": "x"}\n' + line + b"\n")
    config = write_config(tmp_path / "w.yaml")
    assert main(["-c", str(config), "replay", str(tmp_path / "in.jsonl")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'in.jsonl'}:2: not a replay item" in err and reason in err


@pytest.mark.parametrize(("out", "problem"), [("missing/out.jsonl", "its folder does not exist"),
                                              (".", "is a directory")])
def test_replay_refuses_an_output_it_cannot_write_before_judging(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, out: str, problem: str,
) -> None:
    import monitor.replay

    def judged(*_args: object, **_kwargs: object) -> list[object]:
        raise AssertionError("replayed before the output was checked")

    monkeypatch.setattr(monitor.replay, "replay", judged)
    (tmp_path / "in.jsonl").write_text('{"id": "a", "text": "x"}\n')
    config = write_config(tmp_path / "w.yaml")

    assert main(["-c", str(config), "replay", str(tmp_path / "in.jsonl"), "--out", str(tmp_path / out)]) == 2
    assert problem in capsys.readouterr().err


def test_replay_interrupted_writes_what_it_judged_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    import monitor.replay

    matched = []

    def match_until_ctrl_c(*args: Any, **kwargs: Any) -> Any:
        if len(matched) == 3:
            raise KeyboardInterrupt
        matched.append(args[1])
        return real_match(*args, **kwargs)

    real_match = monitor.replay.match
    monkeypatch.setattr(monitor.replay, "match", match_until_ctrl_c)
    stream = (ROOT / "tests" / "data" / "novelty" / "stream.jsonl").read_text().splitlines()[:6]
    (tmp_path / "in.jsonl").write_text("\n".join(stream) + "\n")
    config = write_config(tmp_path / "w.yaml")

    code = main(["-c", str(config), "replay", str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "out.jsonl")])

    assert code == 130
    results = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["id"] for r in results] == [json.loads(line)["id"] for line in stream[:3]]
    assert all(r["story"] for r in results)
    captured = capsys.readouterr()
    assert "Replay: 3 items" in captured.out
    assert "interrupted: 3 of 6 items judged, their results written" in captured.err


def test_replay_cleans_each_field_as_a_poll_would() -> None:
    from monitor.replay import _item

    item = _item(b'{"id": 7, "title": "Khan\\u202e\\n appeal", "text": "A lone \\ud800 half\\u0000."}', "in:1")
    assert (item.id, item.title, item.text) == ("7", "Khan appeal", "A lone  half.")


def test_explain_a_seed_repeat(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path / "w.yaml")
    article = tmp_path / "copy.txt"
    article.write_text("Copied piece\n" + (ROOT / "seeds" / "004_2a426e1102b2ca31.txt").read_text())
    assert main(["-c", str(config), "explain", str(article)]) == 0
    out = capsys.readouterr().out
    assert "verdict: REPEAT" in out and "relative to the seeds: known" in out
    assert main(["-c", str(config), "explain", str(tmp_path / "missing.html")]) == 2


def test_status_feeds_show_and_feed_answer_while_another_process_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """A daemon in the middle of a write holds SQLite's write lock: the commands that only read do not
    wait for it (they waited 30 seconds, then failed with "database is locked")."""
    import sqlite3
    import time

    db = tmp_path / "m.db"
    path = write_config(tmp_path / "w.yaml", database_url=f"sqlite:///{db}",
                        feeds=[{"url": f"http://127.0.0.1:{free_port()}/a.xml", "name": "Local desk"}],
                        digests=[{"name": "briefing", "schedule": "0 8 * * *"}])
    assert main(["-c", str(path), "poll", "--once"]) == 0
    capsys.readouterr()
    writer = sqlite3.connect(db, isolation_level=None, timeout=30)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE feeds SET error_count = error_count")
        for command in (["status"], ["feeds", "show", "1"], ["feed"], ["db", "upgrade"]):
            started = time.monotonic()
            assert main(["-c", str(path), *command]) == 0, capsys.readouterr().err
            assert time.monotonic() - started < 10, command
        assert "briefing (0 8 * * *)" in capsys.readouterr().out
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_database_error_is_one_line_without_the_statement(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A write the database refuses (here a read-only one) is the driver's reason on one line, exit 1:
    not SQLAlchemy's message with the statement and its values."""
    db = tmp_path / "m.db"
    path = write_config(tmp_path / "w.yaml", database_url=f"sqlite:///{db}",
                        feeds=[{"url": f"http://127.0.0.1:{free_port()}/a.xml", "name": "Local desk"}])
    assert main(["-c", str(path), "poll", "--once"]) == 0
    capsys.readouterr()
    read_only = write_config(tmp_path / "ro.yaml", database_url=f"sqlite:///file:{db}?mode=ro&uri=true")
    assert main(["-c", str(read_only), "feeds", "show", "Local desk"]) == 0  # reading works
    capsys.readouterr()
    assert main(["-c", str(read_only), "feeds", "enable", "Local desk"]) == 1
    assert capsys.readouterr().err == "error: store: attempt to write a readonly database\n"


def test_an_out_file_in_no_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write_config(tmp_path / "w.yaml"))
    for command in (["feed"], ["feeds", "export"]):
        assert main(["-c", path, *command, "--out", str(tmp_path / "nowhere" / "x.xml")]) == 2
        assert "its folder does not exist" in capsys.readouterr().err
        assert main(["-c", path, *command, "--out", str(tmp_path)]) == 2
        assert "a folder; name a file" in capsys.readouterr().err


def test_a_url_with_credentials_given_as_a_file_is_never_shown_with_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    path = str(write_config(tmp_path / "w.yaml"))
    url = "https://bob:hunter2secretpw@reader.example/export.opml"
    for args in (["feeds", "import", url], ["replay", url], ["-c", url, "status"], ["feed", "--out", f"{url}/x"]):
        assert main(["-c", path, *args]) == 2, args
        err = capsys.readouterr().err
        assert "hunter2secretpw" not in err and "***@reader.example" in err, (args, err)


def test_a_feed_named_by_a_number_is_never_taken_for_another_feed_s_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """``1`` names feed 1 by its id and the feed named "1": the command asks which (``#ID``) instead of
    enabling feed 1; ``#ID`` is always an id, and a number in another script is a name like any other."""
    port = free_port()
    path = str(write_config(tmp_path / "w.yaml", feeds=[{"url": f"http://127.0.0.1:{port}/a.xml", "name": "First"},
                                                        {"url": f"http://127.0.0.1:{port}/b.xml", "name": "1"}]))
    assert main(["-c", path, "feeds", "export"]) == 0  # registers the config's feeds
    capsys.readouterr()
    assert main(["-c", path, "feeds", "enable", "1"]) == 2
    assert capsys.readouterr().err == "error: '1' names feeds #1 (First), #2 (1); give one as #ID (e.g. #1)\n"
    assert main(["-c", path, "feeds", "show", "#2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("#2 1\n") and "last status: not polled yet" in out
    assert main(["-c", path, "feeds", "show", "2"]) == 0
    assert capsys.readouterr().out.startswith("#2 1\n")
    for ref in ("²", "#9", "٣"):  # "²" failed with "invalid literal for int()" (exit 1)
        assert main(["-c", path, "feeds", "show", ref]) == 2
        assert capsys.readouterr().err == f"error: no feed {ref!r}; see `monitor status` for ids\n"


def test_output_on_a_terminal_that_is_not_utf8(tmp_path: Path) -> None:
    """With a locale whose encoding lacks a character (Latin-1, ASCII), text is shown with escapes instead of
    the command failing, and documents that declare UTF-8 (OPML, Atom, HTML) are written in UTF-8."""
    import os
    import subprocess
    import sys
    import xml.etree.ElementTree as ET

    opml = tmp_path / "subs.opml"
    opml.write_text('<opml version="2.0"><body><outline text="Jang ✓ جنگ" xmlUrl="http://127.0.0.1:9/j.xml"/>'
                    "</body></opml>", encoding="utf-8")
    path = str(write_config(tmp_path / "w.yaml"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "latin-1"}

    def monitor(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "monitor.cli", "-c", path, *args], env=env, capture_output=True,
                              timeout=120, check=False)

    assert monitor("feeds", "import", str(opml)).returncode == 0
    shown = monitor("feeds", "show", "1")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.decode("latin-1").startswith("#1 Jang \\u2713 \\u062c\\u0646\\u06af\n")
    exported = monitor("feeds", "export")
    assert exported.returncode == 0, exported.stderr
    (outline,) = ET.fromstring(exported.stdout).iter("outline")  # its declaration says UTF-8: so it is
    assert outline.get("text") == "Jang ✓ جنگ"
