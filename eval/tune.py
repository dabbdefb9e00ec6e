"""Grid search of fusion weights and fit of the abstention margin, on the development split only.

Run: `.venv/bin/python -m eval.tune [--embedder NAME] [--contracts FILE_OR_FOLDER --queries FILE …]`.
It never reads the held-out part (a question file without splits is read whole, as development
questions). Every figure is taken on two forms of the contracts, as shipped and stripped of their
editorial fields (`corpus.source_only`), so that a setting is chosen for contracts nobody wrote
vocabulary for too. The
abstention margin is fitted on the dev questions, the dev situations and `eval/data/calibration_oos.txt`
(extra out-of-scope requests written for calibration only, in neither evaluation split).
"""

from __future__ import annotations

import argparse
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus import DEFAULT_DATA_DIR, load_contracts, source_only
from eval.questions import DEFAULT_QUESTIONS, SITUATIONS, Question, load_questions
from eval.report import evaluate
from index import DEFAULT_EMBEDDER, AbstainRule, Searcher, SearchSettings, fold, open_searcher

CALIBRATION_OOS = Path(__file__).resolve().parent / "data" / "calibration_oos.txt"
BUDGETS = (0.01, 0.02, 0.03, 0.05)
# the budget behind the shipped margins: the product allows 3% of in-scope questions refused (5% for a
# contract without editorial fields); in-sample figures are optimistic (held-out, source-only, 3-10% are
# refused at this budget), so the budget sits well below
CHOSEN_BUDGET = 0.01
# per budget: (threshold, OOS recall as shipped, wrong refusals as shipped, the same two source-only)
Fitted = dict[float, tuple[float, float, float, float, float]]


