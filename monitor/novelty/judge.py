"""The novelty judge: which story does an article belong to, does it report a development the seed
corpus lacks, and is it the first report of it?

Layers, each cheap before the next:

1. **exact** and **syndicated copy**: the normalised text was seen before, or its word 3-shingles
   are contained (``duplicate_containment``) in a similar known document: it joins that document's
   story and is a repeat unless its remaining sentences add a fact;
2. **story**: every candidate report (nearest in meaning, in either embedder, and sharing rare
   names or numbers) is compared with the article on several channels (title, body and name
   TF-IDF, dense and multilingual similarity, shared or contradicting numbers, days apart); a
   fitted model gives the probability that the two report one event, and the article joins the
   story it belongs to most strongly (:func:`features.story_score`) when that reaches the fitted
   threshold, else it starts a story. Seed stories never close;
3. **development**: a fitted model reads the dates the article states and its publication date
   against the seed horizon, its closeness to the seeds, what its story already holds and how it
   reports; ``vs_seeds`` is ``new`` when it reports a development the seeds lack (never for a
   piece its title labels as commentary, an explainer or a profile, nor for an event dated on or
   before the seed horizon by its publication or, undated, by its story's other reports);
4. **sentences**: each sentence is novel or known against the seeds, the story and the nearest
   documents (:mod:`monitor.novelty.whatsnew`).

Verdict: a development is ``new`` when it is the first development of its story, an ``update`` when
the story already had one and its sentences add a fact, else a ``repeat``; what is not a
development (copies, translations, rehash, events before the seed corpus, pieces labelled as
commentary or explainers) is a ``repeat``.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from monitor.novelty.dates import stated_dates
from monitor.novelty.decision import Candidate, Decision, Prepared
from monitor.novelty.embed import Embedder
from monitor.novelty.facts import quote_facts, sentence_facts, stated_days, vocabulary
from monitor.novelty.features import (
    Report,
    SeedCloseness,
    before_seeds,
    commentary,
    days_from_story,
    development_features,
    pair_features,
    seed_closeness,
    story_score,
)
from monitor.novelty.index import SHINGLE, KnownDoc, NoveltyIndex, Shingles, Story
from monitor.novelty.model import Models, load_models
from monitor.novelty.profile import Weigher, numbers, profile
from monitor.novelty.text import content_hash, lead, normalize_text, sentences
from monitor.novelty.vectors import lead_vector, loaded, renewable, stored, usable
from monitor.novelty.whatsnew import check_sentences
from monitor.types import Judgement, StoredVector, Thresholds, Verdict, VsSeeds

_NEIGHBOURS, _NEIGHBOUR_FLOOR = 16, 0.45  # documents whose sentences and words count as known
_CANDIDATES = 16  # nearest documents per channel compared with an article
STORY_MEMBERS = 30  # a story's score averages over at most this many of its reports
_PRUNE_EVERY = 500  # articles between two sweeps of documents older than the story window
_LEAD_CHARS = 300  # the multilingual embedder reads the title and the opening


class NoveltyJudge:
    """Judges articles against everything it knows, then remembers them."""

    def __init__(
        self, embedder: Embedder, thresholds: Thresholds | None = None, index: NoveltyIndex | None = None,
        models: Models | None = None, window: timedelta | None = None,
    ):
        self.embedder = embedder
        self.t = thresholds or Thresholds()
        self.index = index or NoveltyIndex(embedder.dim)
        if window is not None:
            self.index.window = window
        self.models = models or load_models()
        self.horizon: date | None = None  # the latest day the seed corpus covers
        self._lock = threading.Lock()  # polling threads judge concurrently; the index is shared
        self.turn = threading.Lock()  # held by whoever judges and stores as one step (monitor.judging)
        self.stored_through = 0  # the last stored item this judge has learnt (monitor.judging)
        self._since_prune = 0

    # -- public ---------------------------------------------------------------------------

    @property
    def next_story_id(self) -> int:
        """The id a new story would get here (above every story known)."""
        return self.index.next_story_id

    @property
    def known_documents(self) -> int:
        """How many documents (seeds and items) the judge holds."""
        return len(self.index.docs)

    def current_story(self, story_id: int) -> int:
        """The story ``story_id`` is now part of (itself unless it was merged into another)."""
        return self.index.current(story_id)

    def add_seed(self, key: str, title: str, text: str, when: datetime, published: date | None = None) -> int:
        """Load a seed article as known coverage; returns its story id (seeds about one event share one).

        The seed horizon is the latest ``published`` day, else the latest day a seed text states."""
        days = [published] if published else [s.day for s in stated_dates(text, None) if s.exact]
        if days:
            self.horizon = max([self.horizon, *days] if self.horizon else days)
        moment = datetime.combine(published, time(), tzinfo=UTC) if published else when  # days apart count from it
        article = self._prepare(key, title, text, moment, "en", dated=published is not None, seed=True)
        with self._lock:
            group, _ = self._link(article)
            story = group[0] if group else self.index.new_story(seed=True, when=when, title=title)
            self._remember(article, story, development=0.0)
        return story.id

    def judge(
        self, key: str, title: str, text: str, when: datetime, language: str = "en", *, remember: bool = True,
        dated: bool = True, utc_offset: int | None = None,
    ) -> Decision:
        """Judge one article (and, with ``remember``, add it to what is known, in a new story when it
        joins none). ``dated`` says whether ``when`` is the article's publication time (else only its
        order in the stream); ``utc_offset`` is the offset its date was stated in (minutes east of
        UTC, None: none stated), whose calendar day relative dates ("on Saturday") count from."""
        article = self.prepare(key, title, text, when, language, dated=dated, utc_offset=utc_offset)
        with self._lock:
            decision, story = self._decide(article)
            if remember:
                story = story or self.index.new_story(seed=False, when=when, title=title)
                self._fold(story.id, decision.merged)
                self._accept(article, decision, story)
        return _stamped(decision, story, article)

    def prepare(
        self, key: str, title: str, text: str, when: datetime, language: str = "en", *, dated: bool = True,
        utc_offset: int | None = None,
    ) -> Prepared:
        """Read an article for :meth:`decide` (thread-safe; nothing is remembered); ``utc_offset`` as
        for :meth:`judge`."""
        article = self._prepare(key, title, text, when, language or "en", dated=dated)
        article.utc_offset = utc_offset if dated else None
        return article

    def decide(self, article: Prepared) -> Decision:
        """Judge a prepared article against everything known now, remembering nothing. The
        judgement's ``story`` is the known story it joins, None when it starts one."""
        with self._lock:
            decision, story = self._decide(article)
        return _stamped(decision, story, article)

    def accept(self, article: Prepared, decision: Decision, story_id: int) -> None:
        """Remember a decided article in story ``story_id`` (the caller stored it under that id)."""
        with self._lock:
            story_id = self.index.current(story_id)
            story = self.index.stories.get(story_id) or self.index.new_story(
                seed=False, when=article.when, title=article.title, story_id=story_id)
            self._fold(story_id, decision.merged)
            self._accept(article, decision, story)

    def merge(self, merges: Sequence[tuple[int, int]]) -> None:
        """Apply merges another process stored: each (merged story, the story it joined)."""
        with self._lock:
            for gone, keep in merges:
                self._fold(self.index.current(keep), (gone,))

    def _fold(self, keep: int, stories: Sequence[int]) -> None:
        for gone in dict.fromkeys(self.index.current(s) for s in stories):
            if gone != keep and gone in self.index.stories and keep in self.index.stories:
                self.index.merge(keep, gone)

    def _accept(self, article: Prepared, decision: Decision, story: Story) -> None:
        self._remember(article, story, development=decision.development,
                       announced=decision.judgement.verdict == "new")

    def remember(
        self, key: str, title: str, text: str, when: datetime, *, story_id: int | None, language: str,
        vs_seeds: VsSeeds = "new", verdict: Verdict | None = None, vector: bytes | None = None,
        vector_of: str | None = None, dated: bool = True,
    ) -> StoredVector | None:
        """Add an already judged article (rebuilding after a restart) to its stored story.

        ``vector`` is its stored multilingual vector and ``vector_of`` the fingerprint of what it was
        computed from (see :mod:`monitor.novelty.vectors`). A usable vector is compared as stored; a
        stale one is computed again now and returned, for the caller to store. Without a stored
        vector, it is computed when first needed. ``dated`` False: ``when`` is not the article's
        publication but when it was fetched."""
        article = self._prepare(key, title, text, when, language or "en", dated=dated, cross=False)
        assert article.report is not None
        renewed = None
        if vector and usable(vector, vector_of, article.lead):
            article.report = replace(article.report, cross=loaded(vector))
        elif vector and renewable():
            renewed = stored(lead_vector(article.lead), article.lead)
            article.report = replace(article.report, cross=loaded(renewed.data))
        with self._lock:
            story = self.index.stories.get(story_id or 0) or self.index.new_story(False, when, title, story_id)
            self._remember(article, story, development=1.0 if vs_seeds == "new" else 0.0, announced=verdict == "new")
        return renewed

    def learn(
        self, key: str, title: str, text: str, when: datetime, language: str, *, dated: bool, story_id: int,
    ) -> list[tuple[str, dict[str, float]]]:
        """The same-event channels of an article against every known document, then remember it in
        the given story (fitting replays a labelled stream this way)."""
        article = self._prepare(key, title, text, when, language or "en", dated=dated)
        assert article.report is not None
        weigher = Weigher(self.index.idf_map())
        rows = [(doc.key, pair_features(article.report, doc.report, weigher)) for doc in self.index.docs]
        with self._lock:
            story = self.index.stories.get(story_id) or self.index.new_story(False, when, title, story_id)
            self._remember(article, story, development=0.0)
        return rows

    # -- layers ---------------------------------------------------------------------------

    def _decide(self, article: Prepared) -> tuple[Decision, Story | None]:
        digest = content_hash(article.text)
        if digest in self.index.hashes:
            doc = self.index.docs[self.index.hashes[digest]]
            return self._repeat(doc, "exact"), self.index.stories[doc.story]
        assert article.report is not None
        neighbours = self.index.nearest_docs(article.report.dense, article.report.published, k=_NEIGHBOURS,
                                             floor=_NEIGHBOUR_FLOOR)
        copy = self._syndicated(article, neighbours)
        candidates: tuple[Candidate, ...] = ()
        group: list[Story] = []
        if copy is not None:
            group = [self.index.stories[copy.story]]
        else:
            group, candidates = self._link(article)
        story = min(group, key=lambda s: s.id) if group else None  # merged stories keep the oldest id
        members = [self.index.docs[i].report for s in group for i in s.docs]
        closeness = seed_closeness(article.report, [self.index.docs[i].report for i in self.index.seed_docs],
                                   Weigher(self.index.idf_map()))
        values = self._development_values(article, closeness, [*members, article.report])
        if copy is not None:  # a copy reports what its original reported
            development, ruled_out = copy.development, ""
        else:
            ruled_out = self._ruled_out(article, members)
            development = 0.0 if ruled_out else self.models.development.probability(values)
        is_development = development >= self.models.development.threshold
        checks = check_sentences(article, self._pool(neighbours, story), self.t)
        facts_added = any(c.novel and c.new_facts for c in checks)
        verdict: Verdict = "repeat"
        if is_development:
            announced = any(s.announced for s in group)
            verdict = "new" if not announced else ("update" if facts_added else "repeat")
        shown = [c.sentence for c in checks if c.novel and (c.new_facts or verdict == "new")]
        shown = shown if verdict != "repeat" else []
        share = sum(1 for c in checks if c.novel and c.new_facts) / max(len(checks), 1)
        judgement = Judgement(
            verdict=verdict, vs_seeds="new" if is_development else "known", score=round(share, 4),
            novel_sentences=tuple(shown), known_sentences=sum(1 for c in checks if not c.novel),
            total_sentences=len(checks),
            matches=((("", copy.key),) if copy is not None else
                     tuple((c.sentence, c.source) for c in checks if not c.novel and c.source)),
        )
        names = tuple((self.index.docs[i].key, round(s, 3)) for i, s in neighbours)
        layer = "syndicated copy" if copy is not None else "story and development"
        merged = tuple(s.id for s in group if s is not story)
        return Decision(judgement, tuple(checks), names, layer, candidates, round(development, 4),
                        tuple((k, round(v, 4)) for k, v in values.items()), merged, ruled_out,
                        article.lead, article.dated), story

    def _ruled_out(self, article: Prepared, story: Sequence[Report]) -> str:
        """Why the article cannot report a development against the seeds whatever the model says, or ""."""
        assert article.report is not None
        if before_seeds(article.report, story, self.horizon):
            return f"its event is dated on or before the seed horizon ({self.horizon})"
        if commentary(article.title):
            return "its title labels it as commentary, an explainer or a profile"
        return ""

    def _development_values(self, article: Prepared, closeness: SeedCloseness, story: Sequence[Report]) -> dict[
            str, float]:
        assert article.report is not None
        stated = stated_dates(f"{article.title}. {article.text}", article.when if article.dated else None,
                              article.utc_offset)
        return development_features(article.report, f"{article.title}. {article.text}", stated, self.horizon,
                                    closeness, story)

    def _link(self, article: Prepared) -> tuple[list[Story], tuple[Candidate, ...]]:
        """The story the article belongs to most strongly, if the fitted model says it belongs, and
        any other it belongs to at the (stricter) merge threshold: those turned out to be one event."""
        assert article.report is not None
        weigher, model = Weigher(self.index.idf_map()), self.models.same_event
        docs = [self._crossed(index) for index in self._candidate_docs(article)]
        channels = [pair_features(article.report, doc.report, weigher) for doc in docs]
        by_story: dict[int, list[tuple[float, dict[str, float]]]] = {}
        for doc, values, probability in zip(docs, channels, model.probabilities(channels), strict=True):
            by_story.setdefault(doc.story, []).append((float(probability), values))
        scored = sorted((self._candidate(article.report, self.index.stories[story_id], pairs)
                         for story_id, pairs in by_story.items()), key=lambda c: -c.score)
        eligible = [c for c in scored if not c.too_far]
        if not eligible or eligible[0].score < self.models.story_threshold:
            return [], tuple(scored[:5])
        chosen = self.index.stories[eligible[0].story]
        also = [self.index.stories[c.story] for c in eligible[1:] if c.score >= self.models.merge_threshold]
        also = [s for s in also if not (s.seed and chosen.seed) and self._one_event(chosen, s, weigher)]
        return [chosen, *also], tuple(scored[:5])

    def _candidate(self, report: Report, story: Story, pairs: Sequence[tuple[float, dict[str, float]]]) -> Candidate:
        """A story as a candidate: its score from the article's same-event probabilities with its reports,
        the channels of the closest, and the days from its nearest dated report."""
        best = max(pairs, key=lambda pair: pair[0])[1]
        value = story_score([p for p, _ in pairs], min(len(story.docs), STORY_MEMBERS))
        days = None if story.seed else days_from_story(report, [self.index.docs[i].report for i in story.docs])
        return Candidate(story.id, round(value, 4), tuple((k, round(v, 3)) for k, v in best.items()), days,
                         story.title)

    def _one_event(self, a: Story, b: Story, weigher: Weigher) -> bool:
        """Whether the reports of two stories, compared directly, report one event: the reports of the
        smaller story belong to the other (their best same-event probabilities with it, averaged,
        reach the merge threshold)."""
        small, large = sorted((a, b), key=lambda s: len(s.docs))
        theirs = [self._crossed(i).report for i in large.docs[-STORY_MEMBERS:]]
        best = []
        for index in small.docs[-STORY_MEMBERS:]:
            mine = self._crossed(index).report
            rows = [pair_features(mine, other, weigher) for other in theirs]
            best.append(float(np.max(self.models.same_event.probabilities(rows))))
        return bool(best) and float(np.mean(best)) >= self.models.merge_threshold

    def _crossed(self, index: int) -> KnownDoc:
        """The document, with its multilingual vector (computed now for a document reloaded at start-up)."""
        doc = self.index.docs[index]
        if doc.report.cross is None:
            self.index.set_cross(index, lead_vector(doc.lead))
        return doc

    def _candidate_docs(self, article: Prepared) -> list[int]:
        """The nearest documents in either embedder and those sharing the rarest names or numbers."""
        assert article.report is not None
        report, now = article.report, article.report.published
        found = [i for i, _ in self.index.nearest_docs(report.dense, now, k=_CANDIDATES, floor=0.0)]
        if report.cross is not None:
            found += [i for i, _ in self.index.nearest_cross(report.cross, now, k=_CANDIDATES)]
        found += self.index.sharing(report.profile, now, k=_CANDIDATES)
        return list(dict.fromkeys(found))

    def _syndicated(self, article: Prepared, neighbours: Sequence[tuple[int, float]]) -> KnownDoc | None:
        mine = _shingles(article.text)
        if not len(mine):
            return None
        for index, _score in neighbours:
            doc = self.index.docs[index]
            shared = len(np.intersect1d(mine, doc.shingles, assume_unique=True))
            if shared / len(mine) >= self.t.duplicate_containment:
                return doc
        return None

    def _pool(self, neighbours: Sequence[tuple[int, float]], story: Story | None) -> list[KnownDoc]:
        chosen = dict.fromkeys([i for i, _ in neighbours] + (story.docs[-50:] if story else []))
        chosen.update(dict.fromkeys(self.index.seed_docs))
        return [self.index.docs[i] for i in chosen]

    def _repeat(self, doc: KnownDoc, layer: str) -> Decision:
        vs: VsSeeds = "new" if doc.development >= self.models.development.threshold else "known"
        return Decision(Judgement("repeat", vs, 0.0, (), 0, 0, matches=(("", doc.key),)), (), ((doc.key, 1.0),), layer,
                        development=doc.development)

    # -- bookkeeping -----------------------------------------------------------------------

    def _prepare(
        self, key: str, title: str, text: str, when: datetime, language: str, *, dated: bool, seed: bool = False,
        cross: bool = True,
    ) -> Prepared:
        """The article's sentences, facts and report; ``cross`` False leaves the multilingual vector to
        be computed when first needed (rebuilding at start-up)."""
        body = text if normalize_text(text) else title  # a body of no word (emoji, punctuation) says nothing
        parts = sentences(body, self.t.min_sentence_chars) or ([title] if title else [])
        article = Prepared(key, title, body, when, language, dated, parts, lead=lead(title, body, _LEAD_CHARS))
        article.vectors = self.embedder.embed(parts)
        quotes = quote_facts(body)
        article.sentence_facts = [sentence_facts(s, quotes) for s in parts]
        article.facts = set().union(*article.sentence_facts) if parts else set()
        article.report = Report(
            profile=profile(title, body), dense=self.embedder.embed([f"{title}. {body}"])[0],
            cross=lead_vector(article.lead) if cross else None, published=when if dated else None,
            english=language in self.t.languages, seed=seed,
            title_numbers=numbers(title), lead_numbers=numbers(body[:_LEAD_CHARS]),
        )
        return article

    def _remember(self, article: Prepared, story: Story, *, development: float, announced: bool = False) -> None:
        assert article.vectors is not None and article.report is not None
        text = normalize_text(article.text)
        doc = KnownDoc(
            key=article.key, story=story.id, seed=article.report.seed, when=article.when, report=article.report,
            sentences=article.sentences, vectors=article.vectors.astype(np.float16),
            vocabulary=frozenset(sys.intern(w) for w in vocabulary(article.text)), text=f" {text} ",
            shingles=_shingles(article.text), facts=article.facts, development=development, lead=article.lead,
            days=stated_days(text),
        )
        self.index.add(doc, content_hash(article.text))
        story.announced = story.announced or announced
        self._since_prune += 1
        if self._since_prune >= _PRUNE_EVERY:
            self.index.prune(article.when)
            self._since_prune = 0


def _stamped(decision: Decision, story: Story | None, article: Prepared) -> Decision:
    """The decision with its story id and the article's multilingual vector (as stored)."""
    cross = article.report.cross if article.report else None
    kept = stored(cross, article.lead) if cross is not None else StoredVector(b"", "")
    story_id = story.id if story is not None else None
    return replace(decision, judgement=replace(decision.judgement, story=story_id, vector=kept.data,
                                               vector_of=kept.of))


def _shingles(text: str) -> Shingles:
    """The sorted, distinct 64-bit hashes of the text's word 3-shingles."""
    tokens = normalize_text(text).split()
    hashes = {
        int.from_bytes(hashlib.blake2b(" ".join(tokens[i : i + SHINGLE]).encode(), digest_size=8).digest(), "little")
        for i in range(max(0, len(tokens) - SHINGLE + 1))
    }
    return np.array(sorted(hashes), dtype=np.uint64)
