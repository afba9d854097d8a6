"""What the novelty judge remembers: known documents (seeds and earlier items) and stories.

Everything lives in memory as numpy arrays; ``NoveltyIndex`` is rebuilt from the database
at start-up (seeds, then the recent items) and grows as articles are judged. Seed stories
never expire; other documents take part in story linking for ``window`` after they appear.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from monitor.novelty.embed import Matrix

SHINGLE = 3
Shingles = np.ndarray[Any, np.dtype[np.uint64]]
HalfMatrix = np.ndarray[Any, np.dtype[np.float16]]


@dataclass
class KnownDoc:
    """One known document: its sentences and their vectors, words, facts and shingles."""

    key: str
    story: int
    seed: bool
    when: datetime
    centroid: Matrix
    sentences: list[str]
    vectors: HalfMatrix  # float16: half the memory; similarities are computed in float32
    vocabulary: frozenset[str]
    text: str  # normalised, space-padded: dates and quotations are looked up in it
    shingles: Shingles
    facts: set[str]
    lead: str = ""  # title and opening, for cross-language comparison
    cross: Matrix | None = None  # its multilingual vector, computed when first needed


@dataclass
class Story:
    """Documents about one event: a running centroid, the names in it, and when it was last seen."""

    id: int
    seed: bool
    total: Matrix
    names: set[str]
    first_seen: datetime
    last_seen: datetime
    docs: list[int] = field(default_factory=list)
    title: str = ""

    @property
    def centroid(self) -> Matrix:
        norm = float(np.linalg.norm(self.total))
        result: Matrix = (self.total / max(norm, 1e-12)).astype(np.float32)
        return result


class NoveltyIndex:
    """Known documents and stories, with a stacked centroid matrix for fast nearest-neighbour search."""

    def __init__(self, dim: int, window: timedelta = timedelta(days=14)) -> None:
        self.dim = dim
        self.window = window
        self.docs: list[KnownDoc] = []
        self.stories: dict[int, Story] = {}
        self.hashes: dict[str, int] = {}
        self.document_frequency: Counter[str] = Counter()
        self.seed_docs: list[int] = []
        self._centroids = np.zeros((0, dim), dtype=np.float32)
        self._next_story = 1

    def nearest_docs(self, centroid: Matrix, now: datetime, k: int = 8, floor: float = 0.5) -> list[tuple[int, float]]:
        """Up to ``k`` known documents most similar to ``centroid`` (seeds always, others within the window)."""
        if not self.docs:
            return []
        scores = self._centroids[: len(self.docs)] @ centroid
        order = np.argsort(-scores)
        found: list[tuple[int, float]] = []
        for index in order:
            score = float(scores[index])
            if score < floor or len(found) >= k:
                break
            doc = self.docs[int(index)]
            if doc.seed or now - doc.when <= self.window:
                found.append((int(index), score))
        return found

    def reserve_story_ids(self, next_id: int) -> None:
        """New stories get ids from ``next_id`` on (ids already stored are taken)."""
        self._next_story = max(self._next_story, next_id)

    def new_story(self, seed: bool, when: datetime, title: str = "", story_id: int | None = None) -> Story:
        story_id = story_id or self._next_story
        self._next_story = max(self._next_story, story_id + 1)
        story = Story(story_id, seed, np.zeros(self.dim, dtype=np.float32), set(), when, when, title=title)
        self.stories[story_id] = story
        return story

    def add(self, doc: KnownDoc, content_hash: str) -> int:
        """Remember ``doc`` in its story; returns its index."""
        index = len(self.docs)
        self.docs.append(doc)
        if index >= len(self._centroids):
            grown = np.zeros((max(64, 2 * len(self._centroids)), self.dim), dtype=np.float32)
            grown[: len(self._centroids)] = self._centroids
            self._centroids = grown
        self._centroids[index] = doc.centroid
        story = self.stories[doc.story]
        story.total = story.total + doc.centroid
        story.names |= {f for f in doc.facts if f.startswith("p:")}
        story.last_seen = max(story.last_seen, doc.when)
        story.docs.append(index)
        self.hashes.setdefault(content_hash, index)
        self.document_frequency.update(doc.vocabulary)
        if doc.seed:
            self.seed_docs.append(index)
        return index

    def idf(self, word: str) -> float:
        """How rare ``word`` is among the known documents (0 when unknown)."""
        seen = self.document_frequency.get(word, 0)
        return math.log((1 + len(self.docs)) / seen) if seen else 0.0

    def prune(self, now: datetime) -> int:
        """Forget documents (not seeds) older than the window and stories with none left; returns how many.

        Only documents inside the window take part in story linking, so this keeps memory bounded in
        a long run without changing any judgement. Document indices are renumbered.
        """
        keep = [i for i, d in enumerate(self.docs) if d.seed or now - d.when <= self.window]
        if len(keep) == len(self.docs):
            return 0
        renumber = {old: new for new, old in enumerate(keep)}
        dropped = len(self.docs) - len(keep)
        self.docs = [self.docs[i] for i in keep]
        self._centroids = np.array([d.centroid for d in self.docs], dtype=np.float32).reshape(-1, self.dim)
        self.seed_docs = [renumber[i] for i in self.seed_docs]
        self.hashes = {h: renumber[i] for h, i in self.hashes.items() if i in renumber}
        for story_id in list(self.stories):
            story = self.stories[story_id]
            story.docs = [renumber[i] for i in story.docs if i in renumber]
            if not story.docs and not story.seed:
                del self.stories[story_id]
        self.document_frequency = Counter(w for d in self.docs for w in d.vocabulary)
        return dropped

    def memory_bytes(self) -> int:
        """The arrays' memory (vectors and centroids), for the benchmark."""
        vectors = sum(d.vectors.nbytes + d.centroid.nbytes for d in self.docs)
        return int(vectors + self._centroids.nbytes)
