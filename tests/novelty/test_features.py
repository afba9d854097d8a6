"""What the development decision reads beyond the fitted model: the labels publishers put on
pieces that are not news."""

from __future__ import annotations

import pytest

from monitor.novelty.features import commentary


@pytest.mark.parametrize("title", [
    "Explainer: how the appeal against the conviction works",
    "Analysis | What a new envoy means for Islamabad",
    "Opinion: the court has spoken, now parliament must",
    "The long road to the hearing (op-ed)",
    "Washington and Islamabad, a year on (Column by a former envoy)",
    "Profile: the lawyer who argues the appeal",
])
def test_labelled_commentary_is_not_a_development(title: str) -> None:
    assert commentary(title)


@pytest.mark.parametrize("title", [
    "Khan pens another op-ed from prison, criticises the election commission",  # a report about an op-ed
    "Court adjourns hearing of Khan's appeal to December 3",
    "US analysts expect talks on tariffs next month",
    "PTI to hold rally in Peshawar (updated)",
])
def test_news_titles_are_not_labelled(title: str) -> None:
    assert not commentary(title)
