"""Start-up and upkeep against a real database: idempotent, as replicas and restarts need."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import yaml

from monitor import admin
from monitor.clock import FrozenClock
from monitor.config import load_config
from monitor.context import build_context
from monitor.startup import held_elsewhere, load_seeds, make_all_due, prune, start
from tests.conftest import ROOT, write_config

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_start_is_idempotent_and_upkeep_reports_what_it_did(tmp_path: Path, db_url: str) -> None:
    feeds = [{"url": "http://127.0.0.1:9/a.xml"}, {"url": "http://127.0.0.1:9/b.xml"}]
    ctx = build_context(load_config(write_config(tmp_path / "w.yaml", database_url=db_url, feeds=feeds)),
                        clock=FrozenClock(NOW))
    try:
        seeds = len(list((ROOT / "seeds").glob("*.txt")))
        assert start(ctx) == (2, seeds)
        assert start(ctx) == (0, 0)  # a restart adds nothing and changes no seed
        assert make_all_due(ctx) == 2
        assert held_elsewhere(ctx) == 0
        assert prune(ctx) == (0, 0)
    finally:
        ctx.close()


def test_the_stored_seeds_follow_the_seed_folder(tmp_path: Path, db_url: str) -> None:
    folder = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", folder)
    ctx = build_context(load_config(write_config(tmp_path / "w.yaml", database_url=db_url, seeds_dir=str(folder))),
                        clock=FrozenClock(NOW))
    try:
        start(ctx)
        files = sorted(folder.glob("*.txt"))
        files[0].unlink()  # a seed leaves the folder
        meta = folder / "seeds.yaml"
        entries = yaml.safe_load(meta.read_text(encoding="utf-8"))
        next(e for e in entries if e["file"] == files[1].name)["published"] = "2024-11-10"
        meta.write_text(yaml.safe_dump(entries), encoding="utf-8")  # only this seed's metadata changes
        assert load_seeds(ctx) == 2
        stored = admin.seeds(ctx)
        assert [s.key for s in stored] == [f.stem for f in files[1:]]
        assert stored[0].published == "2024-11-10"
        assert load_seeds(ctx) == 0
    finally:
        ctx.close()
