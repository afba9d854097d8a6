"""The judge stage: one novelty judgement, and its item stored, as one turn of the stream that
every replica shares (see :mod:`monitor.store.judged`).

A turn: wait for the judging turn, learn the items judged elsewhere since the last turn, judge,
store the item (a new story gets its id from the database), commit; only then does the judge
remember the article, so an insert that fails leaves nothing behind in memory.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.context import Context
from monitor.errors import in_stage
from monitor.novelty.engine import new_judge
from monitor.novelty.judge import NoveltyJudge
from monitor.store import items as item_store
from monitor.store import judged
from monitor.store import seeds as seed_store
from monitor.types import Judgement, KnownItem, NewItem, StoredVector

log = logging.getLogger(__name__)
_RENEWED_BATCH = 100  # renewed vectors stored at a time: a rebuild stopped half-way keeps what it renewed




def judge_of(ctx: Context) -> NoveltyJudge:
    """The context's judge, built at the first article that needs judging (a poll that judges nothing
    never loads the models or the index)."""
    return ctx.judge.get(lambda: build_judge(ctx))


def build_judge(ctx: Context) -> NoveltyJudge:
    """The seeds as stored, then the judged items of the story window (with their stories)."""
    since = ctx.clock.now() - ctx.config.novelty.story_window
    with ctx.db.session() as session:
        seeds = seed_store.list_seeds(session)
    judge = new_judge(ctx.config.novelty.settings(), seeds)
    with ctx.db.session() as session:
        judged.take_turn(session)  # no judgement in flight: none can commit later under an id below ``through``
        through = judged.last_item_id(session)  # first: an item stored meanwhile is learnt at the first turn
        known = [item for item in judged.recent(session, since) if item.id <= through]
    judge.stored_through = through
    log.info("rebuilding the novelty judge", extra={"seeds": len(seeds), "items": len(known)})
    renewed: dict[int, StoredVector] = {}
    count = 0
    for item in known:
        if (vector := _learn(judge, item)) is not None:
            renewed[item.id] = vector
        if len(renewed) >= _RENEWED_BATCH or (renewed and item is known[-1]):
            count += _store_renewed(ctx, renewed, len(known))
    log.info("novelty judge ready", extra={"seeds": len(seeds), "items": len(known), "vectors_renewed": count})
    return judge


def _store_renewed(ctx: Context, renewed: dict[int, StoredVector], items: int) -> int:
    """Store vectors computed anew at a rebuild (an upgrade changed the model or the lead: once per
    item), and forget them; returns how many."""
    with ctx.db.session() as session:
        judged.store_vectors(session, renewed)
    count = len(renewed)
    log.info("stored renewed multilingual vectors", extra={"vectors": count, "items": items})
    renewed.clear()
    return count


def judge_and_store(ctx: Context, item: NewItem) -> Judgement | None:
    """Judge a relevant item and store it with its judgement; None when it was stored already
    (another feed or replica had the same article)."""
    judge = judge_of(ctx)
    entry = item.entry
    title, text = entry.title or item.article.title, item.article.text or entry.title
    when = entry.published or item.fetched_at  # as stored: a restart or another replica learns it so
    prepared = in_stage("judge", lambda: judge.prepare(entry.key, title, text, when, item.article.language,
                                                       dated=entry.published is not None,
                                                       utc_offset=entry.utc_offset))
    with judge.turn:  # threads of this process take turns too: what they learn must not overlap
        with ctx.db.session() as session:
            judged.take_turn(session)
            _catch_up(judge, session)
            decision = in_stage("judge", lambda: judge.decide(prepared))
            try:
                with session.begin_nested():
                    judgement = _with_story(session, decision.judgement, title, item, judge.next_story_id)
                    assert judgement.story is not None
                    judged.merge_stories(session, judgement.story, decision.merged, item.fetched_at)
                    item_store.free_url(session, item.entry.link)  # relevant here, irrelevant to a narrower feed
                    item_id = item_store.add_item(session, replace(item, judgement=judgement))
            except IntegrityError:
                return None  # the same article arrived through another feed or replica meanwhile
        assert judgement.story is not None
        prepared.key = f"item:{item_id}"  # as after a restart: what later reports match names the stored item
        judge.accept(prepared, decision, judgement.story)  # committed: only now is it remembered
        judge.stored_through = max(judge.stored_through, item_id)
    return judgement


def _catch_up(judge: NoveltyJudge, session: Session) -> None:
    """Learn the items other processes judged since this one last looked."""
    learnt = judged.judged_after(session, judge.stored_through)
    for known in learnt:
        _learn(judge, known)  # a vector renewed here is not stored: the item is another process's to rebuild
        judge.stored_through = known.id
    if learnt:  # a story merges only when an item is stored
        judge.merge(judged.merges(session))


def _learn(judge: NoveltyJudge, item: KnownItem) -> StoredVector | None:
    """Remember a stored item; returns its multilingual vector when it had to be computed anew
    (see :meth:`NoveltyJudge.remember`)."""
    return judge.remember(f"item:{item.id}", item.title, item.text, item.published, story_id=item.story,
                          language=item.language, vs_seeds="known" if item.vs_seeds == "known" else "new",
                          verdict="new" if item.verdict == "new" else None, vector=item.vector,
                          vector_of=item.vector_of, dated=item.dated)


def _with_story(session: Session, judgement: Judgement, title: str, item: NewItem, floor: int) -> Judgement:
    if judgement.story is None:
        return replace(judgement, story=judged.new_story(session, title, item.fetched_at, floor))
    judged.touch_story(session, judgement.story, title, item.fetched_at)
    return judgement
