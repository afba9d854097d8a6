"""Salient facts of a sentence on hostile input: read in linear time, with the same facts."""

from __future__ import annotations

import subprocess
import sys

from monitor.novelty.facts import facts


def test_an_age_in_apposition_is_found_from_the_start_of_its_word() -> None:
    found = facts("Jean-Pierre, 45, and 'Khan, 74, met McDonald, 61, and the iPhone, 15, team of 300.")
    assert {f for f in found if f.startswith("n:")} == {"n:300"}


def test_a_long_run_of_capitals_and_apostrophes_is_read_in_linear_time() -> None:
    """Each capital of "A'A'A'..." was tried as the start of a name followed by an age: 400,000
    characters took minutes; they take well under a second."""
    code = ("from monitor.novelty.facts import facts; "
            "found = facts(\"Then \" + \"A'\" * 200_000 + ', 12, left.'); "
            "assert found and 'n:12' not in found; assert facts('Then ' + 'A-' * 200_000 + ' left.')")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
