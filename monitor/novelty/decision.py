"""What a judgement is made of: the article as read for judging, the stories it was compared with,
the sentences checked, and the decision with its reasons (what ``monitor explain`` shows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from monitor.novelty.embed import Matrix
from monitor.novelty.features import FAR_DAYS, Report
from monitor.types import Judgement


@dataclass(frozen=True)
class SentenceCheck:
    """How one sentence was judged: its closest known sentence and the facts it adds."""

    sentence: str
    novel: bool
    similarity: float
    closest: str
    new_facts: tuple[str, ...]
    source: str = ""  # the key of the document the closest sentence is from ("item:12", a seed's key)


@dataclass(frozen=True)
class Candidate:
    """A story the article was compared with: its score and the best pair's channels."""

    story: int
    score: float
    channels: tuple[tuple[str, float], ...]
    days_apart: float | None = None  # from the story's nearest dated report (None: no dates, or a seed story)
    title: str = ""  # the title of the story's earliest report the judge holds

    @property
    def too_far(self) -> bool:
        """Published more than a week from every dated report of the story: another event. A seed
        story is known coverage of its theme and never too far."""
        return self.days_apart is not None and self.days_apart > FAR_DAYS


@dataclass(frozen=True)
class Decision:
    """A judgement with its reasons (for ``monitor explain``)."""

    judgement: Judgement
    checks: tuple[SentenceCheck, ...]
    neighbours: tuple[tuple[str, float], ...]
    layer: str
    candidates: tuple[Candidate, ...] = ()
    development: float = 0.0
    development_features: tuple[tuple[str, float], ...] = ()
    merged: tuple[int, ...] = ()  # stories this article showed to report its story's event, folded into it
    ruled_out: str = ""  # why the development model was not asked (dated before the seeds, commentary), else ""
    lead: str = ""  # what the multilingual model read: the title and the first paragraph
    dated: bool = True  # False: the article states no publication date, so no date was evidence


@dataclass
class Prepared:
    """An article read for judging (sentences, facts, vectors): the costly part of a judgement,
    independent of what is known, so it is done outside the judge's lock."""

    key: str
    title: str
    text: str
    when: datetime
    language: str
    dated: bool
    sentences: list[str] = field(default_factory=list)
    vectors: Matrix | None = None
    report: Report | None = None
    facts: set[str] = field(default_factory=set)
    sentence_facts: list[set[str]] = field(default_factory=list)
    lead: str = ""  # the title and the first paragraph, as the multilingual model reads them
    utc_offset: int | None = None  # the publisher's UTC offset in minutes (east), when its date stated one
