"""The watchlist query language: parsing a topic's query and evaluating it over an article's fields.

Grammar (case- and diacritic-insensitive, words matched whole)::

    query   := or
    or      := and ("OR" and)*
    and     := unary (["AND"] unary)*           # juxtaposition means AND
    unary   := ("-" | "NOT") unary | near
    near    := scoped ["NEAR/" N scoped]         # in one field, at most N words between, either order;
                                                 # each side a word, phrase or (a OR b ...) group
    scoped  := ["title:" | "text:"] primary      # only in the title, or only in the text
    primary := "(" query ")" | '"a phrase"' | word | word*    # word* is a prefix
                                                 # a phrase's quotes may be “…”, „…“ or «…»

A bare word written in capitals (2 to 5 letters: ``US``, ``PTI``, ``IMF``) is an acronym and
matches only where the article also writes it in capitals, so ``US`` never matches "us".
``NEAR`` without its distance (``a NEAR b``, ``NEAR/``) is a syntax error, never the acronym.

A topic is a compiled query with alias phrases, context terms and languages
(:func:`compile_topic`); how a topic decides relevance is :mod:`monitor.match`. ``parse_query``
raises :class:`QuerySyntaxError` with the character position of the problem.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from monitor.textnorm import normalized, tokens, words

_QUOTES = '"\u201c\u201d\u201e\u00ab\u00bb'  # straight, and as word processors write them: “…”, „…“, «…»
_TOKEN = re.compile(
    rf"\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<scope>(?:title|text):)|[{_QUOTES}](?P<phrase>[^{_QUOTES}]*)[{_QUOTES}]"
    rf"|(?P<open>[{_QUOTES}])|(?P<neg>-)(?=[\w{_QUOTES}(])|(?P<near>NEAR/\d+)(?=[\s{_QUOTES}()]|$)"
    rf"|(?P<word>[^\s(){_QUOTES}]+))"
)
_NEAR_WITHOUT_DISTANCE = re.compile(r"NEAR(?:/.*)?")  # the operator misspelt, never the acronym NEAR
FIELDS = ("title", "text")
MAX_DEPTH = 50  # brackets and NOTs inside one another: a deeper query would exhaust Python's stack


class QuerySyntaxError(ValueError):
    """A query that does not parse; ``position`` is the 0-based character offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at position {position + 1}")
        self.problem = message
        self.position = position


@dataclass(frozen=True)
class Term:
    """A word, a word prefix (``khan*``) or a phrase, as the sequence of its words."""

    label: str
    parts: tuple[str, ...]
    prefix: bool = False
    acronym: bool = False


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Scoped:
    field: str
    child: Node


@dataclass(frozen=True)
class Near:
    left: Node
    right: Node
    distance: int


Node = Term | Not | And | Or | Scoped | Near
Token = tuple[str, str, int]


