"""Sentence splitting and normalisation."""

from __future__ import annotations

from monitor.novelty.facts import facts
from monitor.novelty.text import content_hash, fingerprint, latin_digits, normalize_text, sentences


def test_sentences_split_on_terminators_and_lines() -> None:
    text = 'He said: "We can work together." Then he left.\nA new line starts here. Dr. Who? 3.5 percent rose.'
    assert sentences(text) == [
        'He said: "We can work together."', "Then he left.", "A new line starts here.", "Dr.", "Who?",
        "3.5 percent rose.",
    ]
    assert sentences("short. Longer sentence here.", min_chars=10) == ["Longer sentence here."]


def test_normalisation_ignores_case_quotes_and_diacritics() -> None:
    assert normalize_text("“Café”  —  CAFÉ's") == "cafe cafe s"
    assert fingerprint("He said “yes”.") == fingerprint('he said "YES"')
    assert content_hash("A  b") == content_hash("a\nB") != content_hash("a c")


def test_digits_of_every_script_read_as_latin() -> None:
    assert latin_digits("۲۰۲۳ ٢٠٢٣ २०२३ 2023") == "2023 2023 2023 2023"
    assert "n:60" in facts("सैन्य अदालत ने ६० नागरिकों को सजा सुनाई")  # a count in Devanagari digits is a fact
