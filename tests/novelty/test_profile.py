"""Lexical channels: terms, names, numbers and their TF-IDF cosine."""

from __future__ import annotations

from monitor.novelty.profile import cosine, numbers, profile, terms


def test_terms_drop_stop_words_and_plural_s() -> None:
    assert terms("The courts adjourned the hearings of Khan") == ["court", "adjourned", "hearing", "khan"]


def test_numbers_are_normalised_and_years_left_out() -> None:
    assert numbers("US releases $397 million, also written $397m, in 2025; tariffs of 29 per cent") == {
        "397m", "29"}


def test_numbers_in_other_scripts_are_read() -> None:
    assert numbers("९ मई को 60 नागरिक") == numbers("۹ مئی ٦٠") == {"9", "60"}


def test_rewrites_share_more_than_different_events() -> None:
    one = profile("Court grants Khan bail in jewellery case", "The high court granted bail against two bonds.")
    two = profile("Khan granted bail in jewellery case", "Judges granted the former premier bail on surety bonds.")
    other = profile("Tariffs of 29% on Pakistani goods", "Washington announced reciprocal tariffs on exports.")
    idf = dict.fromkeys(one.terms | two.terms | other.terms, 1.0)
    same = cosine(one.title, two.title, idf) + cosine(one.body, two.body, idf)
    different = cosine(one.title, other.title, idf) + cosine(one.body, other.body, idf)
    assert same > 0.5 > different
