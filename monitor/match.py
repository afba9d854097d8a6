"""Relevance with evidence: which topics an article is about, and the terms that show it.

A topic matches an article when its query matches (or one of its alias phrases occurs), when at
least one of its context terms occurs (if it has any), and when the article's language is one of
the topic's languages (if it lists any). The query language is :mod:`monitor.query`.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.query import Doc, Fields, Term, TopicQuery, evaluate
from monitor.types import Evidence, Relevance


def match(topics: Sequence[TopicQuery], title: str, text: str, language: str = "") -> Relevance:
    """Which of ``topics`` the article (title, text, language) is about, with the evidence."""
    fields = (("title", Doc(title)), ("text", Doc(text)))
    matched: list[str] = []
    evidence: list[Evidence] = []
    score = 0.0
    for topic in topics:
        hits = _topic_hits(topic, fields, language)
        if hits is None:
            continue
        matched.append(topic.name)
        for term, where in dict.fromkeys(hits):
            evidence.append(Evidence(topic.name, term.label.strip('"'), "title" if where == "title" else "text"))
            score += 2.0 if where == "title" else 1.0
    return Relevance(tuple(matched), tuple(evidence), min(1.0, score / 6.0))


def _topic_hits(topic: TopicQuery, fields: Fields, language: str) -> list[tuple[Term, str]] | None:
    if topic.languages and language and language not in topic.languages:
        return None
    if not any(topic.positives.occur_in(doc) for _, doc in fields):
        return None
    hits: list[tuple[Term, str]] = []
    ok = evaluate(topic.query, fields, hits)
    for alias in topic.aliases:
        alias_hits = [(alias, name) for name, doc in fields if doc.has(alias)]
        hits.extend(alias_hits)
        ok = ok or bool(alias_hits)
    if not ok:
        return None
    if topic.context:
        context_hits = [(term, name) for term in topic.context for name, doc in fields if doc.has(term)]
        if not context_hits:
            return None
        hits.extend(context_hits)
    return hits


def may_match(topics: Sequence[TopicQuery], title: str, text: str) -> bool:
    """A cheap, lenient first check: does any positive term or alias of any topic occur?

    Used on a feed's title and teaser to decide whether the full article is worth
    fetching; the full query is then applied to the article text.
    """
    docs = (Doc(title), Doc(text))
    return any(topic.positives.occur_in(doc) for topic in topics for doc in docs)
