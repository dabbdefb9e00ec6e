"""Grid search of fusion settings and fit of the abstention rule, on the development split only.

Run: `.venv/bin/python -m eval.tune [--embedder NAME]`. It never reads the held-out part. Abstention
is fitted on the dev questions plus `eval/data/calibration_oos.txt`, extra out-of-scope requests
written for calibration only (they are in neither evaluation split).
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from corpus import load_contracts
from eval.questions import load_questions
from eval.report import evaluate
from index import DEFAULT_EMBEDDER, Searcher, SearchSettings, fold, open_searcher

CALIBRATION_OOS = Path(__file__).resolve().parent / "data" / "calibration_oos.txt"
MAX_FALSE_REFUSALS = (0.0, 0.01, 0.02, 0.03)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the best fusion settings, then abstention rules at several false-refusal budgets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER)
    args = parser.parse_args(argv)
    questions = load_questions(split="dev")
    contracts = load_contracts()
    rows = []
    grid = itertools.product([0.0, 0.1, 0.2, 0.3, 0.4, 0.5], [0.0, 0.1, 0.2, 0.3, 0.4])
    weights = [(dense, classifier) for dense, classifier in grid if dense + classifier < 1]
    for ngram in (0.0, 0.3, 1.0, 2.0):
        searcher = open_searcher(contracts, args.embedder, SearchSettings(ngram_weight=ngram))
        for fusion, (dense, classifier) in [("rrf", (0.5, 0.5)), *itertools.product(["weighted"], weights)]:
            tuned = searcher.with_settings(fusion=fusion, dense_weight=dense, classifier_weight=classifier)
            metrics = evaluate(tuned, questions, "hybrid", "").metrics
            rows.append((metrics["hit@1"], metrics["mrr@10"], ngram, fusion, dense, classifier))
    rows.sort(reverse=True)
    print("hit@1  mrr@10  ngram  fusion    dense_weight  classifier_weight")
    for row in rows[:12]:
        print(f"{row[0]:.3f}  {row[1]:.3f}   {row[2]:.1f}    {row[3]:<9} {row[4]:.1f}           {row[5]:.1f}")
    print("\nAbstention fitted on the current settings:")
    searcher = open_searcher(contracts, args.embedder)
    for line in fit_abstention(searcher):
        print("  " + line)
    print("\nOne misspelt word per dev question (abstention refitted for each n-gram weight):")
    for ngram in (0.0, 0.3, 1.0, 2.0):
        line = typo_robustness(open_searcher(contracts, args.embedder, SearchSettings(ngram_weight=ngram)))
        print(f"  ngram {ngram:.1f}: {line}")


def misspell(text: str, rng: random.Random) -> str:
    """The text folded to lower case without accents, with one letter of one long word deleted,
    swapped, doubled or replaced."""
    words = fold(text).split()
    long_words = [i for i, w in enumerate(words) if len(w) > 4]
    if not long_words:
        return " ".join(words)
    i = rng.choice(long_words)
    word, j = words[i], rng.randrange(1, len(words[i]) - 1)
    edits = {
        "delete": word[:j] + word[j + 1 :],
        "swap": word[:j] + word[j + 1] + word[j] + word[j + 2 :],
        "double": word[:j] + word[j] + word[j:],
        "replace": word[:j] + rng.choice("aeiouszrtn") + word[j + 1 :],
    }
    words[i] = edits[rng.choice(sorted(edits))]
    return " ".join(words)


def typo_robustness(searcher: Searcher, seeds: Sequence[int] = (1, 2, 3, 4, 5)) -> str:
    """Hit@1, Recall@3 and wrong refusals on dev questions (projects aside) with one misspelt word,
    averaged over several random draws."""
    questions = [q for q in load_questions(split="dev") if q.in_scope and q.style != "project"]
    lines = fit_abstention(searcher)
    lexical_weight, outside_weight = (float(line.split("=")[1]) for line in lines[:2])
    budget = next(line for line in lines if line.startswith("hybrid") and "budget 2%" in line)
    threshold = float(budget.split("threshold ")[1].split(" ")[0])
    tuned = searcher.with_settings(
        abstain_lexical_weight=lexical_weight, abstain_outside_weight=outside_weight, abstain_threshold=threshold
    )
    totals = np.zeros(3)
    for seed in seeds:
        rng = random.Random(seed)
        misspelt = [q.model_copy(update={"question": misspell(q.question, rng)}) for q in questions]
        metrics = evaluate(tuned, misspelt, "hybrid", "").metrics
        totals += [metrics["hit@1"], metrics["recall@3"], metrics["false_refusal"]]
    hit, recall, refused = totals / len(seeds)
    return f"hit@1 {hit:.3f}, recall@3 {recall:.3f}, wrongly refused {refused:.3f}"


def fit_abstention(searcher: Searcher) -> list[str]:
    """Logistic regression of in-scope vs out-of-scope on (dense_top, log(1 + lexical_top), outside_top).

    Returns readable lines: the lexical and outside weights (relative to dense_top's) and, per
    false-refusal budget on dev, the threshold and the out-of-scope recall it reaches (on the same data:
    an optimistic figure).
    """
    from sklearn.linear_model import LogisticRegression

    dev = load_questions(split="dev")
    oos = [line.strip() for line in CALIBRATION_OOS.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [q.question for q in dev] + oos
    in_scope = np.array([q.in_scope for q in dev] + [False] * len(oos))
    signals = [searcher.search(text, k=1).signals for text in texts]
    dense = np.array([s["dense_top"] for s in signals])
    lexical = np.array([math.log1p(s["lexical_top"]) for s in signals])
    outside = np.array([s["outside_top"] for s in signals])
    features = np.c_[dense, lexical, outside]
    model = LogisticRegression(class_weight="balanced", max_iter=1000).fit(features, in_scope)
    lexical_weight, outside_weight = (float(model.coef_[0][i] / model.coef_[0][0]) for i in (1, 2))
    lines = [f"abstain_lexical_weight = {lexical_weight:.3f}", f"abstain_outside_weight = {outside_weight:.3f}"]
    rules = {
        "hybrid": dense + lexical_weight * lexical + outside_weight * outside,
        "dense alone": dense,
        "lexical alone": lexical,
    }
    for name, evidence in rules.items():
        inside = np.sort(evidence[in_scope])
        for budget in MAX_FALSE_REFUSALS:
            allowed = int(budget * len(inside))
            # halfway between the last refused and the first kept in-scope question
            threshold = float((inside[allowed - 1] + inside[allowed]) / 2) if allowed else float(inside[0] - 1e-3)
            recall = float((evidence[~in_scope] < threshold).mean())
            refused = float((evidence[in_scope] < threshold).mean())
            lines.append(
                f"{name:<13} budget {budget:.0%}: threshold {threshold:.3f} -> OOS recall {recall:.3f}, "
                f"wrong refusals {refused:.3f}"
            )
    return lines


if __name__ == "__main__":
    main()
