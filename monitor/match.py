"""The watchlist query language and relevance with evidence.

Grammar (case- and diacritic-insensitive, words matched whole)::

    query   := or
    or      := and ("OR" and)*
    and     := unary (["AND"] unary)*          # juxtaposition means AND
    unary   := ("-" | "NOT") unary | primary
    primary := "(" query ")" | '"a phrase"' | word | word*    # word* is a prefix

A topic matches an article when its query matches the title plus text, or when one of
its aliases (phrases) appears. ``parse_query`` raises :class:`QuerySyntaxError` with the
character position of the problem.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from monitor.types import Evidence, Relevance

_WORD = re.compile(r"\w+", re.UNICODE)
_TOKEN = re.compile(
    r'\s*(?:(?P<lp>\()|(?P<rp>\))|"(?P<phrase>[^"]*)"|(?P<open>")|(?P<neg>-)(?=[\w"(])|(?P<word>[^\s()"]+))'
)


class QuerySyntaxError(ValueError):
    """A query that does not parse; ``position`` is the 0-based character offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at position {position + 1}")
        self.position = position


def normalize(text: str) -> str:
    """Casefold and strip diacritics (``Pakistán`` -> ``pakistan``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def words(text: str) -> list[str]:
    """The normalised words of ``text``."""
    return _WORD.findall(normalize(text))


@dataclass(frozen=True)
class Term:
    """A word, a word prefix (``khan*``) or a phrase, as the sequence of its words."""

    label: str
    parts: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Not | And | Or


class _Parser:
    def __init__(self, query: str) -> None:
        self.tokens = self._lex(query)
        self.pos = 0
        self.end = len(query)

    @staticmethod
    def _lex(query: str) -> list[tuple[str, str, int]]:
        tokens: list[tuple[str, str, int]] = []
        at = 0
        while at < len(query):
            if query[at:].strip() == "":
                break
            m = _TOKEN.match(query, at)
            if m is None or m.lastgroup is None:
                raise QuerySyntaxError("unexpected character", at)
            kind = m.lastgroup
            start = m.start(kind)
            if kind == "open":
                raise QuerySyntaxError("unclosed quote", start)
            tokens.append((kind, m.group(kind), start))
            at = m.end()
        return tokens

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def parse(self) -> Node:
        if not self.tokens:
            raise QuerySyntaxError("empty query", 0)
        node = self.or_()
        tok = self.peek()
        if tok is not None:
            raise QuerySyntaxError(f"unexpected {tok[1]!r}", tok[2])
        return node

    def or_(self) -> Node:
        children = [self.and_()]
        while (tok := self.peek()) is not None and tok[0] == "word" and tok[1] == "OR":
            self.pos += 1
            children.append(self.and_())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_(self) -> Node:
        children = [self.unary()]
        while (tok := self.peek()) is not None and not (tok[0] == "rp" or tok[1] == "OR"):
            if tok[0] == "word" and tok[1] == "AND":
                self.pos += 1
            children.append(self.unary())
        if all(isinstance(c, Not) for c in children):
            raise QuerySyntaxError("a query cannot consist of exclusions only", self.tokens[0][2])
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise QuerySyntaxError("query ends too early", self.end)
        if tok[0] == "neg" or (tok[0] == "word" and tok[1] == "NOT"):
            self.pos += 1
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise QuerySyntaxError("query ends too early", self.end)
        kind, text, at = tok
        self.pos += 1
        if kind == "lp":
            node = self.or_()
            close = self.peek()
            if close is None or close[0] != "rp":
                raise QuerySyntaxError("missing ')'", at)
            self.pos += 1
            return node
        if kind == "rp" or text in ("AND", "OR"):
            raise QuerySyntaxError(f"unexpected {text!r}", at)
        return _term(text, at, phrase=kind == "phrase")


def _term(text: str, at: int, *, phrase: bool) -> Term:
    prefix = not phrase and text.endswith("*") and len(text) > 1
    parts = tuple(words(text.rstrip("*") if prefix else text))
    if not parts:
        raise QuerySyntaxError(f"{text!r} has no words to match", at)
    return Term(label=text, parts=parts, prefix=prefix)


def parse_query(query: str) -> Node:
    """Parse a watchlist query; raises QuerySyntaxError with the position of the problem."""
    return _Parser(query).parse()


class _Doc:
    """Word positions of one field, for fast phrase look-up."""

    def __init__(self, text: str) -> None:
        self.words = words(text)
        self.index: dict[str, list[int]] = {}
        for i, w in enumerate(self.words):
            self.index.setdefault(w, []).append(i)

    def has(self, term: Term) -> bool:
        first, rest = term.parts[0], term.parts[1:]
        if term.prefix and not rest:
            return any(w.startswith(first) for w in self.index)
        size = len(rest)
        return any(tuple(self.words[at + 1 : at + 1 + size]) == rest for at in self.index.get(first, ()))


def _evaluate(node: Node, fields: Sequence[tuple[str, _Doc]], hits: list[tuple[Term, str]]) -> bool:
    if isinstance(node, Term):
        found = [name for name, doc in fields if doc.has(node)]
        hits.extend((node, name) for name in found)
        return bool(found)
    if isinstance(node, Not):
        return not _evaluate(node.child, fields, [])
    if isinstance(node, And):
        return all([_evaluate(child, fields, hits) for child in node.children])
    return any([_evaluate(child, fields, hits) for child in node.children])


@dataclass(frozen=True)
class TopicQuery:
    """A compiled topic: its query and its alias phrases."""

    name: str
    query: Node
    aliases: tuple[Term, ...]


def compile_topic(name: str, query: str, aliases: Iterable[str] = ()) -> TopicQuery:
    """Compile a topic's query and aliases (aliases are matched as phrases)."""
    return TopicQuery(name, parse_query(query), tuple(_term(a, 0, phrase=True) for a in aliases))


def match(topics: Sequence[TopicQuery], title: str, text: str) -> Relevance:
    """Which of ``topics`` the article (title, text) is about, with the evidence."""
    fields = (("title", _Doc(title)), ("text", _Doc(text)))
    matched: list[str] = []
    evidence: list[Evidence] = []
    score = 0.0
    for topic in topics:
        hits: list[tuple[Term, str]] = []
        ok = _evaluate(topic.query, fields, hits)
        for alias in topic.aliases:
            alias_hits = [(alias, name) for name, doc in fields if doc.has(alias)]
            hits.extend(alias_hits)
            ok = ok or bool(alias_hits)
        if not ok:
            continue
        matched.append(topic.name)
        for term, where in dict.fromkeys(hits):
            evidence.append(Evidence(topic.name, term.label.strip('"'), "title" if where == "title" else "text"))
            score += 2.0 if where == "title" else 1.0
    return Relevance(tuple(matched), tuple(evidence), min(1.0, score / 6.0))


def _positive_terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return []
    return [term for child in node.children for term in _positive_terms(child)]


def may_match(topics: Sequence[TopicQuery], title: str, text: str) -> bool:
    """A cheap, lenient first check: does any positive term or alias of any topic occur?

    Used on a feed's title and teaser to decide whether the full article is worth
    fetching; the full query is then applied to the article text.
    """
    fields = (_Doc(title), _Doc(text))
    for topic in topics:
        for term in (*_positive_terms(topic.query), *topic.aliases):
            if any(doc.has(term) for doc in fields):
                return True
    return False