class _Parser:
    def __init__(self, query: str) -> None:
        self.tokens = self._lex(query)
        self.pos = 0
        self.end = len(query)
        self.starts: dict[int, int] = {}  # id of an AND or NOT node -> where it starts, for errors
        self.depth = 0  # brackets and NOTs open around the current token

    @staticmethod
    def _lex(query: str) -> list[Token]:
        tokens: list[Token] = []
        at = 0
        while query[at:].strip():
            m = _TOKEN.match(query, at)
            if m is None or m.lastgroup is None:
                raise QuerySyntaxError("unexpected character", at)
            kind = m.lastgroup
            if kind == "open":
                raise QuerySyntaxError("unclosed quote", m.start(kind))
            tokens.append((kind, m.group(kind), m.start(kind)))
            at = m.end()
        return tokens

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise QuerySyntaxError("query ends too early", self.end)
        self.pos += 1
        return tok

    def parse(self) -> Node:
        if not self.tokens:
            raise QuerySyntaxError("empty query", 0)
        node = self.or_()
        tok = self.peek()
        if tok is not None:
            raise QuerySyntaxError(f"unexpected {tok[1]!r}", tok[2])
        loose = _exclusions_only(node)
        if loose is not None:
            raise QuerySyntaxError("a query cannot consist of exclusions only", self.starts.get(id(loose), 0))
        return node

    def or_(self) -> Node:
        children = [self.and_()]
        while (tok := self.peek()) is not None and tok[:2] == ("word", "OR"):
            self.pos += 1
            children.append(self.and_())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_(self) -> Node:
        start = self.peek()
        children = [self.unary()]
        while (tok := self.peek()) is not None and tok[0] != "rp" and tok[:2] != ("word", "OR"):
            if tok[:2] == ("word", "AND"):
                self.pos += 1
            children.append(self.unary())
        if len(children) == 1:
            return children[0]
        node = And(tuple(children))
        self.starts[id(node)] = start[2] if start else 0
        return node

    def unary(self) -> Node:
        tok = self.peek()
        if tok is not None and (tok[0] == "neg" or tok[:2] == ("word", "NOT")):
            self.pos += 1
            node = Not(self.nested(self.unary, tok[2]))
            self.starts[id(node)] = tok[2]
            return node
        return self.near()

    def near(self) -> Node:
        node = self.scoped()
        tok = self.peek()
        if tok is None or tok[0] != "near":
            return node
        self.pos += 1
        node = Near(_near_side(node, tok[2]), _near_side(self.scoped(), tok[2]), int(tok[1].split("/", 1)[1]))
        if len({side.field for side in (node.left, node.right) if isinstance(side, Scoped)}) > 1:
            raise QuerySyntaxError("the two sides of NEAR look in different fields, so never near", tok[2])
        if (after := self.peek()) is not None and after[0] == "near":
            raise QuerySyntaxError("NEAR joins two sides: write (a NEAR/n b) (b NEAR/n c)", after[2])
        return node

    def scoped(self) -> Node:
        tok = self.peek()
        if tok is not None and tok[0] == "scope":
            self.pos += 1
            return Scoped(tok[1].rstrip(":"), self.primary())
        return self.primary()

    def nested(self, parse: Callable[[], Node], at: int) -> Node:
        """``parse`` one level further in, refused beyond :data:`MAX_DEPTH` (the parser recurses)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(f"nested too deeply (at most {MAX_DEPTH} brackets and NOTs inside one another)", at)
        node = parse()
        self.depth -= 1
        return node

    def primary(self) -> Node:
        kind, text, at = self.take()
        if kind == "lp":
            node = self.nested(self.or_, at)
            close = self.peek()
            if close is None or close[0] != "rp":
                raise QuerySyntaxError("missing ')'", at)
            self.pos += 1
            return node
        if kind in ("rp", "near", "scope", "neg") or (kind == "word" and text in ("AND", "OR", "NOT")):
            raise QuerySyntaxError(f"unexpected {text!r}", at)
        if kind == "word" and _NEAR_WITHOUT_DISTANCE.fullmatch(text):
            raise QuerySyntaxError("NEAR needs a distance: NEAR/n", at)
        return _term(text, at, phrase=kind == "phrase")


def _term(text: str, at: int, *, phrase: bool) -> Term:
    if not phrase and text.isalpha() and text.isupper() and 2 <= len(text) <= 5:
        return Term(label=text, parts=(_acronym_key("".join(tokens(text))),), acronym=True)
    prefix = not phrase and text.endswith("*") and len(text) > 1
    parts = tuple(words(text.rstrip("*") if prefix else text))
    if not parts:
        raise QuerySyntaxError(f"{text!r} has no words to match", at)
    return Term(label=text, parts=parts, prefix=prefix)


def _exclusions_only(node: Node) -> Node | None:
    """The part of ``node`` that lets it match with none of its terms present (a NOT, an AND of NOTs, an OR
    alternative of them), or None: ``Khan (NOT Bollywood)`` needs Khan, ``Khan OR -Bollywood`` does not."""
    if isinstance(node, Not):
        return node
    if isinstance(node, Scoped):
        return _exclusions_only(node.child)
    if isinstance(node, And):
        return node if all(_exclusions_only(child) is not None for child in node.children) else None
    if isinstance(node, Or):
        return next((loose for child in node.children if (loose := _exclusions_only(child)) is not None), None)
    return None


def phrase(text: str) -> Term:
    """An alias or context phrase as a term; ValueError when it has no word to match."""
    try:
        return _term(text, 0, phrase=True)
    except QuerySyntaxError as exc:
        raise ValueError(f"invalid phrase: {exc.problem}") from None


def _near_side(node: Node, at: int) -> Node:
    """A side of NEAR: a word, a phrase, a prefix or a bracketed OR of them, optionally scoped (a side
    with AND or NOT has no single place in the text to measure from)."""
    if _alternatives(node.child if isinstance(node, Scoped) else node):
        return node
    raise QuerySyntaxError("each side of NEAR must be a word, a phrase or a bracketed OR of them", at)


def _alternatives(node: Node) -> bool:
    """Whether ``node`` is a term or an OR of terms."""
    return isinstance(node, Term) or (isinstance(node, Or) and all(_alternatives(c) for c in node.children))


def _acronym_key(word: str) -> str:
    """How an acronym is looked up, in a query and in a text alike: diacritics removed (by
    :func:`tokens`) and full-width capitals as plain ones ("ＰＴＩ" is PTI)."""
    return word if word.isascii() else unicodedata.normalize("NFKC", word)


def beyond_web_search(node: Node) -> set[str]:
    """The operators in ``node`` that a web search such as Google News does not read (``NEAR/n``,
    ``title:``, ``text:``)."""
    if isinstance(node, Near):
        return {"NEAR/n"} | beyond_web_search(node.left) | beyond_web_search(node.right)
    if isinstance(node, Scoped):
        return {f"{node.field}:"} | beyond_web_search(node.child)
    if isinstance(node, Not):
        return beyond_web_search(node.child)
    if isinstance(node, And | Or):
        return set().union(*(beyond_web_search(child) for child in node.children))
    return set()


def parse_query(query: str) -> Node:
    """Parse a watchlist query; raises QuerySyntaxError with the position of the problem."""
    return _Parser(query).parse()


class Doc:
    """Word positions of one field, for fast phrase look-up."""

    def __init__(self, text: str) -> None:
        self.tokens = tokens(text)
        self.words = normalized(self.tokens)
        self.index: dict[str, list[int]] = {}
        for i, w in enumerate(self.words):
            self.index.setdefault(w, []).append(i)
        self._cased: dict[str, list[int]] | None = None

    def cased_index(self) -> dict[str, list[int]]:
        """Positions of the words written in capitals (built only when an acronym is looked up)."""
        if self._cased is None:
            self._cased = {}
            for i, w in enumerate(self.tokens):
                if w.isupper():
                    self._cased.setdefault(_acronym_key(w), []).append(i)
        return self._cased

    def positions(self, term: Term) -> list[int]:
        """Where ``term`` starts in this field."""
        if term.acronym:
            return self.cased_index().get(term.parts[0], [])
        first, rest = term.parts[0], term.parts[1:]
        if not rest:
            if term.prefix:
                return sorted(p for w, ps in self.index.items() if w.startswith(first) for p in ps)
            return self.index.get(first, [])
        return [at for at in self.index.get(first, ()) if self._followed_by(at, rest, prefix=term.prefix)]

    def _followed_by(self, at: int, rest: tuple[str, ...], *, prefix: bool) -> bool:
        """Whether the words after ``at`` are ``rest`` (its last word a prefix of theirs with ``prefix``:
        ``Tehreek-e-Ins*`` is "tehreek e ins*")."""
        following = tuple(self.words[at + 1 : at + 1 + len(rest)])
        if not prefix or len(following) != len(rest):
            return following == rest
        return following[:-1] == rest[:-1] and following[-1].startswith(rest[-1])

    def has(self, term: Term) -> bool:
        return bool(self.positions(term))


Fields = Sequence[tuple[str, Doc]]


def evaluate(node: Node, fields: Fields, hits: list[tuple[Term, str]]) -> bool:
    if isinstance(node, Term):
        found = [name for name, doc in fields if doc.has(node)]
        hits.extend((node, name) for name in found)
        return bool(found)
    if isinstance(node, Not):
        return not evaluate(node.child, fields, [])
    if isinstance(node, Scoped):
        return evaluate(node.child, [(n, d) for n, d in fields if n == node.field], hits)
    if isinstance(node, Near):
        return _near(node, fields, hits)
    return _combine(node, fields, hits)


def _combine(node: And | Or, fields: Fields, hits: list[tuple[Term, str]]) -> bool:
    """An AND or OR; only the children that matched, of a node that matched, are evidence."""
    results: list[bool] = []
    kept: list[tuple[Term, str]] = []
    for child in node.children:
        child_hits: list[tuple[Term, str]] = []
        results.append(evaluate(child, fields, child_hits))
        if results[-1]:
            kept.extend(child_hits)
    ok = all(results) if isinstance(node, And) else any(results)
    if ok:
        hits.extend(kept)
    return ok


def _between(left: Term, a: int, right: Term, b: int) -> int:
    """How many words lie between two terms found at ``a`` and ``b``, whichever comes first."""
    return b - a - len(left.parts) if a <= b else a - b - len(right.parts)


def _near(node: Near, fields: Fields, hits: list[tuple[Term, str]]) -> bool:
    found = False
    scopes = {side.field for side in (node.left, node.right) if isinstance(side, Scoped)}
    for name, doc in fields:
        if scopes - {name}:  # a scoped side looks only in its field
            continue
        close = _close_terms(_starts(node.left, doc), _starts(node.right, doc), node.distance)
        if close:
            found = True
            hits.extend((term, name) for term in close)
    return found


def _close_terms(left: list[tuple[Term, int]], right: list[tuple[Term, int]], distance: int) -> list[Term]:
    """The terms of either side found within ``distance`` words of one of the other side. Each left
    occurrence looks only at the right ones in its window, so a long text with many occurrences of
    both sides takes time in proportion to them, not to their product."""
    if not left or not right:
        return []
    right = sorted(right, key=lambda found: found[1])
    starts = [at for _, at in right]
    longest = max(len(term.parts) for term, _ in right)
    close: dict[Term, None] = {}
    for lt, a in left:
        window = right[bisect_left(starts, a - distance - longest) : bisect_right(starts, a + len(lt.parts) + distance)]
        for rt, b in window:
            if 0 <= _between(lt, a, rt, b) <= distance:  # overlapping, they are one occurrence, not two
                close.update({lt: None, rt: None})
    return list(close)


def _starts(node: Node, doc: Doc) -> list[tuple[Term, int]]:
    return [(term, p) for term in _terms(node) for p in doc.positions(term)]


@functools.lru_cache(maxsize=4096)
def _terms(node: Node) -> tuple[Term, ...]:
    """The positive terms under ``node`` (cached: query trees are immutable)."""
    if isinstance(node, Term):
        return (node,)
    if isinstance(node, Not):
        return ()
    if isinstance(node, Scoped):
        return _terms(node.child)
    if isinstance(node, Near):
        return (*_terms(node.left), *_terms(node.right))
    return tuple(term for child in node.children for term in _terms(child))


class _Positives:
    """A topic's positive terms (those of its query not under a NOT, and its aliases), indexed
    for a fast "does any of them occur?". A topic can only match where one of them occurs: a
    query that could match without any of them does not parse."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self.by_first: dict[str, list[Term]] = {}
        prefixes: list[str] = []
        acronyms: set[str] = set()
        for term in terms:
            if term.acronym:
                acronyms.add(term.parts[0])
            elif term.prefix and len(term.parts) == 1:
                prefixes.append(term.parts[0])
            else:
                self.by_first.setdefault(term.parts[0], []).append(term)
        self.prefixes = tuple(prefixes)
        self.acronyms = frozenset(acronyms)

    def occur_in(self, doc: Doc) -> bool:
        for word in self.by_first.keys() & doc.index.keys():
            if any(doc.has(term) for term in self.by_first[word]):
                return True
        if self.prefixes and any(word.startswith(self.prefixes) for word in doc.index):
            return True
        return bool(self.acronyms) and not self.acronyms.isdisjoint(doc.cased_index())


@dataclass(frozen=True)
class TopicQuery:
    """A compiled topic: its query, alias phrases, context terms and languages."""

    name: str
    query: Node
    aliases: tuple[Term, ...]
    context: tuple[Term, ...] = ()
    languages: frozenset[str] = frozenset()

    @functools.cached_property
    def positives(self) -> _Positives:
        return _Positives((*_terms(self.query), *self.aliases))


def compile_topic(
    name: str, query: str, aliases: Iterable[str] = (), context: Iterable[str] = (), languages: Iterable[str] = (),
) -> TopicQuery:
    """Compile a topic's query; aliases and context terms are phrases."""
    return TopicQuery(name, parse_query(query), tuple(phrase(a) for a in aliases),
                      tuple(phrase(c) for c in context), frozenset(languages))
