"""OPML import and export, through the command line."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import load_config
from monitor.context import build_context
from monitor.errors import ConfigError
from monitor.opml import read_opml, write_opml
from monitor.pipeline import _topics
from monitor.types import FeedState
from tests.conftest import shipped_topics, write_config

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>Mine</title></head><body>
  <outline text="Pakistan">
    <outline text="Desk A" title="Desk A" type="rss" xmlUrl="https://a.example/feed.xml"/>
    <outline text="Desk B &amp; Co" type="rss" xmlUrl="https://b.example/rss"/>
  </outline>
  <outline text="No feed here" htmlUrl="https://c.example/"/>
  <outline text="Bad scheme" xmlUrl="file:///etc/passwd"/>
</body></opml>"""


def test_read_nested_outlines() -> None:
    found = read_opml(OPML)
    assert [(s.url, s.name, s.source) for s in found.specs] == [
        ("https://a.example/feed.xml", "Desk A", "opml"), ("https://b.example/rss", "Desk B & Co", "opml")]
    assert found.skipped == ("'No feed here': a web page (htmlUrl) without a feed address (xmlUrl)",
                             "'Bad scheme': file:// is not an http(s) feed address")


def test_not_opml() -> None:
    with pytest.raises(ConfigError, match="not an OPML document"):
        read_opml(b"<rss/>")
    with pytest.raises(ConfigError, match="not an OPML document"):
        read_opml(b"<opml")


def test_a_list_too_large_is_refused_and_odd_outlines_are_reported() -> None:
    from monitor import opml

    with pytest.raises(ConfigError, match="at most 5242880 are read"):
        read_opml(b" " * (opml.MAX_BYTES + 1))
    many = b"".join(b'<outline xmlUrl="https://f%d.example/rss"/>' % i for i in range(opml.MAX_FEEDS + 1))
    with pytest.raises(ConfigError, match="more than 5000 feeds"):
        read_opml(b"<opml><body>" + many + b"</body></opml>")
    odd = read_opml(b'<opml><body><outline text="Long" xmlUrl="https://l.example/' + b"a" * 2100 + b'"/>'
                    b'<outline text="Off" isComment="true" xmlUrl="https://o.example/rss"/></body></opml>')
    assert odd.specs == () and odd.skipped == ("'Long': an address over 2000 characters",
                                               "'Off': a comment (a feed the list has disabled)")


def test_import_then_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path / "w.yaml", feeds=[{"url": "https://config.example/feed", "name": "Config feed"}])
    (tmp_path / "subs.opml").write_bytes(OPML)
    assert main(["-c", str(config), "feeds", "import", str(tmp_path / "subs.opml")]) == 0
    printed = capsys.readouterr().out
    assert "2 feeds in" in printed and "2 added, 0 already known, 2 outlines skipped:" in printed
    assert "  'Bad scheme': file:// is not an http(s) feed address" in printed
    assert main(["-c", str(config), "feeds", "import", str(tmp_path / "subs.opml")]) == 0
    assert "0 added, 2 already known" in capsys.readouterr().out
    (tmp_path / "subs.opml").write_bytes(OPML.replace(b'xmlUrl="https://b.example/rss"',
                                                      b'xmlUrl="https://b.example/rss" category="/imran-khan"'))
    assert main(["-c", str(config), "feeds", "import", str(tmp_path / "subs.opml")]) == 0
    printed = capsys.readouterr().out  # the same feeds, B's categories changed in the reader
    assert "0 added, 1 updated, 1 already known" in printed
    assert main(["-c", str(config), "feeds", "show", "https://b.example/rss"]) == 0
    assert "\n  topics: imran-khan (imported)\n" in capsys.readouterr().out
    assert main(["-c", str(config), "feeds", "export", "--out", str(tmp_path / "out.opml")]) == 0
    exported = read_opml((tmp_path / "out.opml").read_bytes()).specs
    assert {s.url for s in exported} == {"https://config.example/feed", "https://a.example/feed.xml",
                                         "https://b.example/rss"}
    assert main(["-c", str(config), "feeds", "export"]) == 0
    assert '<outline type="rss" text="Desk B &amp; Co"' in capsys.readouterr().out


def _state(url: str, topics: tuple[str, ...] | None, feed_id: int = 1) -> FeedState:
    return FeedState(id=feed_id, url=url, name=url.split("/")[2], topics=topics, interval_seconds=None, enabled=True,
                     etag=None, last_modified=None, body_hash=None, last_polled_at=None, next_poll_at=None,
                     last_status=None, last_error=None, error_count=0, items_last_poll=0)


def _categories(document: str) -> dict[str, str | None]:
    """Each outline's category attribute, by its name."""
    return {o.get("text", ""): o.get("category") for o in ET.fromstring(document).iter("outline")}


