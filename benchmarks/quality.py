"""Detection quality on a labelled corpus: monitor against two simple baselines, in one run.

usage: .venv/bin/python benchmarks/quality.py CORPUS.jsonl [--seeds DIR] [--config FILE]
(the defaults are the project's seeds/ and config/watchlist.yaml, wherever it is run from)

Replays the corpus in file order through `monitor replay` (relevance, stories, novelty) and through
two baselines that any feed reader could ship, all with the same keyword filter (the watchlist's
topics): each relevant article joins the story of its nearest earlier article when their similarity
reaches a threshold (TF-IDF cosine 0.3; wordllama whole-document cosine 0.8), is `new` when it
starts a story, and is new against the seeds unless its story holds a seed. Prints the corpus
scorer's figures (its `score.py` when it sits beside the corpus; exit code 1 when it fails), the
same figures per language, monitor's replay speed (timed after the models are loaded, as
benchmarks/novelty.py times it), and the cross-validated figures stored with the shipped models.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from monitor.config import load_config
from monitor.errors import MonitorError, UsageError
from monitor.language import detect_language
from monitor.match import match
from monitor.novelty.embed import get_embedder
from monitor.novelty.engine import new_judge
from monitor.novelty.metrics import read_labels, score
from monitor.novelty.model import load_models
from monitor.replay import ReplayItem, read_items, replay
from monitor.seeds import read_seeds

ROOT = Path(__file__).resolve().parent.parent
ROWS = ("relevance_p", "relevance_r", "vs_seeds_macro_f1", "known_recall", "bcubed_f1", "redundant_new",
        "events_no_new", "new_events")


def nearest_baseline(items: list[ReplayItem], seeds: list[tuple[str, str]], config: Any, kind: str) -> list[
        dict[str, Any]]:
    """Keyword filter, then join the nearest earlier article's story at a fixed similarity."""
    topics = config.compiled_topics()
    texts = [f"{title}. {text}" for title, text in seeds]
    story = list(range(len(seeds)))
    seed_story = set(story)
    vectors = _vectors(kind, texts + [f"{i.title}. {i.text}" for i in items])
    threshold = 0.3 if kind == "tfidf" else 0.8
    known: list[int] = list(range(len(seeds)))
    results = []
    for offset, item in enumerate(items):
        row = len(seeds) + offset
        relevant = match(topics, item.title, item.text, detect_language(item.text)).relevant
        result: dict[str, Any] = {"id": item.id, "relevant": relevant, "story": None, "verdict": None, "vs_seeds": None}
        if relevant:
            sims = vectors[known] @ vectors[row]
            best = int(np.argmax(sims)) if known else -1  # nothing earlier (no seeds): a story of its own
            joined = bool(known) and float(sims[best]) >= threshold
            mine = story[known[best]] if joined else 1_000_000 + row
            story.append(mine)
            known.append(row)
            result.update(story=f"s{mine}", verdict="repeat" if joined else "new",
                          vs_seeds="known" if mine in seed_story else "new")
        else:
            story.append(-1)
        results.append(result)
    return results


def _vectors(kind: str, texts: list[str]) -> Any:
    if kind == "tfidf":
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(sublinear_tf=True).fit_transform(texts).toarray()
    return get_embedder("wordllama").embed(texts)


class ScorerFailed(Exception):
    """The corpus's scorer exited with an error; the message holds its exit code and what it printed."""


def official(corpus: Path, results: list[dict[str, Any]]) -> str:
    """The corpus's own scorer on ``results``, when it sits beside the corpus; ScorerFailed when it fails."""
    scorer = corpus.with_name("score.py")
    if not scorer.exists():
        return "(no score.py beside the corpus)"
    with tempfile.TemporaryDirectory() as folder:  # removed even when the scorer is interrupted
        out = Path(folder) / "results.jsonl"
        out.write_text("".join(json.dumps(r) + "\n" for r in results), encoding="utf-8")
        done = subprocess.run([sys.executable, str(scorer), str(corpus), str(out)], capture_output=True, text=True,
                              check=False)
    if done.returncode != 0:
        said = "\n".join(part for part in (done.stderr.strip(), done.stdout.strip()) if part) or "(it printed nothing)"
        raise ScorerFailed(f"{scorer} failed (exit code {done.returncode}):\n{said}")
    return done.stdout.strip()


def table(name: str, figures: dict[str, float]) -> str:
    return f"{name:<28}" + "".join(f"{figures.get(k, float('nan')):>10.3f}" for k in ROWS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds", help="default: the project's seeds/")
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "watchlist.yaml",
                        help="default: the project's config/watchlist.yaml")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        truth = read_labels(args.corpus)
        items = list(read_items(args.corpus))
        seed_docs = read_seeds(args.seeds)
    except (MonitorError, OSError) as exc:
        print(f"error: {exc.message if isinstance(exc, UsageError) else exc}", file=sys.stderr)
        return 2
    seeds = [(s.title, s.text) for s in seed_docs]
    new_judge(config.novelty.settings(), seed_docs)  # load the models once before timing, as benchmarks/novelty.py
    started = time.perf_counter()
    runs = {"monitor": [r.row() for r in replay(items, config, seeds_dir=args.seeds)]}
    elapsed = time.perf_counter() - started
    runs["keyword + TF-IDF NN 0.3"] = nearest_baseline(items, seeds, config, "tfidf")
    runs["keyword + wordllama 0.8"] = nearest_baseline(items, seeds, config, "wordllama")
    print(f"{len(items)} articles; monitor replay {elapsed:.1f} s ({len(items) / elapsed:.1f} articles/s, timed after "
          "loading the models)\n")
    failed = False
    for name, results in runs.items():
        try:
            figures = official(args.corpus, results)
        except ScorerFailed as exc:
            figures, failed = f"error: {exc}", True
        print(f"== {name}\n{figures}\n")
    languages = {item.id: detect_language(item.text) for item in items}
    print(f"{'per language':<28}" + "".join(f"{k[:9]:>10}" for k in ROWS))
    for language in sorted(set(languages.values()), key=lambda lang: (lang != "en", lang)):
        subset = [t for t in truth if languages[t.id] == language]
        for name, results in runs.items():
            print(table(f"{language} ({len(subset)}) {name}"[:28], score(subset, results)))
    report = load_models().report
    folds, splits = report.get("folds", 0), report.get("repeats", 1)
    print(f"\ncross-validated (grouped by event, mean over the {folds * splits} held-out folds of {splits} "
          "split(s); python -m monitor.novelty.fit):")
    print(table("monitor, held-out folds", report.get("held_out_mean", {})))
    for number, split in enumerate(report.get("per_split", []), 1):
        print(table(f"  split {number}", split))
    if failed:
        print("error: the corpus scorer failed (above)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
