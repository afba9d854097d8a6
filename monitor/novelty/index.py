"""What the novelty judge remembers: known documents (seeds and earlier items) and stories.

Everything lives in memory as numpy arrays; ``NoveltyIndex`` is rebuilt from the database
at start-up (seeds, then the recent items) and grows as articles are judged. Seed stories
never expire; other documents take part in story linking for ``window`` after they appear.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from monitor.novelty.embed import Matrix
from monitor.novelty.features import Report
from monitor.novelty.profile import Profile

SHINGLE = 3
_COMMON = 500  # a name or number held by more open reports than this is not used to find candidates
Shingles = np.ndarray[Any, np.dtype[np.uint64]]
HalfMatrix = np.ndarray[Any, np.dtype[np.float16]]


@dataclass
class KnownDoc:
    """One known document: its report (the channels stories are compared on), its sentences and
    their vectors, words, facts and shingles."""

    key: str
    story: int
    seed: bool
    when: datetime
    report: Report
    sentences: list[str]
    vectors: HalfMatrix  # float16: half the memory; similarities are computed in float32
    vocabulary: frozenset[str]
    text: str  # normalised, space-padded
    shingles: Shingles
    facts: set[str]
    development: float = 0.0  # the probability that it reported a development the seeds lack
    lead: str = ""  # what the multilingual vector is computed from, when it is first needed
    days: frozenset[str] = frozenset()  # the days of a month its text states (facts.stated_days)


@dataclass
class Story:
    """Documents about one event, when it was last seen, and whether its development was announced."""

    id: int
    seed: bool
    first_seen: datetime
    last_seen: datetime
    docs: list[int] = field(default_factory=list)
    title: str = ""
    announced: bool = False


class _Idf(Mapping[str, float]):
    """Inverse document frequencies over the known documents, computed on demand (smoothed: a term
    never seen weighs most)."""

    def __init__(self, frequency: Counter[str], documents: int) -> None:
        self._frequency, self._documents = frequency, documents

    def __getitem__(self, term: str) -> float:
        return math.log((self._documents + 1) / (self._frequency.get(term, 0) + 1)) + 1.0

    def get(self, term: str, default: Any = None) -> float:
        return self[term]

    def __iter__(self) -> Iterator[str]:
        return iter(self._frequency)

    def __len__(self) -> int:
        return len(self._frequency)


class NoveltyIndex:
    """Known documents and stories, with stacked vectors for fast nearest-neighbour search and an
    inverted index of names and numbers."""

    def __init__(self, dim: int, window: timedelta = timedelta(days=14), cross_dim: int = 384) -> None:
        self.dim = dim
        self.window = window
        self.docs: list[KnownDoc] = []
        self.stories: dict[int, Story] = {}
        self.hashes: dict[str, int] = {}
        self.term_frequency: Counter[str] = Counter()
        self.seed_docs: list[int] = []
        self._dense = np.zeros((0, dim), dtype=np.float32)
        self._cross = np.zeros((0, cross_dim), dtype=np.float32)
        self._crossed = np.zeros(0, dtype=bool)  # which rows of _cross hold a vector
        self._postings: defaultdict[str, list[int]] = defaultdict(list)
        self._next_story = 1
        self.merged: dict[int, int] = {}  # story id -> the story it was folded into

    def idf_map(self) -> Mapping[str, float]:
        """The current inverse document frequencies of profile terms."""
        return _Idf(self.term_frequency, len(self.docs))

    def nearest_docs(
        self, vector: Matrix, now: datetime | None, k: int = 8, floor: float = 0.5,
    ) -> list[tuple[int, float]]:
        """Up to ``k`` known documents most similar to ``vector`` (seeds always, others within the window
        of ``now``; every document when ``now`` is None, i.e. the article's date is unknown)."""
        return self._nearest(self._dense, vector, now, k, floor)

    def nearest_cross(self, vector: Matrix, now: datetime | None, k: int = 8) -> list[tuple[int, float]]:
        """The same, under the multilingual embedder, among the documents whose vector is known."""
        return self._nearest(self._cross, vector, now, k, 0.0, usable=self._crossed)

    def set_cross(self, index: int, vector: Matrix) -> None:
        """Give a reloaded document its multilingual vector."""
        doc = self.docs[index]
        doc.report = replace(doc.report, cross=vector)
        self._cross[index] = vector
        self._crossed[index] = True

    def _nearest(
        self, matrix: Matrix, vector: Matrix, now: datetime | None, k: int, floor: float, *, usable: Any = None,
    ) -> list[tuple[int, float]]:
        if not self.docs:
            return []
        scores = matrix[: len(self.docs)] @ vector
        if usable is not None:
            scores = np.where(usable[: len(self.docs)], scores, -np.inf)
        found: list[tuple[int, float]] = []
        for index in np.argsort(-scores):
            score = float(scores[index])
            if score < floor or len(found) >= k:
                break
            if self._open(self.docs[int(index)], now):
                found.append((int(index), score))
        return found

    def sharing(self, profile: Profile, now: datetime | None, k: int = 8) -> list[int]:
        """Up to ``k`` open documents sharing the rarest names and numbers with ``profile``."""
        idf = self.idf_map()
        weights: defaultdict[int, float] = defaultdict(float)
        for key in [f"@{n}" for n in profile.names] + [f"#{n}" for n in profile.numbers]:
            postings = self._postings.get(key, ())
            if len(postings) > _COMMON:
                continue  # a name in hundreds of reports does not single out an event
            for index in postings:
                weights[index] += idf[key]
        ranked = sorted(weights, key=lambda i: -weights[i])
        return [i for i in ranked if self._open(self.docs[i], now)][:k]

    def _open(self, doc: KnownDoc, now: datetime | None) -> bool:
        """Seeds never close; a document without a known date is compared by meaning alone."""
        return doc.seed or now is None or doc.report.published is None or abs(now - doc.when) <= self.window

    @property
    def next_story_id(self) -> int:
        """The id a new story would get here (above every seed story and every story known)."""
        return self._next_story

    def new_story(self, seed: bool, when: datetime, title: str = "", story_id: int | None = None) -> Story:
        story_id = story_id or self._next_story
        self._next_story = max(self._next_story, story_id + 1)
        story = Story(story_id, seed, when, when, title=title)
        self.stories[story_id] = story
        return story

    def merge(self, keep: int, gone: int) -> None:
        """Fold story ``gone`` into ``keep``: two stories turned out to report one event."""
        kept, folded = self.stories[keep], self.stories.pop(gone)
        for index in folded.docs:
            self.docs[index].story = keep
        kept.docs = sorted(kept.docs + folded.docs)
        kept.first_seen, kept.last_seen = min(kept.first_seen, folded.first_seen), max(kept.last_seen, folded.last_seen)
        kept.announced = kept.announced or folded.announced
        self.merged[gone] = keep

    def current(self, story_id: int) -> int:
        """The story ``story_id`` is now part of (itself unless it was merged)."""
        while story_id in self.merged:
            story_id = self.merged[story_id]
        return story_id

    def add(self, doc: KnownDoc, content_hash: str) -> int:
        """Remember ``doc`` in its story; returns its index."""
        index = len(self.docs)
        self.docs.append(doc)
        self._dense = _put(self._dense, index, doc.report.dense)
        cross = doc.report.cross
        missing = np.zeros(self._cross.shape[1], np.float32)
        self._cross = _put(self._cross, index, cross if cross is not None else missing)
        if len(self._crossed) < len(self._cross):
            grown = np.zeros(len(self._cross), dtype=bool)
            grown[: len(self._crossed)] = self._crossed
            self._crossed = grown
        self._crossed[index] = cross is not None
        story = self.stories[doc.story]
        story.last_seen = max(story.last_seen, doc.when)
        story.docs.append(index)
        self.hashes.setdefault(content_hash, index)
        self.term_frequency.update(doc.report.profile.terms)
        for key in _posting_keys(doc.report.profile):
            self._postings[key].append(index)
        if doc.seed:
            self.seed_docs.append(index)
        return index

    def prune(self, now: datetime) -> int:
        """Forget documents (not seeds) older than the window and stories with none left; returns how many.

        Only documents inside the window are candidates for story linking, so this keeps memory
        bounded in a long run. The one judgement it can change is of an article dated more than a
        window before the latest: the week rule reads the dates of every report of a candidate story,
        pruned or not yet. Document indices are renumbered.
        """
        keep = [i for i, d in enumerate(self.docs) if d.seed or now - d.when <= self.window]
        if len(keep) == len(self.docs):
            return 0
        renumber = {old: new for new, old in enumerate(keep)}
        dropped = len(self.docs) - len(keep)
        self.docs = [self.docs[i] for i in keep]
        self._dense = np.array([d.report.dense for d in self.docs], dtype=np.float32).reshape(-1, self.dim)
        width = self._cross.shape[1]
        self._cross = np.array([d.report.cross if d.report.cross is not None else np.zeros(width) for d in self.docs],
                               dtype=np.float32).reshape(-1, width)
        self._crossed = np.array([d.report.cross is not None for d in self.docs], dtype=bool)
        self.seed_docs = [renumber[i] for i in self.seed_docs]
        self.hashes = {h: renumber[i] for h, i in self.hashes.items() if i in renumber}
        for story_id in list(self.stories):
            story = self.stories[story_id]
            story.docs = [renumber[i] for i in story.docs if i in renumber]
            if not story.docs and not story.seed:
                del self.stories[story_id]
        self.term_frequency = Counter(t for d in self.docs for t in d.report.profile.terms)
        self._postings = defaultdict(list)
        for index, doc in enumerate(self.docs):
            for key in _posting_keys(doc.report.profile):
                self._postings[key].append(index)
        return dropped

    def memory_bytes(self) -> int:
        """The arrays' memory (vectors), for the benchmark."""
        vectors = sum(d.vectors.nbytes + d.report.dense.nbytes for d in self.docs)
        return int(vectors + self._dense.nbytes + self._cross.nbytes)


def _posting_keys(profile: Profile) -> list[str]:
    return [f"@{n}" for n in profile.names] + [f"#{n}" for n in profile.numbers]


def _put(matrix: Matrix, index: int, row: Matrix) -> Matrix:
    """``matrix`` with ``row`` at ``index``, grown by doubling when full."""
    if index >= len(matrix):
        grown = np.zeros((max(64, 2 * len(matrix)), matrix.shape[1]), dtype=np.float32)
        grown[: len(matrix)] = matrix
        matrix = grown
    matrix[index] = row
    return matrix
