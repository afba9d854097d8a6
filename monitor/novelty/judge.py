"""The novelty judge: is an article a new development, an update to a known story, or a repeat?

Layers, each cheap before the next:

1. **exact**: the normalised text was seen before;
2. **syndicated copy**: its word 3-shingles are contained (``duplicate_containment``) in a
   similar known document (wire copies, excerpts): it joins that document's story, and it is a
   repeat unless its remaining sentences add a fact (a reprint with a new paragraph);
3. **story**: the nearest story (cosine of whole-article vectors, at least ``story_link``)
   that shares a name with it; none means a new story. Seed stories never expire;
4. **sentences**: a sentence is *novel* when it brings a new fact (name, number, date or
   quotation) and no known sentence (seeds, the story, the most similar documents) is
   ``sentence_high`` similar to it, or when nothing known is even ``sentence_low`` similar.

Verdict: the article is a development when a novel sentence brings a new fact; without one
it is a ``repeat`` (copies, rewrites, translations, background pieces). A development is
``new`` when it starts a story or when at least ``new_share`` of its sentences are
developments (a new turn in a known story line), else an ``update``. ``vs_seeds`` repeats the
sentence layer against the seed corpus alone. Articles in a language the embedder does not
cover are compared through the numbers and names they share with known documents.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from monitor.novelty.embed import Embedder, Matrix, cross_lingual
from monitor.novelty.facts import new_facts, quote_facts, sentence_facts, vocabulary
from monitor.novelty.index import SHINGLE, KnownDoc, NoveltyIndex, Shingles, Story
from monitor.novelty.text import content_hash, normalize_text, sentences
from monitor.types import Judgement, Verdict, VsSeeds

_NEIGHBOURS, _NEIGHBOUR_FLOOR = 16, 0.45  # documents whose sentences and words count as known
_PRUNE_EVERY = 500  # articles between two sweeps of documents older than the story window
_ANCHOR_SHARE = 0.5  # share of a translation's rare anchors (weighted by rarity) a story must hold
_CROSS_DOCS, _CROSS_LINK = 300, 0.86  # recent documents compared across languages; similarity that links


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds; the defaults are calibrated for the wordllama embedder."""

    sentence_low: float = 0.30
    sentence_high: float = 0.80
    story_link: float = 0.78
    duplicate_containment: float = 0.8
    new_share: float = 0.75
    min_sentence_chars: int = 25
    languages: frozenset[str] = frozenset({"en"})


@dataclass(frozen=True)
class SentenceCheck:
    """How one sentence was judged: its closest known sentence and the facts it adds."""

    sentence: str
    novel: bool
    similarity: float
    closest: str
    new_facts: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """A judgement with its reasons (for ``monitor explain``)."""

    judgement: Judgement
    checks: tuple[SentenceCheck, ...]
    neighbours: tuple[tuple[str, float], ...]
    layer: str


@dataclass
class _Article:
    key: str
    title: str
    text: str
    when: datetime
    language: str
    sentences: list[str] = field(default_factory=list)
    vectors: Matrix | None = None
    centroid: Matrix | None = None
    facts: set[str] = field(default_factory=set)
    sentence_facts: list[set[str]] = field(default_factory=list)


