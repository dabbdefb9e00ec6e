"""How search does on phrasings the editorial vocabulary does not contain (leave-phrases-out).

The questions and the `vocabulary` of the corpus have the same author, so a question often meets its own
words in the vocabulary and the plain figures flatter the system. Here every vocabulary entry whose
stemmed words all occur in one of the questions being evaluated is removed before they are searched:

- held-out: entries found in any held-out question are removed, then the held-out part is searched;
- dev, 5 folds: the same for each fifth of the development part in turn.

Run: `.venv/bin/python -m eval.leave_out [--embedder NAME] [--styles]` (about a minute with USE). The
indexes are built in a temporary folder; the search settings and abstention rule are the defaults.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections.abc import Sequence
from pathlib import Path

from corpus import Contract, load_contracts
from eval.questions import Question, load_questions
from eval.report import ConfigReport, QuestionOutcome, evaluate, format_styles, format_table, summarise
from index import DEFAULT_EMBEDDER, open_searcher
from index.text import Analyzer

FOLDS = 5
SEED = 7


def without_phrases(contract: Contract, questions: Sequence[Question], analyzer: Analyzer) -> tuple[Contract, int]:
    """The contract minus the vocabulary entries whose stemmed words all occur in one question, and how
    many entries were removed."""
    asked = [set(analyzer.tokens(q.question)) for q in questions]
    data = contract.model_dump()
    removed = 0
    for axis in data["axes"]:
        for priority in axis["priorities"]:
            for objective in priority["objectives"]:
                kept = []
                for entry in objective["vocabulary"]:
                    words = set(analyzer.tokens(entry))
                    if words and any(words <= question for question in asked):
                        removed += 1
                    else:
                        kept.append(entry)
                objective["vocabulary"] = kept
    return Contract.model_validate(data), removed


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER)
    parser.add_argument("--styles", action="store_true", help="also print the breakdown by style")
    args = parser.parse_args(argv)
    analyzer = Analyzer()
    contracts = load_contracts()
    dev = load_questions(split="dev")
    order = list(range(len(dev)))
    random.Random(SEED).shuffle(order)
    parts = {"held-out": [load_questions(split="heldout")]}
    parts[f"dev, {FOLDS} folds"] = [[dev[i] for i in order[f::FOLDS]] for f in range(FOLDS)]
    reports = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, folds in parts.items():
            outcomes: list[QuestionOutcome] = []
            removed = []
            for f, fold in enumerate(folds):
                reduced = []
                for contract in contracts:
                    slimmer, count = without_phrases(contract, fold, analyzer)
                    reduced.append(slimmer)
                    removed.append(count)
                cache = Path(scratch) / f"{name}-{f}".replace(" ", "_").replace(",", "")
                searcher = open_searcher(reduced, args.embedder, cache_dir=cache)
                outcomes.extend(evaluate(searcher, fold, "hybrid", name).outcomes)
            label = f"{name}, vocabulary without their phrases ({sum(removed) / len(folds):.0f} entries removed)"
            by_style: dict[str, list[QuestionOutcome]] = {}
            for outcome in outcomes:
                by_style.setdefault(outcome.style, []).append(outcome)
            styles = {style: summarise(items) for style, items in sorted(by_style.items())}
            reports.append(ConfigReport(label, summarise(outcomes), styles, len(outcomes), tuple(outcomes)))
    columns = ("hit@1", "recall@3", "mrr@10", "abstain_recall", "false_refusal")
    print(format_table(reports, columns))
    if args.styles:
        for report in reports:
            print()
            print(format_styles(report))


if __name__ == "__main__":
    main()
