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
    ("", "empty query", 0),
    ("!!!", "no words", 0),
])
def test_syntax_errors_have_positions(query: str, message: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    assert message in str(info.value)
    assert info.value.position == position


@pytest.mark.parametrize(("query", "message"), [
    ("title:", "query ends too early"), ("a NEAR/3", "query ends too early"), ("NEAR/3 a", "unexpected 'NEAR/3'"),
])
def test_more_syntax_errors(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        parse_query(query)
