"""The fitting script: its splits, options and held-out rows (the fit itself runs on a labelled corpus, not here)."""

import json
from pathlib import Path

import numpy as np
import pytest

from monitor.errors import UsageError
from monitor.novelty.fit import FOLDS, Pair, _held_rows, event_splits, fit, group, main, pair_trees
from monitor.novelty.metrics import Labelled, read_labels, score
from monitor.replay import read_items


def test_held_out_rows_keep_only_held_out_events_and_name_stories_by_fold() -> None:
    truth = [Labelled("a", True, "rally", True), Labelled("b", True, "vote", True), Labelled("c", False, "x", False)]
    results = [{"id": "a", "story": "s3"}, {"id": "b", "story": "s3"}, {"id": "c", "story": None}]

    rows = _held_rows(truth, results, {"rally"}, 2)

    assert rows == {"a": {"id": "a", "story": "f2s3"}}
    assert results[0]["story"] == "s3"  # the replay's own rows are left as they were


def test_each_split_holds_every_event_out_once_and_repeats_differ() -> None:
    events = np.array([f"event-{i}" for i in range(23)])

    splits = [event_splits(events, repeat) for repeat in range(3)]

    for folds in splits:
        assert len(folds) == FOLDS
        assert sorted(e for fold in folds for e in fold) == sorted(events)
    assert splits[0] == event_splits(events, 0)  # the first split is the same every run
    assert splits[1] != splits[0] and splits[2] != splits[1]


def test_repeats_below_one_are_refused_with_the_option_named(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["corpus.jsonl", "--seeds", "seeds", "--seed-events", "events.json", "--repeats", "0"])

    assert stop.value.code == 2
    assert "--repeats must be 1 or more, not 0" in capsys.readouterr().err


def test_each_background_piece_is_a_group_of_its_own_and_events_stay_whole() -> None:
    pieces = [Labelled("c1", True, "background", False), Labelled("c2", True, "background", False)]
    reports = [Labelled("a1", True, "vote", True), Labelled("a2", True, "vote", True)]

    assert group(pieces[0]) != group(pieces[1])
    assert group(reports[0]) == group(reports[1]) == "vote"


def test_held_out_figures_cover_only_the_chosen_items() -> None:
    truth = [Labelled("a", True, "vote", True), Labelled("b", True, "rally", False)]
    results = [{"id": "a", "relevant": True, "vs_seeds": "new", "story": "s1", "verdict": "new"},
               {"id": "b", "relevant": True, "vs_seeds": "new", "story": "s2", "verdict": "new"}]

    assert score(truth, results, only={"a"})["vs_seeds_macro_f1"] == pytest.approx(0.5)  # "known" has no item
    assert score(truth, results, only={"b"})["known_recall"] == 0.0
    assert score(truth, results)["known_recall"] == 0.0


def test_figures_with_nothing_to_count_are_zero_as_the_corpus_scorer_reports_them() -> None:
    truth = [Labelled("a", True, "vote", True), Labelled("c", True, "background", True),
             Labelled("x", False, "other", False)]
    results = [{"id": "a", "relevant": False}, {"id": "c", "relevant": False}, {"id": "x", "relevant": False}]

    figures = score(truth, results)
    assert figures["relevance_p"] == 0.0  # no article said relevant
    assert figures["known_recall"] == 0.0  # no relevant article is known
    assert score(truth, results, only={"x"})["relevance_r"] == 0.0  # no relevant article
    assert score(truth, results, only={"c"})["bcubed_f1"] == 0.0  # no clustered article


def test_b_cubed_counts_an_article_once_however_many_lines_label_it() -> None:
    truth = [Labelled("a", True, "vote", True), Labelled("a", True, "vote", True), Labelled("b", True, "vote", True),
             Labelled("c", True, "rally", True)]
    results = [{"id": "a", "story": "s1"}, {"id": "b", "story": "s2"}, {"id": "c", "story": "s3"}]

    assert score(truth, results)["bcubed_r"] == pytest.approx((0.5 + 0.5 + 1) / 3, abs=1e-4)


def _pairs(event: str, other: str, count: int, *, same_when_close: bool) -> list[Pair]:
    """Pairs whose one channel runs from 0 to 1; the same event when the channel is high (or low)."""
    return [Pair((i / count,), (i / count > 0.5) == same_when_close, (event, other), (f"{event}{i}", f"{other}{i}"))
            for i in range(count)]


def test_trees_learn_only_from_pairs_of_two_events_outside_the_held_out_ones() -> None:
    kept = _pairs("vote", "vote", 100, same_when_close=True)
    held_out = _pairs("rally", "rally", 300, same_when_close=False)
    commentary = _pairs("background:c1", "vote", 300, same_when_close=False)

    trees = pair_trees([*kept, *held_out, *commentary], exclude={"rally"})

    assert trees.predict_proba(np.array([[0.9], [0.1]]))[:, 1].tolist() == pytest.approx([1.0, 0.0], abs=0.2)
    assert not commentary[0].trainable and kept[0].trainable


