"""The watchlist query language."""

from __future__ import annotations

import time

from monitor.match import match, may_match
from monitor.query import compile_topic

KHAN = compile_topic("imran-khan", '("Imran Khan" OR Tehreek-e-Insaf OR "Adiala jail") -Bollywood', ["عمران خان"])
TIES = compile_topic("us-pakistan", '(Pakistan OR Islamabad) ("United States" OR Washington)')


def test_phrase_in_title_with_evidence() -> None:
    result = match([KHAN], "Imran Khan's appeal adjourned", "The hearing at Adiala jail was brief.")
    assert result.topics == ("imran-khan",)
    assert result.explain() == "Imran Khan in title; Adiala jail in text"
    assert 0 < result.score <= 1


def test_words_match_whole_and_phrases_in_order() -> None:
    assert not match([KHAN], "Khan Imran", "Imrank Khan").relevant
    assert not match([KHAN], "", "Khan, Imran said").relevant


def test_exclusion() -> None:
    assert not match([KHAN], "Bollywood's Imran Khan returns", "").relevant


def test_implicit_and_between_groups() -> None:
    assert match([TIES], "Washington and Islamabad talk", "").relevant
    assert not match([TIES], "Washington weather", "cold").relevant


def test_case_and_diacritics_insensitive() -> None:
    topic = compile_topic("t", '"São Paulo"')
    assert match([topic], "SAO PAULO floods", "").relevant


def test_vowel_marks_and_combining_accents_do_not_split_a_word() -> None:
    assert match([compile_topic("t", "عمران")], "", "عِمران نے کہا").relevant
    assert match([compile_topic("t", "Pakistan")], "", "Pakista\u0301n y Estados Unidos").relevant
    assert match([compile_topic("t", "PTI")], "", "the PTI\u0301 said").relevant  # case kept for acronyms


def test_hindi_words_match_whole_and_near_counts_words() -> None:
    assert not match([compile_topic("t", "खान")], "", "खून बहा").relevant  # "blood" is not "Khan"
    topic = compile_topic("t", "पाकिस्तान NEAR/5 अमेरिकी")
    assert match([topic], "", "पाकिस्तान ने कहा कि वह अमेरिकी अधिकारियों से मिलेगा").relevant  # 4 words between
    assert match([compile_topic("t", '"190 million"')], "", "a fine of ₨190 million").relevant
    assert match([compile_topic("t", "PTI NEAR/2 rally")], "", "the ＰＴＩ rally").relevant  # full-width capitals
    assert match([compile_topic("t", "ÖVP")], "", "Die ÖVP gewinnt").relevant  # an acronym with a diacritic
    assert match([compile_topic("t", "ＰＴＩ")], "", "the PTI rally").relevant
    assert not match([compile_topic("t", "ÖVP")], "", "die övp").relevant  # still only in capitals


def test_alias_in_urdu_script() -> None:
    assert match([KHAN], "سیاسی خبریں", "عمران خان نے کہا").topics == ("imran-khan",)


def test_prefix() -> None:
    topic = compile_topic("t", "extradit*")
    assert match([topic], "", "talk of extradition").relevant
    assert not match([topic], "", "an extra dition").relevant


def test_prefix_of_a_hyphenated_term_is_its_last_word() -> None:
    topic = compile_topic("t", "Tehreek-e-Ins*")
    assert match([topic], "Tehreek-e-Insaf rally", "").relevant
    assert may_match([topic], "Tehreek-e-Insaf rally", "")
    assert match([compile_topic("t", "(Tehreek-e-Ins* NEAR/2 rally)")], "", "Tehreek e Insaf's rally").relevant
    assert not match([topic], "Tehreek-e-Islam rally", "").relevant
    assert not match([topic], "", "Tehreek-i-Insaf").relevant  # the other parts are still whole words


def test_may_match_is_lenient() -> None:
    # The prefilter ignores AND structure: one positive term is enough to fetch the page.
    assert may_match([TIES], "Foreign Office briefing in Islamabad", "")
    assert not may_match([TIES], "Cricket scores", "")
    assert not may_match([KHAN], "Bollywood news", "a film")


def test_field_scopes() -> None:
    topic = compile_topic("t", 'title:"Imran Khan" text:Adiala')
    assert match([topic], "Imran Khan appeal", "Hearing at Adiala").relevant
    assert not match([topic], "Appeal heard", "Imran Khan at Adiala").relevant


def test_proximity() -> None:
    topic = compile_topic("t", '"Imran Khan" NEAR/5 Trump')
    assert match([topic], "", "Imran Khan said on Monday that Trump would not intervene").relevant
    assert match([topic], "", "Trump, asked about Imran Khan, declined").relevant
    far = "Imran Khan spoke about the economy, inflation, the budget and the weather before Trump"
    assert not match([topic], "", far).relevant
    assert not match([topic], "Imran Khan", "Trump").relevant  # both must be in the same field


def test_proximity_counts_the_words_between_whichever_term_comes_first() -> None:
    topic = compile_topic("t", 'Pakistan NEAR/3 "Department of State"')
    assert match([topic], "", "Pakistan has told the Department of State").relevant  # 3 words between
    assert match([topic], "", "The Department of State told reporters that Pakistan").relevant  # 3 between
    assert not match([topic], "", "Pakistan, it was said, told the Department of State").relevant  # 5
    assert not match([topic], "", "The Department of State said on Monday that Pakistan").relevant  # 4