def main(argv: Sequence[str] | None = None) -> None:
    """Print the best fusion weights, then the abstention margin at several false-refusal budgets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER)
    parser.add_argument("--contracts", type=Path, default=DEFAULT_DATA_DIR, help="contract file or folder")
    parser.add_argument(
        "--queries", type=Path, action="append", help="question file(s) of that contract (default: the bundled sets)"
    )
    args = parser.parse_args(argv)
    files = args.queries or [DEFAULT_QUESTIONS, SITUATIONS]
    questions = [q for q in development_questions(files) if q.style != "calibration"]
    searchers = both_forms(args.embedder, contracts=args.contracts)
    rows = []
    grid = itertools.product([0.0, 0.1, 0.2, 0.3, 0.4, 0.5], [0.0, 0.1, 0.2, 0.3, 0.4])
    for dense, classifier in [(d, c) for d, c in grid if d + c < 1]:
        hits = [
            evaluate(s.with_settings(dense_weight=dense, classifier_weight=classifier), questions, "hybrid", "")
            .metrics["hit@1"]
            for s in searchers
        ]
        rows.append((sum(hits) / 2, *hits, dense, classifier))
    rows.sort(reverse=True)
    print("mean hit@1  as shipped  source-only  dense_weight  classifier_weight")
    for mean, shipped, source, dense, classifier in rows[:10]:
        print(f"{mean:.3f}       {shipped:.3f}       {source:.3f}        {dense:.1f}           {classifier:.1f}")
    fit = fit_abstention(searchers, files)
    print(f"\nAbstention rule ({args.embedder}; the default uses the {CHOSEN_BUDGET:.0%} budget):")
    for line in fit.lines():
        print("  " + line)
    print("\nOne misspelt word per dev question, as shipped:")
    print("  " + typo_robustness(fit.apply(searchers[0])))


def both_forms(
    embedder: str, settings: SearchSettings | None = None, *, contracts: Path = DEFAULT_DATA_DIR
) -> tuple[Searcher, Searcher]:
    """Searchers over the contracts (the bundled one by default) as shipped and stripped of their
    editorial fields."""
    loaded = load_contracts(contracts)
    return (
        open_searcher(loaded, embedder, settings),
        open_searcher([source_only(c) for c in loaded], embedder, settings),
    )


def development_questions(files: Sequence[Path] = (DEFAULT_QUESTIONS, SITUATIONS)) -> list[Question]:
    """The dev questions of the files (all of a file without a split) and the calibration requests
    (style `calibration`, out of scope for any contrat de ville)."""
    requests = [line.strip() for line in CALIBRATION_OOS.read_text(encoding="utf-8").splitlines() if line.strip()]
    calibration = [Question(id=f"cal{n}", question=t, style="calibration") for n, t in enumerate(requests)]
    questions = []
    for path in files:
        every = load_questions(path)
        questions += [q for q in every if q.split in (None, "dev")]
    return [*questions, *calibration]


@dataclass(frozen=True)
class AbstentionFit:
    """Abstention rules fitted on the development data of both contract forms.

    `rules[budget]` is the rule refusing the most out-of-scope requests while refusing at most `budget`
    of the in-scope ones (both forms pooled), and `figures[budget]` its (out-of-scope recall, wrong
    refusals) as shipped and source-only, on the fitting data (an optimistic figure). `coverage` is the
    same for the lexical retriever's rule: (threshold, its four figures).
    """

    rules: dict[float, AbstainRule]
    figures: dict[float, tuple[float, float, float, float]]
    coverage: dict[float, tuple[float, float, float, float, float]]

    def apply(self, searcher: Searcher, budget: float = CHOSEN_BUDGET) -> Searcher:
        """The searcher with the rules of this budget."""
        return searcher.with_settings(abstain_rule=self.rules[budget], abstain_coverage=self.coverage[budget][0])

    def lines(self) -> list[str]:
        """One readable line per rule and budget."""
        lines = []
        for budget, rule in self.rules.items():
            recall, refused, source_recall, source_refused = self.figures[budget]
            lines.append(
                f"budget {budget:.0%}: strict {rule.strict:.3f}, weak {rule.weak:.3f}, coverage {rule.coverage:.2f}"
                f" -> as shipped OOS {recall:.3f} / refused {refused:.3f}; source-only OOS {source_recall:.3f}"
                f" / refused {source_refused:.3f}"
            )
        for budget, (value, recall, refused, source_recall, source_refused) in self.coverage.items():
            lines.append(
                f"lexical retriever, budget {budget:.0%}: coverage {value:.3f} -> as shipped OOS {recall:.3f} /"
                f" refused {refused:.3f}; source-only OOS {source_recall:.3f} / refused {source_refused:.3f}"
            )
        return lines


def fit_abstention(
    searchers: Sequence[Searcher], files: Sequence[Path] = (DEFAULT_QUESTIONS, SITUATIONS)
) -> AbstentionFit:
    """Per budget, by grid search, the rule that refuses the most out-of-scope development requests while
    refusing at most that share of the in-scope ones, both contract forms pooled."""
    questions = development_questions(files)
    texts = [q.question for q in questions]
    in_scope = np.array([q.in_scope for q in questions])
    margins, coverages, lexical_coverages = [], [], []
    for searcher in searchers:
        signals = [r.signals for r in searcher.search_many(texts, k=1)]
        margins.append(np.array([s["dense_top"] - s["outside_top"] for s in signals]))
        coverages.append(np.array([s["coverage"] for s in signals]))
        lexical = [r.signals for r in searcher.search_many(texts, k=1, retriever="lexical")]
        lexical_coverages.append(np.array([s["coverage"] for s in lexical]))
    margin, coverage = np.concatenate(margins), np.concatenate(coverages)
    inside = np.concatenate([in_scope] * len(searchers))
    rules, figures = {}, {}
    for budget in BUDGETS:
        best: tuple[float, float, AbstainRule] | None = None
        for strict, weak, share in itertools.product(_STRICT, _WEAK, _COVERAGE):
            refused = (margin < strict) | ((margin < weak) & (coverage < share))
            wrong = float(refused[inside].mean())
            if wrong > budget or weak < strict:
                continue
            candidate = (float(refused[~inside].mean()), -wrong, AbstainRule(round(strict, 3), round(weak, 3), share))
            if best is None or candidate[:2] > best[:2]:
                best = candidate
        assert best is not None  # strict = weak = -1 refuses nothing, so some rule always fits
        rule = best[2]
        rules[budget] = rule
        per_form = []
        for m, c in zip(margins, coverages, strict=True):
            refused = (m < rule.strict) | ((m < rule.weak) & (c < rule.coverage))
            per_form += [float(refused[~in_scope].mean()), float(refused[in_scope].mean())]
        figures[budget] = (per_form[0], per_form[1], per_form[2], per_form[3])
    return AbstentionFit(rules, figures, _thresholds(lexical_coverages, in_scope))


# -1 refuses nothing (a cosine margin is above -2): every budget has at least that rule
_STRICT = (-1.0, *np.round(np.arange(-0.03, 0.031, 0.002), 3))
_WEAK = (-1.0, *np.round(np.arange(-0.03, 0.081, 0.005), 3))
_COVERAGE = (0.0, 0.1, 0.2, 0.25, 0.3, 0.34, 0.4, 0.5)


def _thresholds(evidence: list[np.ndarray], in_scope: np.ndarray) -> Fitted:
    pooled = np.sort(np.concatenate([e[in_scope] for e in evidence]))
    fitted = {}
    for budget in BUDGETS:
        allowed = int(budget * len(pooled))
        # halfway between the last refused and the first kept in-scope question
        threshold = float((pooled[allowed - 1] + pooled[allowed]) / 2) if allowed else float(pooled[0] - 1e-3)
        figures = []
        for e in evidence:
            figures += [float((e[~in_scope] < threshold).mean()), float((e[in_scope] < threshold).mean())]
        fitted[budget] = (threshold, *figures)
    return fitted  # type: ignore[return-value]  # five figures per budget by construction


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
    totals = np.zeros(3)
    for seed in seeds:
        rng = random.Random(seed)
        misspelt = [q.model_copy(update={"question": misspell(q.question, rng)}) for q in questions]
        metrics = evaluate(searcher, misspelt, "hybrid", "").metrics
        totals += [metrics["hit@1"], metrics["recall@3"], metrics["false_refusal"]]
    hit, recall, refused = totals / len(seeds)
    return f"hit@1 {hit:.3f}, recall@3 {recall:.3f}, wrongly refused {refused:.3f}"


if __name__ == "__main__":
    main()
