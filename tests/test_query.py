"""The query language's parser: errors name what is wrong and where."""

import pytest

from monitor.query import QuerySyntaxError, parse_query


@pytest.mark.parametrize(("query", "message", "position"), [
    ('"Imran Khan', "unclosed quote", 0),
    ("(a OR b", "missing ')'", 0),
    ("a OR", "query ends too early", 4),
    ("OR a", "unexpected 'OR'", 0),
    ("a )", "unexpected ')'", 2),
    ("-a", "exclusions only", 0),
    ("a OR -b", "exclusions only", 5),
    ("a OR (NOT b -c)", "exclusions only", 6),
    ("(-b)", "exclusions only", 1),
    ("", "empty query", 0),
    ("!!!", "no words", 0),
    ("Khan NEAR court", "NEAR needs a distance: NEAR/n", 5),
    ("Khan NEAR/ court", "NEAR needs a distance: NEAR/n", 5),
    ("Khan NEAR/x court", "NEAR needs a distance: NEAR/n", 5),
])
def test_syntax_errors_have_positions(query: str, message: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    assert message in str(info.value)
    assert info.value.position == position


@pytest.mark.parametrize(("query", "message"), [
    ("title:", "query ends too early"), ("a NEAR/3", "query ends too early"), ("NEAR/3 a", "unexpected 'NEAR/3'"),
    ("(a b) NEAR/3 c", "each side of NEAR"), ("a NEAR/3 (b -c)", "each side of NEAR"),
    ("a NEAR/3 (b OR (c d))", "each side of NEAR"), ("a NEAR/3 b NEAR/2 c", "NEAR joins two sides"),
    ("title:a NEAR/3 text:b", "different fields"),
])
def test_more_syntax_errors(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        parse_query(query)


def test_a_bracketed_exclusion_is_fine_where_a_word_must_match_too() -> None:
    for query in ("Khan (NOT Bollywood)", "Khan (-Bollywood -cricket)", "(Khan OR PTI) (NOT a OR b)", "title:(-a) b"):
        parse_query(query)


def test_near_as_a_word_is_written_in_lower_case_or_quoted() -> None:
    parse_query('Khan near court')
    parse_query('Khan "NEAR" court')


def test_near_sides_may_be_alternatives_and_scoped() -> None:
    for query in ('a NEAR/2 (b OR "c d" OR (e* OR f))', "title:a NEAR/2 b", "title:(a NEAR/2 b) c"):
        parse_query(query)


def test_an_unclosed_curly_quote_is_named() -> None:
    with pytest.raises(QuerySyntaxError, match="unclosed quote") as info:
        parse_query("Khan “Adiala jail")
    assert info.value.position == 5


@pytest.mark.parametrize(("query", "position"), [
    ("(" * 1000 + "a" + ")" * 1000, 50), ("a " + "NOT " * 1000 + "b", 2 + 50 * 4), ("(a " * 60 + ")" * 60, 150),
])
def test_a_query_nested_too_deeply_is_a_syntax_error(query: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError, match="nested too deeply") as info:
        parse_query(query)
    assert info.value.position == position


def test_nesting_up_to_the_limit_parses() -> None:
    parse_query("(a " * 50 + ")" * 50)
    parse_query("a " + "NOT " * 50 + "b")


def test_near_with_no_side_after_it_says_so() -> None:
    with pytest.raises(QuerySyntaxError, match="unexpected '\\)'") as info:
        parse_query("(a NEAR/3)")
    assert info.value.position == 9