def _corpus(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def _article(ident: str, event: str, **labels: object) -> dict[str, object]:
    return {"id": ident, "url": f"https://news.example/{ident}", "title": f"Hearing {ident} adjourned",
            "published": None, "text": f"The court adjourned hearing {ident} until next week.",
            "relevant": True, "event": event, "new_vs_seeds": True} | labels


def _fit(corpus: Path, *extra: str) -> int:
    return main([str(corpus), "--seeds", "seeds", "--seed-events", "benchmarks/data/seed-events.json", *extra])


def test_a_line_without_labels_is_refused_with_its_file_line_and_label(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    unlabelled = {k: v for k, v in _article("a2", "vote").items() if k != "relevant"}
    corpus = _corpus(tmp_path / "corpus.jsonl", [_article("a1", "vote"), unlabelled])

    assert _fit(corpus, "--out", str(tmp_path / "weights.json")) == 2
    assert f"error: {corpus}:2: not a labelled item (no 'relevant')" in capsys.readouterr().err
    assert not (tmp_path / "weights.json").exists()


def test_a_label_of_the_wrong_type_is_refused_not_read_as_true(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus.jsonl", [_article("a1", "vote", new_vs_seeds="no")])

    with pytest.raises(UsageError, match=r"corpus.jsonl:1: .*new_vs_seeds must be true or false, not \"no\""):
        read_labels(corpus)


def test_labels_are_read_line_for_line_with_the_articles_even_across_a_line_separator(tmp_path: Path) -> None:
    separated = _article("a1", "vote", text="The court sat.\u2028It adjourned the hearing until next week.")
    corpus = _corpus(tmp_path / "corpus.jsonl", [separated, _article("a2", "rally")])

    assert [t.id for t in read_labels(corpus)] == [i.id for i in read_items(corpus)] == ["a1", "a2"]


def test_a_corpus_with_fewer_events_than_folds_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    rows = [_article(f"a{i}", "vote") for i in range(6)] + [_article("c1", "background", new_vs_seeds=False)]
    corpus = _corpus(tmp_path / "corpus.jsonl", rows)

    assert _fit(corpus, "--out", str(tmp_path / "weights.json")) == 2
    assert f"has 2 event(s) among its relevant articles (each background piece counts as one): " \
           f"cross-validation in {FOLDS} folds needs at least {FOLDS}" in capsys.readouterr().err
    with pytest.raises(UsageError, match="has 0 event"):
        fit([], [], {}, None, tmp_path)


@pytest.mark.parametrize("option", ["--out", "--held-out"])
def test_an_output_in_a_missing_folder_is_refused_before_the_fit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str,
) -> None:
    corpus = _corpus(tmp_path / "corpus.jsonl", [_article(f"a{i}", f"event-{i}") for i in range(FOLDS)])
    missing = tmp_path / "no-such-folder" / "out.json"
    outputs = {"--out": str(tmp_path / "weights.json"), option: str(missing)}

    with pytest.raises(SystemExit) as stop:
        _fit(corpus, *(word for pair in outputs.items() for word in pair))

    assert stop.value.code == 2
    assert f"{option} {missing}: its folder does not exist" in capsys.readouterr().err


def test_a_missing_seed_folder_is_an_error_message_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    corpus = _corpus(tmp_path / "corpus.jsonl", [_article(f"a{i}", f"event-{i}") for i in range(FOLDS)])

    code = main([str(corpus), "--seeds", str(tmp_path / "seeds"), "--seed-events", "benchmarks/data/seed-events.json",
                 "--out", str(tmp_path / "weights.json")])

    assert code == 2
    assert f"error: {tmp_path / 'seeds'}: seeds folder {tmp_path / 'seeds'} does not exist" in capsys.readouterr().err


_FULL_DISK = """
import resource, signal, sys
from monitor.novelty import fit

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the size limit fails (EFBIG), as on a full disk
fit.cache_embedders = lambda _name: None
fit.fit = lambda *_args, **_kwargs: {"report": {"padding": "x" * 100_000}, "held_out": []}
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
sys.exit(fit.main(sys.argv[1:]))
"""


def test_a_failed_write_leaves_the_previous_models_whole_and_no_temporary_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    corpus = _corpus(tmp_path / "corpus.jsonl", [_article(f"a{i}", f"event-{i}") for i in range(FOLDS)])
    out = tmp_path / "weights.json"
    out.write_text('{"previous": "models"}\n', encoding="utf-8")

    done = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, str(corpus), "--seeds", "seeds", "--seed-events",
         "benchmarks/data/seed-events.json", "--out", str(out)],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], check=False)

    assert done.returncode == 1, done.stderr
    assert f"error: {out}: not written (File too large); it is left as it was" in done.stderr
    assert out.read_text(encoding="utf-8") == '{"previous": "models"}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.jsonl", "weights.json"]


def test_the_first_pass_and_the_final_fit_each_say_so_before_their_work(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    import sys

    from monitor.novelty import fit as fitting
    from monitor.replay import ReplayResult

    truth = [Labelled(f"a{i}", True, f"event-{i}", True) for i in range(FOLDS)] + [Labelled("x", False, "x", False)]
    items = [type("Item", (), {"id": t.id})() for t in truth]

    def work(name: str) -> object:
        def run(*_args: object, **_kwargs: object) -> object:
            print(f"<{name}>", file=sys.stderr)
            return [] if name == "pairs" else {}
        return run

    monkeypatch.setattr(fitting, "labelled_pairs", work("pairs"))
    monkeypatch.setattr(fitting, "_fit_once", work("fit"))
    monkeypatch.setattr(fitting, "models_from", lambda _data: None)
    monkeypatch.setattr(fitting, "replay", lambda items, *_a, **_k: [ReplayResult(i.id, False) for i in items])

    fit(truth, items, {}, None, Path("seeds"))  # type: ignore[arg-type]

    lines = capsys.readouterr().err.splitlines()
    assert lines[:2] == [f"first pass: {FOLDS} relevant articles of {FOLDS + 1}, each compared with every earlier "
                         "document (every text embedded)", "<pairs>"]
    assert lines[2].startswith(f"split 1/1, fold 1/{FOLDS}: ")
    assert lines[-2:] == [f"final fit: all {FOLDS} events, for the models written", "<fit>"]
