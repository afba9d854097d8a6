"""The fitting script's held-out rows (the fit itself is run on a labelled corpus, not in tests)."""

from monitor.novelty.fit import _held_rows
from monitor.novelty.metrics import Labelled


def test_held_out_rows_keep_only_held_out_events_and_name_stories_by_fold() -> None:
    truth = [Labelled("a", True, "rally", True), Labelled("b", True, "vote", True), Labelled("c", False, "x", False)]
    results = [{"id": "a", "story": "s3"}, {"id": "b", "story": "s3"}, {"id": "c", "story": None}]

    rows = _held_rows(truth, results, {"rally"}, 2)

    assert rows == {"a": {"id": "a", "story": "f2s3"}}
    assert results[0]["story"] == "s3"  # the replay's own rows are left as they were
