"""What ``monitor explain`` prints about a decision."""

from __future__ import annotations

import io

from rich.console import Console

from monitor.novelty.decision import Candidate, Decision
from monitor.summary import print_decision
from monitor.types import Judgement


def _printed(decision: Decision) -> str:
    buffer = io.StringIO()
    print_decision(decision, Console(file=buffer, width=200))
    return buffer.getvalue()


def test_a_ruled_out_development_says_why_instead_of_the_model_evidence() -> None:
    judgement = Judgement("repeat", "known", 0.0, story=4)
    features = (("pub_before", 1.0), ("seed_e5", 0.8))
    ruled = Decision(judgement, (), (), "story and development", development_features=features,
                     ruled_out="its event is dated on or before the seed horizon (2024-11-11)")
    text = _printed(ruled)
    assert "development vs the seeds: none, its event is dated on or before the seed horizon (2024-11-11)" in text
    assert "pub_before" not in text
    asked = Decision(judgement, (), (), "story and development", development=0.31, development_features=features)
    assert "development vs the seeds: p=0.31 (pub_before=1.00 seed_e5=0.80)" in _printed(asked)


def test_the_lead_the_multilingual_model_read_is_shown() -> None:
    judgement = Judgement("new", "new", 1.0, story=2)
    lead = "Court adjourns Khan appeal. The Islamabad High Court on Tuesday adjourned the hearing."
    assert f"read across languages (title and first paragraph): {lead}" in _printed(
        Decision(judgement, (), (), "story and development", lead=lead))
    assert "read across languages" not in _printed(Decision(judgement, (), (), "exact"))


def test_each_candidate_story_shows_how_many_days_lie_between_and_when_that_rules_it_out() -> None:
    judgement = Judgement("new", "new", 1.0, story=9)
    candidates = (Candidate(3, 0.91, (("body", 0.8),), days_apart=12.0), Candidate(5, 0.42, (("body", 0.4),), 2.5),
                  Candidate(6, 0.2, (("body", 0.1),)))
    lines = _printed(Decision(judgement, (), (), "story and development", candidates)).splitlines()
    assert "  s3  0.91  body=0.80  12.0 days from its nearest dated report: too far apart to be one event" in lines
    assert "  s5  0.42  body=0.40  2.5 days from its nearest dated report" in lines
    assert "  s6  0.20  body=0.10" in lines


def test_an_undated_article_is_said_to_be_judged_without_a_date() -> None:
    judgement = Judgement("new", "new", 1.0)
    said = "no publication date: judged as of now, with no date as evidence"
    assert said in _printed(Decision(judgement, (), (), "story and development", dated=False))
    assert said not in _printed(Decision(judgement, (), (), "story and development"))


def test_each_candidate_story_is_named_by_its_title() -> None:
    long = "Court adjourns Khan appeal " + "and more " * 20
    candidates = (Candidate(3, 0.91, (("body", 0.8),), title="Court adjourns Khan appeal"),
                  Candidate(5, 0.42, (("body", 0.4),), title=long), Candidate(6, 0.2, (("body", 0.1),)))
    lines = _printed(Decision(Judgement("new", "new", 1.0), (), (), "story and development", candidates)).splitlines()
    assert lines[lines.index("  s3  0.91  body=0.80") + 1] == "      story: Court adjourns Khan appeal"
    shown = lines[lines.index("  s5  0.42  body=0.40") + 1]
    assert shown.startswith("      story: Court adjourns Khan appeal and more") and shown.endswith("…")
    assert len(shown) <= len("      story: ") + 100
    assert not any("story:" in line for line in lines[lines.index("  s6  0.20  body=0.10"):])  # no title, no line
