"""Human output for ``monitor replay`` and ``monitor explain``."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table

from monitor.novelty.decision import Candidate, Decision
from monitor.replay import ReplayResult
from monitor.terminal import say, shown
from monitor.textnorm import shortened
from monitor.types import Relevance


def print_replay_summary(results: list[ReplayResult], console: Console) -> None:
    verdicts = Counter(r.verdict or "irrelevant" for r in results)
    table = Table(title=f"Replay: {len(results)} items")
    table.add_column("verdict")
    table.add_column("items", justify="right")
    for verdict in ("new", "update", "repeat", "irrelevant"):
        table.add_row(verdict, str(verdicts.get(verdict, 0)))
    console.print(table)
    stories = {r.story for r in results if r.story}
    known = sum(r.vs_seeds == "known" for r in results)
    say(console, f"{len(stories)} stories; {known} items only repeat the seed corpus")


_TITLE_CHARS = 100  # of a candidate story's title


def _days(candidate: Candidate) -> str:
    if candidate.days_apart is None:
        return ""
    apart = f"  {candidate.days_apart:.1f} days from its nearest dated report"
    return f"{apart}: too far apart to be one event" if candidate.too_far else apart


def _print_candidates(candidates: tuple[Candidate, ...], console: Console) -> None:
    if not candidates:
        say(console, "candidate stories: none close enough to compare")
        return
    say(console, "candidate stories (score; channels of the closest report; the title of its earliest report):")
    for candidate in candidates:
        channels = " ".join(f"{k}={v:.2f}" for k, v in candidate.channels)
        say(console, f"  s{candidate.story}  {candidate.score:.2f}  {channels}{_days(candidate)}")
        if candidate.title:
            say(console, f"      story: {shortened(shown(candidate.title), _TITLE_CHARS)}")


def print_relevance(relevance: Relevance, console: Console) -> None:
    """Which topics the article is about and the terms that show it, or that the service would skip it."""
    if relevance.relevant:
        say(console, f"relevant to {', '.join(relevance.topics)}: {relevance.explain(limit=8)}")
    else:
        say(console, "not relevant: no topic matches, so the service would not keep it (judged below as if it did)")


def print_decision(decision: Decision, console: Console) -> None:
    j = decision.judgement
    story = f"story s{j.story}" if j.story is not None else "not stored"
    say(console, f"verdict: {j.verdict.upper()}  ({story}, relative to the seeds: {j.vs_seeds}, "
                  f"score {j.score:.2f}; decided by: {decision.layer})")
    if not decision.dated:
        say(console, "no publication date: judged as of now, with no date as evidence")
    if decision.lead:
        say(console, f"read across languages (title and first paragraph): {decision.lead}")
    _print_candidates(decision.candidates, console)
    if decision.merged:
        say(console, "it also belongs to " + ", ".join(f"s{s}" for s in decision.merged)
            + f", whose reports belong to s{j.story} too: the stories merge")
    if decision.ruled_out:
        say(console, f"development vs the seeds: none, {decision.ruled_out}")
    elif decision.development_features:
        reasons = " ".join(f"{k}={v:.2f}" for k, v in decision.development_features)
        say(console, f"development vs the seeds: p={decision.development:.2f} ({reasons})")
    if decision.neighbours:
        say(console, "nearest known articles: " + ", ".join(f"{k} ({s:.2f})" for k, s in decision.neighbours[:5]))
    for check in decision.checks:
        mark = "NEW  " if check.novel else "known"
        say(console, "", f"{mark} {check.similarity:.2f}  {check.sentence}")
        if check.closest:
            say(console, f"         closest known: {check.closest}")
        if check.new_facts:
            say(console, f"         new facts: {', '.join(check.new_facts)}")