class NoveltyJudge:
    """Judges articles against everything it knows, then remembers them."""

    def __init__(self, embedder: Embedder, thresholds: Thresholds | None = None, index: NoveltyIndex | None = None):
        self.embedder = embedder
        self.t = thresholds or Thresholds()
        self.index = index or NoveltyIndex(embedder.dim)
        self._lock = threading.Lock()  # polling threads judge concurrently; the index is shared
        self._since_prune = 0

    # -- public ---------------------------------------------------------------------------

    def add_seed(self, key: str, title: str, text: str, when: datetime) -> int:
        """Load a seed article as known coverage; returns its story id (seeds about one event share one)."""
        article = self._prepare(key, title, text, when, "en")
        story = self._link(article, self.index.nearest_docs(self._centroid(article), when))
        story = story or self.index.new_story(seed=True, when=when, title=title)
        self._remember(article, story, seed=True)
        return story.id

    def judge(
        self, key: str, title: str, text: str, when: datetime, language: str = "en", *, remember: bool = True,
    ) -> Decision:
        """Judge one article (and, with ``remember``, add it to what is known)."""
        article = self._prepare(key, title, text, when, language or "en")
        with self._lock:
            if article.language not in self.t.languages:
                decision, story = self._judge_by_facts(article)
            else:
                decision, story = self._judge_by_meaning(article)
            if remember:
                story = story or self.index.new_story(seed=False, when=when, title=title)
                self._remember(article, story, seed=False)
                decision = _with_story(decision, story.id)
        return decision

    def remember(
        self, key: str, title: str, text: str, when: datetime, *, story_id: int | None, language: str,
    ) -> None:
        """Add an already judged article (rebuilding after a restart) to its stored story."""
        article = self._prepare(key, title, text, when, language or "en")
        with self._lock:
            story = self.index.stories.get(story_id or 0) or self.index.new_story(False, when, title, story_id)
            self._remember(article, story, seed=False)

    # -- layers ---------------------------------------------------------------------------

    def _judge_by_meaning(self, article: _Article) -> tuple[Decision, Story | None]:
        centroid = self._centroid(article)
        digest = content_hash(article.text)
        if digest in self.index.hashes:
            doc = self.index.docs[self.index.hashes[digest]]
            return self._repeat(doc, "exact"), self.index.stories[doc.story]
        neighbours = self.index.nearest_docs(centroid, article.when, k=_NEIGHBOURS, floor=_NEIGHBOUR_FLOOR)
        copy = self._syndicated(article, neighbours)
        # A copy belongs to its original's story; the sentences still decide, because a reprint
        # that adds a paragraph is a development, not a copy.
        story = self.index.stories[copy.story] if copy is not None else self._link(article, neighbours)
        pool = self._pool(neighbours, story)
        checks = self._check(article, pool)
        seed_checks = self._check(article, [self.index.docs[i] for i in self.index.seed_docs])
        novel = [c.sentence for c in checks if c.novel]
        developments = [c for c in checks if c.novel and c.new_facts]
        share = len(developments) / max(len(checks), 1)
        verdict: Verdict = "repeat"
        if developments:
            verdict = "new" if story is None or share >= self.t.new_share else "update"
        shown = [c.sentence for c in checks if c.novel and (c.new_facts or verdict == "new")] if developments else []
        judgement = Judgement(
            verdict=verdict, vs_seeds=_vs_seeds(seed_checks), score=round(share, 4),
            novel_sentences=tuple(shown), known_sentences=len(checks) - len(novel), total_sentences=len(checks),
        )
        names = tuple((self.index.docs[i].key, round(s, 3)) for i, s in neighbours)
        layer = "syndicated copy" if copy is not None and verdict == "repeat" else "sentences"
        return Decision(judgement, tuple(checks), names, layer), story

    def _judge_by_facts(self, article: _Article) -> tuple[Decision, Story | None]:
        """For a language the embedder does not cover: link through shared rare anchors (numbers and
        names also written in known documents), and count only new numbers as new facts."""
        anchors = {w for f in article.facts if f[0] in "np" for w in f[2:].split() if self.index.idf(w) > 0}
        weight = sum(self.index.idf(w) for w in anchors)
        linked, best = None, 0.0
        for story in self.index.stories.values():
            if story.docs and (story.seed or article.when - story.last_seen <= self.index.window):
                vocab = set().union(*(self.index.docs[i].vocabulary for i in story.docs))
                score = sum(self.index.idf(w) for w in anchors & vocab) / weight if weight else 0.0
                if score > best:
                    linked, best = story, score
        if best < _ANCHOR_SHARE:
            linked = self._link_across_languages(article)
        vocab = set().union(*(self.index.docs[i].vocabulary for i in linked.docs)) if linked else set()
        checks = []
        for sentence, found in zip(article.sentences, article.sentence_facts, strict=True):
            numbers = {f for f in found if f.startswith("n:")}
            fresh = new_facts(numbers, vocab, "") if linked else {"?"}
            checks.append(SentenceCheck(sentence, bool(fresh), 0.0, "", tuple(sorted(fresh))))
        novel = [c.sentence for c in checks if c.novel]
        verdict: Verdict = "repeat" if not novel else ("update" if linked else "new")
        vs: VsSeeds = "known" if linked is not None and linked.seed and not novel else "new"
        judgement = Judgement(verdict, vs, round(len(novel) / max(len(checks), 1), 4), tuple(novel),
                              len(checks) - len(novel), len(checks))
        return Decision(judgement, tuple(checks), (), "facts (language not covered by the embedder)"), linked

    def _link_across_languages(self, article: _Article) -> Story | None:
        """The story of the most similar recent document under a multilingual model (when installed)."""
        model = cross_lingual()
        recent = [d for d in self.index.docs if d.seed or article.when - d.when <= self.index.window][-_CROSS_DOCS:]
        if model is None or not recent:
            return None
        missing = [d for d in recent if d.cross is None]
        for doc, vector in zip(missing, model.embed([d.lead for d in missing]), strict=True):
            doc.cross = vector
        mine = model.embed([_lead(article.title, article.text)])[0]
        scores = [(float(d.cross @ mine), d) for d in recent if d.cross is not None]
        score, doc = max(scores, key=lambda pair: pair[0])
        return self.index.stories[doc.story] if score >= _CROSS_LINK else None

    def _syndicated(self, article: _Article, neighbours: Sequence[tuple[int, float]]) -> KnownDoc | None:
        mine = _shingles(article.text)
        if not len(mine):
            return None
        for index, _score in neighbours:
            doc = self.index.docs[index]
            shared = len(np.intersect1d(mine, doc.shingles, assume_unique=True))
            if shared / len(mine) >= self.t.duplicate_containment:
                return doc
        return None

    def _link(self, article: _Article, neighbours: Sequence[tuple[int, float]]) -> Story | None:
        """The most similar story among the neighbours' stories, if close enough and sharing a name."""
        centroid = self._centroid(article)
        names = {f for f in article.facts if f.startswith("p:")}
        best, best_score = None, self.t.story_link
        for story_id in dict.fromkeys(self.index.docs[i].story for i, _ in neighbours):
            story = self.index.stories[story_id]
            score = float(story.centroid @ centroid)
            if score >= best_score and (not names or not story.names or names & story.names):
                best, best_score = story, score
        return best

    def _pool(self, neighbours: Sequence[tuple[int, float]], story: Story | None) -> list[KnownDoc]:
        chosen = dict.fromkeys([i for i, _ in neighbours] + (story.docs[-50:] if story else []))
        chosen.update(dict.fromkeys(self.index.seed_docs))
        return [self.index.docs[i] for i in chosen]

    def _check(self, article: _Article, pool: Sequence[KnownDoc]) -> list[SentenceCheck]:
        if not article.sentences:
            return []
        assert article.vectors is not None
        if not pool:
            return [SentenceCheck(s, True, 0.0, "", tuple(sorted(f))) for s, f in
                    zip(article.sentences, article.sentence_facts, strict=True)]
        known = np.vstack([d.vectors for d in pool]).astype(np.float32)
        texts = [s for d in pool for s in d.sentences]
        vocab = set().union(*(d.vocabulary for d in pool))
        known_text = " ".join(d.text for d in pool)
        quotes = [set(f[2:].split()) for d in pool for f in d.facts if f.startswith("q:")]
        sims = article.vectors @ known.T
        best = sims.argmax(axis=1)
        checks = []
        for row, sentence in enumerate(article.sentences):
            similarity = float(sims[row, best[row]])
            fresh = new_facts(article.sentence_facts[row], vocab, known_text, quotes)
            novel = similarity < self.t.sentence_low or (similarity < self.t.sentence_high and bool(fresh))
            checks.append(SentenceCheck(sentence, novel, round(similarity, 3), texts[best[row]], tuple(sorted(fresh))))
        return checks

    def _repeat(self, doc: KnownDoc, layer: str, neighbours: Sequence[tuple[int, float]] = ()) -> Decision:
        vs: VsSeeds = "known" if doc.seed or self.index.stories[doc.story].seed else "new"
        judgement = Judgement("repeat", vs, 0.0, (), 0, 0)
        names = tuple((self.index.docs[i].key, round(s, 3)) for i, s in neighbours) or ((doc.key, 1.0),)
        return Decision(judgement, (), names, layer)

    # -- bookkeeping -----------------------------------------------------------------------

    def _prepare(self, key: str, title: str, text: str, when: datetime, language: str) -> _Article:
        body = text or title
        parts = sentences(body, self.t.min_sentence_chars) or ([title] if title else [])
        article = _Article(key, title, body, when, language, parts)
        article.vectors = self.embedder.embed(parts)
        quotes = quote_facts(body)
        article.sentence_facts = [sentence_facts(s, quotes) for s in parts]
        article.facts = set().union(*article.sentence_facts) if parts else set()
        return article

    def _centroid(self, article: _Article) -> Matrix:
        """The whole article's vector (title and text embedded together: robust to how sentences split)."""
        if article.centroid is None:
            article.centroid = self.embedder.embed([f"{article.title}. {article.text}"])[0]
        return article.centroid

    def _remember(self, article: _Article, story: Story, *, seed: bool) -> None:
        assert article.vectors is not None
        doc = KnownDoc(
            key=article.key, story=story.id, seed=seed, when=article.when,
            centroid=self._centroid(article), sentences=article.sentences, vectors=article.vectors.astype(np.float16),
            vocabulary=frozenset(sys.intern(w) for w in vocabulary(article.text)),
            text=f" {normalize_text(article.text)} ",
            shingles=_shingles(article.text), facts=article.facts, lead=_lead(article.title, article.text),
        )
        self.index.add(doc, content_hash(article.text))
        self._since_prune += 1
        if self._since_prune >= _PRUNE_EVERY:
            self.index.prune(article.when)
            self._since_prune = 0


def _lead(title: str, text: str) -> str:
    return f"{title}. {text}"[:600]


def _shingles(text: str) -> Shingles:
    """The sorted, distinct 64-bit hashes of the text's word 3-shingles."""
    tokens = normalize_text(text).split()
    hashes = {
        int.from_bytes(hashlib.blake2b(" ".join(tokens[i : i + SHINGLE]).encode(), digest_size=8).digest(), "little")
        for i in range(max(0, len(tokens) - SHINGLE + 1))
    }
    return np.array(sorted(hashes), dtype=np.uint64)


def _vs_seeds(checks: Sequence[SentenceCheck]) -> VsSeeds:
    """Known when no sentence adds a fact the seed corpus lacks."""
    return "known" if checks and not any(c.novel and c.new_facts for c in checks) else "new"


def _with_story(decision: Decision, story: int) -> Decision:
    from dataclasses import replace

    return replace(decision, judgement=replace(decision.judgement, story=story))
