"""``monitor replay``: run the relevance and novelty stages over a JSON-lines file, offline.

Each input line is ``{"id", "url", "title", "published", "text"}`` (``html`` optional: it is
extracted). Items are judged in file order, as if they arrived one by one, after the seed
corpus is loaded. One output line per input item::

    {"id", "relevant", "topics", "story", "verdict", "vs_seeds", "novel_sentences", "score"}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.config import Config
from monitor.errors import UsageError
from monitor.extract import extract_article
from monitor.language import detect_language
from monitor.match import match
from monitor.novelty.engine import SEED_TIME, new_judge
from monitor.novelty.judge import Decision
from monitor.novelty.model import Models
from monitor.seeds import read_seeds


@dataclass(frozen=True)
class ReplayItem:
    id: str
    url: str
    title: str
    published: datetime | None
    text: str
    html: str = ""


def read_items(path: Path) -> Iterator[ReplayItem]:
    """The items of a JSON-lines file; a malformed line is a UsageError naming its line."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                yield _item(line, f"{path}:{number}")


def _item(line: str, where: str) -> ReplayItem:
    try:
        data: Any = json.loads(line)
        published = data.get("published")
        return ReplayItem(
            id=str(data["id"]), url=str(data.get("url") or ""), title=str(data.get("title") or ""),
            published=datetime.fromisoformat(published).astimezone(UTC) if published else None,
            text=str(data.get("text") or ""), html=str(data.get("html") or ""),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"{where}: not a replay item ({type(exc).__name__}: {exc})") from exc


def replay(
    items: Iterable[ReplayItem], config: Config, *, seeds_dir: Path | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None, models: Models | None = None,
    observe: Callable[[str, Decision], None] | None = None,
) -> list[dict[str, Any]]:
    """Judge ``items`` in order; returns one result dict per item. An item without a publication
    date is judged at the latest date seen so far, and its date is not used as evidence."""
    judge = new_judge(config.novelty.settings(), read_seeds(seeds_dir or config.seeds_dir), models)
    topics = config.compiled_topics()
    results = []
    clock = SEED_TIME
    for item in items:
        clock = max(clock, item.published or clock)
        text, title, language = item.text, item.title, ""
        if item.html:
            article = extract_article(item.html, url=item.url, summary=item.text)
            text, title, language = article.text, item.title or article.title, article.language
        language = language or detect_language(text)
        relevance = match(topics, title, text, language)
        result: dict[str, Any] = {"id": item.id, "relevant": relevance.relevant, "topics": list(relevance.topics),
                                  "story": None, "verdict": None, "vs_seeds": None, "novel_sentences": [],
                                  "score": 0.0}
        if relevance.relevant:
            decision = judge.judge(item.id, title, text, item.published or clock, language,
                                   dated=item.published is not None)
            if observe is not None:
                observe(item.id, decision)
            judgement = decision.judgement
            result.update(story=f"s{judgement.story}", verdict=judgement.verdict, vs_seeds=judgement.vs_seeds,
                          novel_sentences=list(judgement.novel_sentences), score=judgement.score)
        results.append(result)
        if progress is not None:
            progress(result)
    for result in results:  # stories merged later hold their earlier reports
        if result["story"] is not None:
            result["story"] = f"s{judge.index.current(int(result['story'][1:]))}"
    return results
