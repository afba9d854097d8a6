"""Text from the network: capped first, unsafe characters removed, shown visibly where it is kept."""

from __future__ import annotations

from monitor.untrusted import CAPS, clean_text, cut_raw, header, one_line, strip_unsafe, visible

HOSTILE = "Khan\x1b[31m red\x07 \u202egnp.exe\u2066 \x9b2J\ud800 done\ufffe"


def test_one_line_removes_controls_and_bidi_and_collapses_space() -> None:
    assert one_line(f"  {HOSTILE}\n\tnext ", "title") == "Khan red gnp.exe done next"


def test_long_text_keeps_its_line_breaks() -> None:
    assert clean_text("First.\n\nSecond\x00 line.\u202d") == "First.\n\nSecond line."


def test_caps_apply_before_any_work() -> None:
    huge = "x" * 4_000_000
    assert len(cut_raw(huge, "title")) == CAPS["title"] * 8
    assert len(one_line(huge, "title")) == CAPS["title"]
    assert len(clean_text(huge)) == CAPS["text"]
    assert header("W/" + "e" * 2000) is None and header('"abc"') == '"abc"'


def test_visible_shows_each_unsafe_character_as_an_escape() -> None:
    assert visible("a\x1b[2Jb\nc\u202e") == "a\\x1b[2Jb\\x0ac\\u202e"
    assert visible("a\u2028b\u2029c") == "a\\u2028b\\u2029c"  # Unicode's line and paragraph separators


def test_strip_unsafe_leaves_only_what_xml_can_carry() -> None:
    assert strip_unsafe(HOSTILE) == "Khan red gnp.exe  done"


def test_terminal_escape_sequences_go_whole_and_the_text_around_them_stays() -> None:
    assert strip_unsafe("hearing \x1b[2J\x07adjourned") == "hearing adjourned"  # not "[2Jadjourned"
    assert strip_unsafe("a\x1b]8;;http://evil.example\x07link\x1b]8;;\x1b\\ b") == "alink b"  # a hyperlink
    assert strip_unsafe("x\x1b[1;31;40mred\x1b[0m y\x1bc") == "xred y"  # colours, a reset
    # An unterminated command loses its escape only: no text after it is swallowed.
    assert strip_unsafe("a \x1b]8;;no end, then the article") == "a 8;;no end, then the article"


def test_a_json_line_escapes_what_could_drive_a_terminal_and_keeps_the_value() -> None:
    import json

    from monitor.untrusted import json_line

    value = {"id": "x\u202e\x1b]8;;\x07\x9b31m\u2028y\ud800", "title": "عمران خان"}
    line = json_line(value)
    assert json.loads(line) == value and "\n" not in line and "عمران خان" in line
    assert all(c.isprintable() for c in line)
