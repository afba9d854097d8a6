"""The benchmark scripts' own logic, on data written for the test (the benchmarks run on real corpora)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from benchmarks.clustering_limits import Study
from monitor.novelty.fit import FOLDS, Pair
from monitor.novelty.metrics import Labelled


def test_a_study_of_fewer_events_than_folds_measures_nothing_instead_of_failing() -> None:
    truth = [Labelled("a1", True, "vote", True), Labelled("a2", True, "vote", False), Labelled("x", False, "o", False)]
    pairs = [Pair((0.9,), True, ("vote", "vote"), ("a2", "a1"))]

    assert len(Study(truth, pairs, 1, {}).events()) < FOLDS
    assert Study(truth, pairs, 1, {}).run(only_online=True) == {}
    assert Study(truth, [], 1, {}).run() == {}  # a corpus with no publication dates: no dated pairs at all


def test_the_quality_scorer_leaves_no_temporary_file_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from benchmarks import quality

    def ctrl_c(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "score.py").write_text("print('scored')\n")
    (tmp_path / "temp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    monkeypatch.setattr(quality.subprocess, "run", ctrl_c)

    with pytest.raises(KeyboardInterrupt):
        quality.official(tmp_path / "corpus" / "corpus.jsonl", [{"id": "a1", "relevant": False}])

    assert list((tmp_path / "temp").iterdir()) == []


def _labelled(path: Path, count: int) -> Path:
    rows = [{"id": f"a{i}", "url": f"https://news.example/{i}", "title": f"Hearing {i} adjourned", "published": None,
             "text": f"Imran Khan's lawyers asked the court in Islamabad to adjourn hearing {i}.", "relevant": True,
             "event": f"event-{i}", "new_vs_seeds": True} for i in range(count)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_a_failing_corpus_scorer_is_shown_and_fails_the_run_wherever_it_is_run_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from benchmarks import quality
    from monitor.replay import ReplayResult

    corpus = _labelled(tmp_path / "corpus.jsonl", 3)
    (tmp_path / "score.py").write_text("import sys\nsys.exit('score.py: no field named verdict')\n")
    calls: list[str] = []
    monkeypatch.setattr(quality, "new_judge", lambda *_args: calls.append("models"))
    monkeypatch.setattr(quality, "replay", lambda items, *_a, **_k: calls.append("replay") or [
        ReplayResult(i.id, True, story="s1", verdict="new", vs_seeds="new") for i in items])
    monkeypatch.setattr(quality, "nearest_baseline", lambda items, *_a: [{"id": i.id, "relevant": True} for i in items])
    monkeypatch.chdir(tmp_path)  # the default seeds and config are the project's, not the working folder's

    assert quality.main([str(corpus)]) == 1

    out, err = capsys.readouterr()
    scorer = tmp_path / "score.py"
    assert f"== monitor\nerror: {scorer} failed (exit code 1):\nscore.py: no field named verdict\n" in out
    assert "articles/s, timed after loading the models" in out
    assert calls == ["models", "replay"]  # the models are loaded before the replay is timed
    assert "error: the corpus scorer failed" in err


def test_the_keyword_baselines_run_without_seeds(tmp_path: Path) -> None:
    from benchmarks.quality import ROOT, nearest_baseline
    from monitor.config import load_config
    from monitor.replay import read_items

    items = list(read_items(_labelled(tmp_path / "corpus.jsonl", 2)))

    rows = nearest_baseline(items, [], load_config(ROOT / "config" / "watchlist.yaml"), "tfidf")

    assert [(r["verdict"], r["vs_seeds"]) for r in rows] == [("new", "new"), ("repeat", "new")]
    assert rows[0]["story"] == rows[1]["story"]


def test_clustering_limits_refuses_fewer_than_one_repeat_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from benchmarks import clustering_limits

    corpus = _labelled(tmp_path / "corpus.jsonl", 1)

    with pytest.raises(SystemExit) as stop:
        clustering_limits.main([str(corpus), "--seeds", "seeds", "--seed-events", "events.json", "--repeats", "0"])

    assert stop.value.code == 2
    assert "--repeats must be 1 or more, not 0" in capsys.readouterr().err


def test_the_polling_benchmark_stops_with_a_message_when_its_feed_server_cannot_start() -> None:
    import multiprocessing
    import socket

    from benchmarks import poll_cycle

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        ready = multiprocessing.Event()
        server = multiprocessing.Process(target=poll_cycle.serve, daemon=True, args=(
            port, multiprocessing.Value("d", 0.0), multiprocessing.Array("q", 3), ready, dict(poll_cycle.MODEL)))
        server.start()
        with pytest.raises(SystemExit) as stop:
            poll_cycle.wait_until_serving(server, ready, port, timeout=60)

    assert str(stop.value).startswith(f"error: the local feed server could not start on port {port} ")
    assert "(it exited with code 1)" in str(stop.value)


def test_missing_inputs_are_an_error_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from benchmarks import clustering_limits, quality

    seeds, events = str(tmp_path / "seeds"), str(tmp_path / "events.json")
    corpus = tmp_path / "corpus.jsonl"
    assert quality.main([str(corpus)]) == 2
    assert f"error: [Errno 2] No such file or directory: '{corpus}'" in capsys.readouterr().err
    corpus.write_text(json.dumps({"id": "a1", "relevant": False, "event": "other", "new_vs_seeds": False}) + "\n")
    assert quality.main([str(corpus), "--seeds", seeds]) == 2
    assert f"seeds folder {seeds} does not exist" in capsys.readouterr().err
    assert clustering_limits.main([str(tmp_path / "none.jsonl"), "--seeds", seeds, "--seed-events", events]) == 2
    assert "error: [Errno 2] No such file or directory" in capsys.readouterr().err
