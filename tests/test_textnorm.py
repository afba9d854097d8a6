from monitor.textnorm import normalize, words


def test_normalize_casefolds_and_strips_diacritics_in_any_script() -> None:
    assert normalize("Pakistán") == "pakistan"
    assert normalize("STRASSE") == "strasse"
    assert normalize("عِمران") == "عمران"  # Arabic-script vowel signs go too


def test_words_are_normalised_whole_words() -> None:
    assert words("Imran Khan's PTI, in Pakistán!") == ["imran", "khan", "s", "pti", "in", "pakistan"]


def test_combining_signs_of_indic_scripts_stay_in_their_word() -> None:
    assert words("पाकिस्तान और अमेरिकी") == ["पाकिस्तान", "और", "अमेरिकी"]  # not cut at each vowel sign


def test_a_symbol_that_decomposes_into_letters_does_not_join_its_neighbour() -> None:
    assert words("a fine of ₨190 million") == ["a", "fine", "of", "190", "million"]
    assert words("Khan™ said") == ["khan", "said"]