def test_export_names_a_feed_s_topics_as_opml_categories_and_import_reads_them_back() -> None:
    document = write_opml([_state("https://k.example/rss", ("imran-khan",)),
                           _state("https://b.example/rss", ("imran-khan", "us-pakistan")),
                           _state("https://all.example/rss", None)], now=NOW)
    assert _categories(document) == {"k.example": "/imran-khan", "b.example": "/imran-khan,/us-pakistan",
                                     "all.example": None}  # a feed for all topics names none
    found = read_opml(document.encode(), topics=("imran-khan", "us-pakistan"))
    assert [(s.url, s.topics) for s in found.specs] == [
        ("https://k.example/rss", ("imran-khan",)), ("https://b.example/rss", ("imran-khan", "us-pakistan")),
        ("https://all.example/rss", None)]
    assert found.untopical == ()


def test_categories_naming_no_topic_are_ignored_and_reported() -> None:
    found = read_opml(b"""<opml version="2.0"><body>
      <outline text="Folders" category="/News/Pakistan" xmlUrl="https://f.example/rss"/>
      <outline text="Mixed" category=" us-pakistan ,/News/Pakistan,/imran-khan/,/us-pakistan" xmlUrl="https://m.example/rss"/>
      <outline text="Other install" category="/climate" xmlUrl="https://c.example/rss"/>
      <outline text="Plain" category="" xmlUrl="https://p.example/rss"/>
    </body></opml>""", topics=("imran-khan", "us-pakistan"))
    assert [s.topics for s in found.specs] == [None, ("us-pakistan", "imran-khan"), None, None]
    assert found.untopical == (
        ("https://f.example/rss", "'Folders': its categories (/News/Pakistan) name none of the config's topics, "
                                  "so it applies to all topics"),
        ("https://c.example/rss", "'Other install': its categories (/climate) name none of the config's topics, "
                                  "so it applies to all topics"))
    assert read_opml(b'<opml><body><outline category="/imran-khan" xmlUrl="https://k.example/rss"/></body></opml>'
                     ).specs[0].topics is None  # no topics given: none to limit it to


def test_export_then_import_into_a_fresh_install_keeps_each_feed_s_topics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    for install in ("old", "new"):
        (tmp_path / install).mkdir()
    old = write_config(tmp_path / "old" / "w.yaml", feeds=[
        {"url": "https://k.example/rss", "name": "Khan desk", "topics": ["imran-khan"]},
        {"url": "https://u.example/rss", "name": "US desk", "topics": ["us-pakistan"]},
        {"url": "https://both.example/rss", "name": "Both", "topics": ["us-pakistan", "imran-khan"]},
        {"url": "https://all.example/rss", "name": "All"}])
    exported = tmp_path / "feeds.opml"
    assert main(["-c", str(old), "feeds", "export", "--out", str(exported)]) == 0
    # The new install watches Imran Khan only, and its config lists "Both" itself, for all topics.
    new = write_config(tmp_path / "new" / "w.yaml", topics=[t for t in shipped_topics() if t["name"] == "imran-khan"],
                       feeds=[{"url": "https://both.example/rss", "name": "Both"}])
    capsys.readouterr()
    assert main(["-c", str(new), "feeds", "import", str(exported)]) == 0
    printed = capsys.readouterr().out
    assert "4 feeds in" in printed and "4 added, 0 already known" in printed
    assert ("1 added or updated feeds have categories naming no topic of the config:\n"
            "  'US desk': its categories (/us-pakistan) name none of the config's topics, so it applies to all topics"
            ) in printed
    assert main(["-c", str(new), "feeds", "export"]) == 0
    categories = _categories(capsys.readouterr().out)
    assert categories == {"Both": None, "Khan desk": "/imran-khan", "US desk": None, "All": None}  # the config wins
    assert main(["-c", str(new), "feeds", "show", "Khan desk"]) == 0
    assert "\n  topics: imran-khan (imported)\n" in capsys.readouterr().out
    assert main(["-c", str(new), "feeds", "import", str(exported)]) == 0
    assert "0 added, 4 already known" in capsys.readouterr().out  # nothing said about feeds left as they were


def test_a_feed_limited_to_topics_the_config_removed_keeps_those_left_else_all(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    config = write_config(tmp_path / "w.yaml", topics=[t for t in shipped_topics() if t["name"] == "imran-khan"])
    ctx = build_context(load_config(config))
    try:
        def names(topics: tuple[str, ...] | None, feed_id: int) -> list[str]:
            return [t.name for t in _topics(ctx, _state("https://x.example/rss", topics, feed_id))]

        with caplog.at_level(logging.WARNING, logger="monitor.pipeline"):
            assert names(None, 901) == ["imran-khan"]
            assert names(("imran-khan",), 901) == ["imran-khan"]
            assert caplog.records == []
            assert names(("us-pakistan", "imran-khan"), 902) == ["imran-khan"]
            assert names(("us-pakistan",), 903) == ["imran-khan"]  # none left: all topics, not none
            assert names(("us-pakistan",), 903) == ["imran-khan"]
        noted = [(r.getMessage(), r.__dict__["unknown"], r.__dict__["topics"]) for r in caplog.records]
        assert noted == [("feed limited to topics the config no longer defines", "us-pakistan", "imran-khan"),
                         ("feed limited to topics the config no longer defines", "us-pakistan", "all")]  # once each
    finally:
        ctx.close()


def test_enable_unknown_feed_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path / "w.yaml")
    assert main(["-c", str(config), "feeds", "enable", "999"]) == 2
    assert "no feed '999'" in capsys.readouterr().err