def test_a_scoped_side_of_near_looks_only_in_its_field() -> None:
    topic = compile_topic("t", "title:Imran NEAR/3 court")
    assert match([topic], "Imran in court again", "").relevant
    assert not match([topic], "Appeal", "Imran in court again").relevant


def test_capitalised_short_words_are_acronyms() -> None:
    topic = compile_topic("t", "US NEAR/3 Pakistan")
    assert match([topic], "", "US and Pakistan officials met").relevant
    assert not match([topic], "", "Tell us about Pakistan").relevant


def test_context_terms_keep_namesakes_out() -> None:
    topic = compile_topic("t", '"Imran Khan"', context=["court", "party"])
    assert match([topic], "Imran Khan's appeal", "The court adjourned").explain() == \
        "Imran Khan in title; court in text"
    assert not match([topic], "Imran Khan returns to films", "The actor's comeback").relevant


def test_languages_restrict_topics() -> None:
    topic = compile_topic("t", '"Imran Khan"', languages=["en"])
    assert match([topic], "Imran Khan", "text", "en").relevant
    assert not match([topic], "Imran Khan", "texte", "fr").relevant
    assert match([topic], "Imran Khan", "text", "").relevant  # unknown language: not excluded


def test_near_on_a_long_text_with_many_occurrences_of_both_sides_is_fast() -> None:
    topic = compile_topic("t", "Pakistan NEAR/3 Washington")
    far = "Pakistan a b c d e f Washington g h i j k l " * 10_000  # 6 words apart, either way
    started = time.perf_counter()
    assert not match([topic], "", far).relevant
    assert match([topic], "", far + "Pakistan and Washington").explain() == "Pakistan in text; Washington in text"
    assert time.perf_counter() - started < 2


def test_curly_quotes_make_a_phrase_too() -> None:
    topic = compile_topic("t", "“Imran Khan” -„Sadiq Khan“ OR «Adiala jail»")
    assert match([topic], "Imran Khan's appeal", "").explain() == "Imran Khan in title"
    assert not match([topic], "Khan, Imran", "").relevant
    assert not match([topic], "Imran Khan and Sadiq Khan", "").relevant
    assert match([topic], "", "at Adiala jail").relevant


def test_evidence_is_only_what_matched() -> None:
    topic = compile_topic("t", '(Khan court) OR (PTI rally) OR ("Imran Khan" -Bollywood)', aliases=["PTI founder"])
    assert match([topic], "PTI rally", "Khan spoke").explain() == "PTI in title; rally in title"
    assert match([topic], "PTI founder", "Imran Khan in Bollywood").explain() == "PTI founder in title"


def test_invisible_characters_inside_a_word_do_not_split_it() -> None:
    assert match([compile_topic("t", '"Imran Khan"')], "Im\u00adran Khan", "").relevant  # a soft hyphen
    assert match([compile_topic("t", "x", aliases=["عمران خان"])], "", "عمـــران خان نے کہا").relevant  # tatweel
    hindi = compile_topic("t", "पाकिस्तान")
    assert match([hindi], "", "पाकिस्\u200dतान").relevant  # a zero-width joiner after the virama
    assert match([hindi], "", "पाकिस्\u200cतान").relevant  # a non-joiner after the virama: a half form
    assert match([compile_topic("t", "x", aliases=["پی\u200cٹی\u200cآئی"])], "", "پی ٹی آئی کے رہنما").relevant
    assert match([compile_topic("t", "Imran")], "", "Imran\u200bKhan").relevant  # a zero-width space parts words


def test_near_needs_two_occurrences_not_one_counted_for_both_sides() -> None:
    topic = compile_topic("t", 'Khan NEAR/5 "Imran Khan"')
    assert not match([topic], "Imran Khan", "").relevant  # its Khan is the phrase's own
    assert match([topic], "Khan and Imran Khan", "").explain() == "Khan in title; Imran Khan in title"
    assert match([topic], "Imran Khan, Khan said", "").relevant
    assert match([compile_topic("t", "Khan NEAR/0 Khan")], "Khan Khan", "").relevant
    assert not match([compile_topic("t", "Khan NEAR/0 Khan")], "Khan", "").relevant


def test_a_nukta_is_ignored_like_an_accent() -> None:
    topic = compile_topic("t", '"इमरान खान"', aliases=["इमरान ख़ान"])
    assert match([topic], "", "इमरान \u0959ान ने कहा").explain() == "इमरान खान in text; इमरान ख़ान in text"  # precomposed
    assert match([topic], "", "इमरान ख\u093cान ने कहा").relevant  # ख and a nukta
    assert match([compile_topic("t", "ज़रदारी")], "", "जरदारी ने कहा").relevant


def test_urdu_typed_with_arabic_letter_forms_and_digits_of_any_script_match() -> None:
    topic = compile_topic("t", "پاکستان", aliases=["9 مئی"])
    assert match([topic], "", "پاكستان كى حكومت").relevant  # Arabic kaf and yeh, as older Urdu sites type them
    assert match([topic], "", "۹ مئی کے واقعات").explain() == "9 مئی in text"  # Urdu digit nine
    assert match([compile_topic("t", '"९ मई"')], "", "9 मई को").relevant  # a Devanagari digit in the query


def test_an_operator_in_quotes_is_the_word() -> None:
    topic = compile_topic("t", 'Khan "OR" "NOT" "AND" Imran')
    assert match([topic], "", "Khan or not and Imran").relevant
    assert not match([topic], "", "Khan Imran").relevant
