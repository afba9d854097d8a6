"""The demo's expected results (``monitor/demo/data/README.md``, ``manifest.json``) hold in its digest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.demo.run import DemoResult, run_demo
from monitor.types import DigestEntry
from tests.conftest import ROOT, write_config

MANIFEST = json.loads((ROOT / "monitor" / "demo" / "data" / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    workdir = tmp_path_factory.mktemp("demo")
    return run_demo(load_config(write_config(workdir / "w.yaml")), workdir / "out")


def _entry_of(demo: DemoResult, slug: str) -> tuple[DigestEntry, int] | None:
    """The digest entry (story) listing the article, and its place among the story's sources."""
    for entry in demo.content.entries:
        for place, source in enumerate(entry.sources):
            if source.url.endswith(f"/articles/{slug}.html"):
                return entry, place
    return None


@pytest.mark.parametrize("row", MANIFEST, ids=[row["slug"] for row in MANIFEST])
def test_every_row_of_the_expected_results_holds(demo: DemoResult, row: dict[str, str]) -> None:
    found = _entry_of(demo, row["slug"])
    if row["expected"] in ("irrelevant", "background"):  # background is relevant, but never a development
        assert found is None, f"{row['slug']} is in the digest"
        return
    assert found is not None, f"{row['slug']} is missing from the digest"
    entry, place = found
    if row["expected"] == "new":  # the first report of its event leads the story
        assert place == 0 and entry.verdict == "new" and entry.novel_sentences
    else:  # a later report of an event is listed under that event's first report, with what it added
        assert row["expected"] == "update" and place > 0 and entry.sources[place].added
    first = next(r["slug"] for r in MANIFEST if r["event"] == row["event"])
    assert _entry_of(demo, first) == (entry, 0)  # one story per event


def test_stories_of_different_events_stay_apart(demo: DemoResult) -> None:
    events = {r["event"] for r in MANIFEST if r["expected"] in ("new", "update")}
    assert len(demo.content.entries) == len(events) == 3


def test_each_later_report_shows_only_the_fact_it_added(demo: DemoResult) -> None:
    hearing = _entry_of(demo, "khan-appeal-hearing-deferred-jail-meeting-ordered")
    visit = _entry_of(demo, "foreign-office-confirms-us-official-visit-dates")
    assert hearing is not None and visit is not None
    added = hearing[0].sources[hearing[1]].added
    assert len(added) == 1 and "superintendent of Adiala jail" in added[0] and "meeting" in added[0]
    assert "December 1 to 3" in visit[0].sources[visit[1]].added[0]
    rally = _entry_of(demo, "pti-announces-peshawar-rally-november-29")
    assert rally is not None
    assert any("November 29" in s for s in rally[0].novel_sentences)
    assert any("15-member organising committee" in s for s in rally[0].novel_sentences)


def test_the_demo_never_writes_to_the_database_of_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    live = tmp_path / "live.db"  # as under compose or systemd, where DATABASE_URL names the real one
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{live}")
    result = run_demo(load_config(write_config(tmp_path / "w.yaml")), tmp_path / "out")
    assert result.stored > 0 and not live.exists()
