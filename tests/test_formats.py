"""The format table: every format has its template, channels get the usual format for their kind, and a
new format is one table entry plus one template."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor import formats
from monitor.config import load_config
from monitor.digest.render import render
from monitor.errors import SettingError
from monitor.formats import FORMATS, OutputFormat, default_format, output_format
from tests.conftest import ROOT, write_config
from tests.digest.test_render import content, entry

TEMPLATES = ROOT / "monitor" / "digest" / "templates"


def test_every_format_has_its_template() -> None:
    assert {f.template for f in FORMATS.values()} <= {p.name for p in TEMPLATES.iterdir()}
    assert {f.body for f in FORMATS.values()} <= {"text", "markdown", "html"}  # what apprise reads


def test_channels_get_the_usual_format_for_their_kind() -> None:
    assert default_format("mailtos") == "html" and default_format("SLACK") == "slack"
    assert default_format("discord") == "text"


def test_an_unknown_format_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(SettingError, match="unknown format 'pdf' \\(one of: text, markdown, html, slack\\)"):
        output_format("pdf")
    path = write_config(tmp_path / "w.yaml", channels=[{"name": "mail", "url": "json://127.0.0.1:9/", "format": "pdf"}])
    with pytest.raises(Exception, match="unknown format 'pdf'"):
        load_config(path)


def test_a_new_format_is_one_entry_and_one_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "digest.brief.j2").write_text("{% for e in digest.entries %}* {{ e.title }}\n{% endfor %}")
    monkeypatch.setitem(FORMATS, "brief", OutputFormat("brief", "digest.brief.j2", "text"))
    hook = {"name": "hook", "url": "json://127.0.0.1:9/", "format": "brief"}
    path = write_config(tmp_path / "w.yaml", channels=[hook])
    assert load_config(path).channel("hook").effective_format() == "brief"
    digest = content(entry(1, "Court adjourns hearing"))
    assert render(digest, "brief", tmp_path) == "* Court adjourns hearing\n"  # type: ignore[arg-type]
    assert formats.output_format("brief").body == "text"
