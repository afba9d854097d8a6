from monitor.textnorm import normalize, words


def test_normalize_casefolds_and_strips_diacritics_in_any_script() -> None:
    assert normalize("Pakistán") == "pakistan"
    assert normalize("STRASSE") == "strasse"
    assert normalize("عِمران") == "عمران"  # Arabic-script vowel signs go too


def test_words_are_normalised_whole_words() -> None:
    assert words("Imran Khan's PTI, in Pakistán!") == ["imran", "khan", "s", "pti", "in", "pakistan"]
