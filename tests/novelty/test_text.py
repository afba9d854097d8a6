"""Sentence splitting, normalisation and the lead the multilingual model reads."""

from __future__ import annotations

from monitor.novelty.facts import facts
from monitor.novelty.text import content_hash, fingerprint, latin_digits, lead, normalize_text, sentences

TITLE = "Court adjourns Khan appeal to April 8"
OPENING = "The Islamabad High Court on Tuesday adjourned the hearing of Imran Khan's appeal until April 8."


def test_sentences_split_on_terminators_and_lines() -> None:
    text = 'He said: "We can work together." Then he left.\nA new line starts here. Dr. Who? 3.5 percent rose.'
    assert sentences(text) == [
        'He said: "We can work together."', "Then he left.", "A new line starts here.", "Dr.", "Who?",
        "3.5 percent rose.",
    ]
    assert sentences("short. Longer sentence here.", min_chars=10) == ["Longer sentence here."]


def test_urdu_and_hindi_sentences_end_at_their_own_full_stops() -> None:
    assert sentences("عدالت نے سماعت ملتوی کر دی۔ کیا فیصلہ ہوگا؟ وکلا نے اعتراض کیا۔") == [
        "عدالت نے سماعت ملتوی کر دی۔", "کیا فیصلہ ہوگا؟", "وکلا نے اعتراض کیا۔"]
    assert sentences("अदालत ने सुनवाई टाल दी। वकीलों ने आपत्ति की।") == ["अदालत ने सुनवाई टाल दी।", "वकीलों ने आपत्ति की।"]


def test_a_photo_credit_is_no_part_of_a_sentence() -> None:
    report = "The court adjourned the hearing, first reported by AP - the defence objected to the delay."
    assert sentences(f"Khan's lawyers outside the court on Tuesday. — AFP/File\n{report}") == [
        "Khan's lawyers outside the court on Tuesday.", report]
    assert sentences("The cabinet approved the budget on Monday, the minister said.—APP") == [
        "The cabinet approved the budget on Monday, the minister said."]
    assert sentences("Voters queued for the new Model-X") == ["Voters queued for the new Model-X"]


def test_reading_credits_and_stamps_takes_one_pass_over_a_hostile_line() -> None:
    """Feeds are untrusted: a line built to make a pattern backtrack is read in one pass (these
    took hours with nested repetitions)."""
    hostile = "Khan outside the court — AFP" + "/ a " * 40 + "!"
    assert sentences(hostile) == [hostile]
    stamp = "updated 1 " * 2000 + "."
    assert lead(TITLE, f"{stamp}\n{OPENING}", 300) == f"{TITLE}. {stamp} {OPENING}"[:300]


def test_a_long_line_of_slashes_is_read_in_linear_time() -> None:
    """A credit is looked for at a line's end only: 400,000 characters of "X / " took minutes before."""
    import subprocess
    import sys

    code = ("from monitor.novelty.text import sentences, lead; line = '- ' + 'X / ' * 100_000 + '!'; "
            "assert sentences(line) == [line]; lead('Title', line, 300)")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)  # about a second; minutes before


def test_normalisation_ignores_case_quotes_and_diacritics() -> None:
    assert normalize_text("“Café”  —  CAFÉ's") == "cafe cafe s"
    assert fingerprint("He said “yes”.") == fingerprint('he said "YES"')
    assert content_hash("A  b") == content_hash("a\nB") != content_hash("a c")


def test_digits_of_every_script_read_as_latin() -> None:
    assert latin_digits("۲۰۲۳ ٢٠٢٣ २०२३ 2023") == "2023 2023 2023 2023"
    assert "n:60" in facts("सैन्य अदालत ने ६० नागरिकों को सजा सुनाई")  # a count in Devanagari digits is a fact


def test_the_lead_leaves_out_a_repeated_title_captions_and_bylines() -> None:
    text = "\n\n".join([
        TITLE,
        "PTI founder Imran Khan (left) and his counsel outside the court. — AFP/File",
        "By Staff Reporter",
        "Published March 11, 2026 Updated March 11, 2026 09:14am",
        OPENING,
        "A two-member bench heard the case.",
    ])

    assert lead(TITLE, text, 300) == f"{TITLE}. {OPENING} A two-member bench heard the case."
    assert lead(TITLE, text, 40) == f"{TITLE}. {OPENING}"[:40]


def test_a_lead_with_nothing_above_its_first_paragraph_is_the_title_and_text() -> None:
    assert lead(TITLE, OPENING, 300) == f"{TITLE}. {OPENING}"
    assert lead(TITLE, "Web Desk", 300) == f"{TITLE}. Web Desk"  # only a label: kept as it is
    assert lead(TITLE, "", 300) == f"{TITLE}. "


def test_a_first_paragraph_is_kept_whatever_its_first_words() -> None:
    for opening in ("By the time the court rose, the bench had heard both bail pleas.",
                    "The report, published March 3, found that 40 detainees were held without charge.",
                    "Imran Khan has been arrested.",
                    "Police released a file photo of the suspect, who fled after the attack in Peshawar."):
        assert lead(TITLE, f"By Staff Reporter\nUpdated: Fri, Mar 13 2026 09:14 PKT\n{opening}", 300) == \
            f"{TITLE}. {opening}"

    rally = "PTI to hold rally in Peshawar on November 29"
    second = "PTI to hold rally in Peshawar on November 2"  # not the title repeated: another day
    assert lead(rally, f"{rally}\n{second}\n{OPENING}", 300) == f"{rally}. {second} {OPENING}"[:300]
