"""Salient facts of a sentence on hostile input: read in linear time, with the same facts."""

from __future__ import annotations

import subprocess
import sys

from monitor.novelty.facts import facts, new_facts, quote_facts, sentence_facts, stated_days


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


def test_a_quotation_spanning_sentences_is_carried_by_each_part() -> None:
    text = 'Khan said: "The court has no right to try me. We will appeal the verdict tomorrow." He left.'
    quotes = quote_facts(text)
    parts = ["Khan said: \"The court has no right to try me.", "We will appeal the verdict tomorrow.\"", "He left."]
    quote = "q:the court has no right to try me we will appeal the verdict tomorrow"
    assert [quote in sentence_facts(part, quotes) for part in parts] == [True, True, False]


def test_thousands_of_quoted_sentences_are_read_in_linear_time() -> None:
    """Each sentence was compared with every quotation of the text: 15,000 quoted sentences took minutes."""
    code = ("from monitor.novelty.facts import quote_facts, sentence_facts; "
            "parts = [f'Khan said \"alpha beta {i} gamma delta\" today.' for i in range(15_000)]; "
            "quotes = quote_facts(' '.join(parts)); found = [sentence_facts(p, quotes) for p in parts]; "
            "assert found[7] == {'n:7', 'q:alpha beta 7 gamma delta'}")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


def test_the_days_a_known_text_states_are_whole_words_in_either_order() -> None:
    assert stated_days("polls close on march 28 and 3 april 2025") == {"march 28", "3 april", "april 2025"}
    assert stated_days("the 3rd march 28th and marches 4") == frozenset()
    assert new_facts({"t:28 march", "t:3 april", "t:4 may"}, set(), stated_days("march 28 then 3 april")) == {"t:4 may"}

