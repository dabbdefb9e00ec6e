"""How much a contract's own past filings teach retrieval: a learning curve (a benchmark, not a test).

On CAPH in its titles-only and source-only forms, k development questions per objective are imported as
past filings (k = 0, 1, 2, 5, all), and the held-out questions and held-out situations (everyday
situations and application summaries) are measured: Hit@1, Recall@3, in-scope questions wrongly
refused, out-of-scope requests recognised. Each k below "all" is drawn several times; the table gives
the mean and the spread (min–max) over the draws. Held-out questions are never used as filings.

Run: `.venv/bin/python -m eval.learning_curve [--draws 3] [--plot docs/learning-curve.png]`.
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from corpus import Contract, contract_form, load_contracts
from corpus.filings import with_filings
from corpus.schema import Filing
from eval.questions import DEFAULT_QUESTIONS, SITUATIONS, Question, load_questions
from eval.report import evaluate
from index import DEFAULT_EMBEDDER, open_searcher
from index.cache import default_cache_dir

KS: tuple[int | None, ...] = (0, 1, 2, 5, None)  # None: every development question
FORMS = ("titles-only", "source-only")
SETS = {"questions": DEFAULT_QUESTIONS, "situations": SITUATIONS}
METRICS = ("hit@1", "recall@3", "false_refusal", "abstain_recall")


def filings_from(questions: Sequence[Question], k: int | None, seed: int) -> list[Filing]:
    """k in-scope questions per objective (all when k is None) as past filings, filed under their first
    gold code, drawn with `seed`."""
    by_code: dict[str, list[Question]] = defaultdict(list)
    for question in questions:
        if question.gold:
            by_code[question.gold[0]].append(question)
    rng = random.Random(seed)
    chosen = []
    for code in sorted(by_code):
        group = by_code[code]
        picked = group if k is None else rng.sample(group, min(k, len(group)))
        chosen += [Filing(code=code, title=q.question, origin=f"question {q.id}") for q in picked]
    return chosen


def measure(contract: Contract, filings: list[Filing], embedder: str, cache: Path) -> dict[str, dict[str, float]]:
    """The held-out metrics of each set, with these filings attached to the contract."""
    searcher = open_searcher([with_filings(contract, filings) if filings else contract], embedder, cache_dir=cache)
    return {
        name: evaluate(searcher, load_questions(path, "heldout"), "hybrid", name).metrics for name, path in SETS.items()
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--draws", type=int, default=3, help="random draws per k (3 by default)")
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER)
    parser.add_argument("--forms", default=",".join(FORMS))
    parser.add_argument("--plot", type=Path, help="also draw the curve into this PNG file")
    args = parser.parse_args(argv)
    contract = load_contracts()[0]
    development = load_questions(DEFAULT_QUESTIONS, "dev")
    cache = default_cache_dir() / "learning-curve"
    rows: list[tuple[str, str, str, dict[str, list[float]]]] = []
    for form in args.forms.split(","):
        base = contract_form(contract, form)
        for k in KS:
            draws = 1 if k in (0, None) else args.draws
            runs = [measure(base, filings_from(development, k, seed), args.embedder, cache) for seed in range(draws)]
            for name in SETS:
                values = {metric: [run[name][metric] for run in runs] for metric in METRICS}
                rows.append((form, "all" if k is None else str(k), name, values))
            print(f"{form} k={'all' if k is None else k}: done", flush=True)
    print()
    print(f"Held-out, hybrid ({args.embedder}); mean over {args.draws} draws, spread min–max in brackets")
    print("| form | k per objective | set | Hit@1 | Recall@3 | wrongly refused | out of scope recognised |")
    print("|---|---|---|---|---|---|---|")
    for form, per_objective, name, values in rows:
        cells = " | ".join(_cell(values[metric]) for metric in METRICS)
        print(f"| {form} | {per_objective} | {name} | {cells} |")
    if args.plot:
        from eval.plot import line_chart

        series = {
            f"{form} · {name}": [statistics.mean(v["hit@1"]) for f, _, n, v in rows if f == form and n == name]
            for form in args.forms.split(",")
            for name in SETS
        }
        labels = ["0", "1", "2", "5", "all"]
        line_chart(args.plot, labels, series, "Hit@1 (held-out) by past filings per objective")
        print(f"\nCourbe écrite dans {args.plot}")


def _cell(values: list[float]) -> str:
    mean = statistics.mean(values)
    return f"{mean:.3f}" if len(values) == 1 else f"{mean:.3f} [{min(values):.3f}–{max(values):.3f}]"


if __name__ == "__main__":
    main()
