"""OPML import and export, through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.cli import main
from monitor.errors import ConfigError
from monitor.opml import read_opml
from tests.conftest import write_config

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
    assert main(["-c", str(config), "feeds", "export", "--out", str(tmp_path / "out.opml")]) == 0
    exported = read_opml((tmp_path / "out.opml").read_bytes()).specs
    assert {s.url for s in exported} == {"https://config.example/feed", "https://a.example/feed.xml",
                                         "https://b.example/rss"}
    assert main(["-c", str(config), "feeds", "export"]) == 0
    assert '<outline type="rss" text="Desk B &amp; Co"' in capsys.readouterr().out


def test_enable_unknown_feed_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path / "w.yaml")
    assert main(["-c", str(config), "feeds", "enable", "999"]) == 2
    assert "no feed '999'" in capsys.readouterr().err
