"""Grid search of fusion and abstention settings on the development split only.

Run: `.venv/bin/python -m eval.tune [--embedder NAME]`. It never reads the held-out part.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Sequence

import numpy as np

from corpus import load_contracts
from eval.questions import Question, load_questions
from eval.report import evaluate
from index import DEFAULT_EMBEDDER, Searcher, SearchSettings, open_searcher


def main(argv: Sequence[str] | None = None) -> None:
    """Print the best fusion settings and the abstention thresholds for them, on dev."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER)
    args = parser.parse_args(argv)
    questions = load_questions(split="dev")
    contracts = load_contracts()
    rows = []
    for ngram in (0.0, 0.3, 0.6):
        searcher = open_searcher(contracts, args.embedder, SearchSettings(ngram_weight=ngram))
        for fusion, weight in [("rrf", 0.5), *itertools.product(["weighted"], [0.3, 0.4, 0.5, 0.6, 0.7])]:
            tuned = searcher.with_settings(fusion=fusion, dense_weight=weight)
            metrics = evaluate(tuned, questions, "hybrid", "").metrics
            rows.append((metrics["hit@1"], metrics["mrr@10"], ngram, fusion, weight))
    rows.sort(reverse=True)
    print("hit@1  mrr@10  ngram  fusion    dense_weight")
    for row in rows[:8]:
        print(f"{row[0]:.3f}  {row[1]:.3f}   {row[2]:.1f}    {row[3]:<9} {row[4]:.1f}")
    best = rows[0]
    searcher = open_searcher(contracts, args.embedder, SearchSettings(ngram_weight=best[2]))
    searcher = searcher.with_settings(fusion=best[3], dense_weight=best[4])
    print("\nabstention (dense, lexical) -> OOS recall, false refusals")
    for dense, lexical, recall, refusals in calibrate(searcher, questions)[:8]:
        print(f"  {dense:.2f} {lexical:.1f} -> {recall:.3f} {refusals:.3f}")


def calibrate(searcher: Searcher, questions: Sequence[Question]) -> list[tuple[float, float, float, float]]:
    """Abstention thresholds ranked by out-of-scope recall, keeping false refusals at most 2%."""
    signals = [searcher.search(q.question, k=1).signals for q in questions]
    scoped = np.array([q.in_scope for q in questions])
    dense = np.array([s["dense_top"] for s in signals])
    lexical = np.array([s["lexical_top"] for s in signals])
    options = []
    for d, lx in itertools.product(np.arange(0.15, 0.50, 0.01), np.arange(0.0, 8.0, 0.25)):
        refused = (dense < d) & (lexical < lx)
        recall = refused[~scoped].mean() if (~scoped).any() else 1.0
        refusals = refused[scoped].mean()
        if refusals <= 0.02:
            options.append((float(d), float(lx), float(recall), float(refusals)))
    # most out-of-scope caught, then fewest wrong refusals, then the most central thresholds
    options.sort(key=lambda o: (-o[2], o[3], o[0], o[1]))
    return options


if __name__ == "__main__":
    main()
