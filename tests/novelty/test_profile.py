"""Lexical channels: terms, names, numbers and their TF-IDF cosine."""

from __future__ import annotations

import os
import subprocess
import sys

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


def test_names_are_kept_in_one_order_whatever_the_hash_seed() -> None:
    """So that the same-event channels, and the fitted models, come out the same to the bit in every
    process (a set's order follows the process's string-hash seed)."""
    code = ("from monitor.novelty.profile import profile; p = profile('Sharif meets Trump and Vance', "
            "'Shehbaz Sharif, Asim Munir, Marco Rubio, Ishaq Dar and JD Vance met Donald Trump in Washington.'); "
            "print(list(p.names))")
    orders = {subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": str(seed)},
                             capture_output=True, text=True, check=True).stdout for seed in range(4)}
    assert len(orders) == 1 and "sharif" in orders.pop()
