"""``monitor replay``: run the relevance and novelty stages over a JSON-lines file, offline.

Each input line is ``{"id", "url", "title", "published", "text"}`` (``html`` optional: it is
extracted). Items are judged in file order, as if they arrived one by one, after the seed
corpus is loaded. One output line per input item::

    {"id", "relevant", "topics", "story", "verdict", "vs_seeds", "novel_sentences", "score"}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.config import Config
from monitor.errors import UsageError
from monitor.extract import extract_article
from monitor.language import detect_language
from monitor.match import match
from monitor.novelty.decision import Decision
from monitor.novelty.engine import SEED_TIME, new_judge
from monitor.novelty.judge import NoveltyJudge
from monitor.novelty.model import Models
from monitor.seeds import read_seeds
from monitor.types import Verdict, VsSeeds
from monitor.untrusted import clean_text, cut_raw, one_line


@dataclass(frozen=True)
class ReplayItem:
    id: str
    url: str
    title: str
    published: datetime | None
    text: str
    html: str = ""
    utc_offset: int | None = None  # the offset ``published`` was stated in (minutes east of UTC), if any


def read_items(path: Path) -> Iterator[ReplayItem]:
    """The items of a JSON-lines file (UTF-8); a malformed line is a UsageError naming its line.
    Each field is capped and cleaned as a polled article's would be."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            if raw.strip():
                yield _item(raw, f"{path}:{number}")


def _item(raw: bytes, where: str) -> ReplayItem:
    try:
        data: Any = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise TypeError(f"a JSON object, not {type(data).__name__}")
        published = _field(data, "published")
        stated = datetime.fromisoformat(published) if published else None
        offset = stated.utcoffset() if stated else None
        ident = data["id"]
        if isinstance(ident, bool) or not isinstance(ident, str | int):
            raise TypeError(f"id must be a string or an integer, not {type(ident).__name__}")
        return ReplayItem(
            id=one_line(str(ident), "guid"), url=one_line(_field(data, "url"), "url"),
            title=one_line(_field(data, "title"), "title"),
            published=_utc(stated) if stated else None,
            text=clean_text(_field(data, "text")), html=cut_raw(_field(data, "html"), "text"),
            utc_offset=None if offset is None else int(offset.total_seconds() // 60),
        )
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError) as exc:
        raise UsageError(f"{where}: not a replay item ({type(exc).__name__}: {exc})") from exc


def _utc(when: datetime) -> datetime:
    """A publication time in UTC; one without an offset (``2025-09-03``) is read as UTC, whatever the
    machine's time zone, so that a replay judges the same days everywhere."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _field(data: dict[str, Any], name: str) -> str:
    """A text field of an item: a string, or absent or null (empty)."""
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    return value


@dataclass(frozen=True)
class ReplayResult:
    """How one replayed item was judged (``story`` is None for an irrelevant item)."""

    id: str
    relevant: bool
    topics: tuple[str, ...] = ()
    story: str | None = None
    verdict: Verdict | None = None
    vs_seeds: VsSeeds | None = None
    novel_sentences: tuple[str, ...] = ()
    score: float = 0.0

    def row(self) -> dict[str, object]:
        """The result as a line of ``monitor replay``'s output (what a corpus scorer reads)."""
        return {"id": self.id, "relevant": self.relevant, "topics": list(self.topics), "story": self.story,
                "verdict": self.verdict, "vs_seeds": self.vs_seeds, "novel_sentences": list(self.novel_sentences),
                "score": self.score}


def replay(
    items: Iterable[ReplayItem], config: Config, *, seeds_dir: Path | None = None,
    progress: Callable[[ReplayResult], None] | None = None, models: Models | None = None,
    observe: Callable[[str, Decision], None] | None = None,
) -> list[ReplayResult]:
    """Judge ``items`` in order; returns one result per item. An item without a publication date
    is judged at the latest date seen so far, and its date is not used as evidence; the relative
    dates of one whose date states a UTC offset count from that offset's calendar day, as the
    service counts them."""
    judge = new_judge(config.novelty.settings(), read_seeds(seeds_dir or config.seeds_dir), models)
    topics = config.compiled_topics()
    results: list[ReplayResult] = []
    clock = SEED_TIME
    try:
        for item in items:
            clock = max(clock, item.published or clock)
            text, title, language = item.text, item.title, ""
            if item.html:
                article = extract_article(item.html, url=item.url, summary=item.text)
                text, title, language = article.text, item.title or article.title, article.language
            language = language or detect_language(text)
            relevance = match(topics, title, text, language)
            result = ReplayResult(item.id, relevance.relevant, tuple(relevance.topics))
            if relevance.relevant:
                decision = judge.judge(item.id, title, text, item.published or clock, language,
                                       dated=item.published is not None, utc_offset=item.utc_offset)
                if observe is not None:
                    observe(item.id, decision)
                j = decision.judgement
                result = replace(result, story=f"s{j.story}", verdict=j.verdict, vs_seeds=j.vs_seeds,
                                 novel_sentences=tuple(j.novel_sentences), score=j.score)
            results.append(result)
            if progress is not None:
                progress(result)
    except KeyboardInterrupt as stop:
        raise ReplayInterrupted(_merged(judge, results)) from stop
    return _merged(judge, results)


class ReplayInterrupted(KeyboardInterrupt):
    """Ctrl-C during a replay; ``results`` are those of the items judged before it, in order."""

    def __init__(self, results: list[ReplayResult]) -> None:
        super().__init__()
        self.results = results


def _merged(judge: NoveltyJudge, results: list[ReplayResult]) -> list[ReplayResult]:
    """The results with each story named as it ends: stories merged later hold their earlier reports."""
    return [replace(r, story=f"s{judge.current_story(int(r.story[1:]))}") if r.story else r for r in results]
