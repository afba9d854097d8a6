"""The fitting script: its splits, options and held-out rows (the fit itself runs on a labelled corpus, not here)."""

import numpy as np
import pytest

from monitor.novelty.fit import FOLDS, Pair, _held_rows, event_splits, group, main, pair_trees
from monitor.novelty.metrics import Labelled, score


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
