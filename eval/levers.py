"""Retrieval levers, one row each, as shipped and source-only, dev and held-out.

Run: `.venv/bin/python -m eval.levers` (several minutes). Every configuration gets its own abstention
margin, fitted on dev at the same false-refusal budget (`eval.tune.CHOSEN_BUDGET`), so the rows compare
like with like. The decisions were taken on the dev columns; the held-out columns are printed for the
record. "Source-only" is the bundled contract stripped of its editorial fields (`corpus.source_only`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from eval.questions import DEFAULT_QUESTIONS, SITUATIONS, load_questions
from eval.report import evaluate
from eval.tune import both_forms, fit_abstention
from index import USE_NAME, SearchSettings

START: dict[str, object] = {"thesaurus": False, "dense_weight": 0.1, "classifier_weight": 0.3}

# (label, embedder, settings)
LEVERS: list[tuple[str, str, dict[str, object]]] = [
    ("baseline: USE, dense 0.1, classifier 0.3", USE_NAME, START),
    ("+ thesaurus situations attached to objectives", USE_NAME, {**START, "thesaurus": True}),
    ("+ dense 0.3, classifier 0.3", USE_NAME, {}),
    ("+ e5-small instead of USE (final)", "e5-small", {}),
    ("final without the thesaurus", "e5-small", {"thesaurus": False}),
    ("final with USE's weights of the start (dense 0.1)", "e5-small", {"dense_weight": 0.1}),
]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args(argv)
    sets = {"questions": DEFAULT_QUESTIONS, "situations": SITUATIONS}
    parts = {(name, split): load_questions(path, split) for name, path in sets.items() for split in ("dev", "heldout")}
    rows: dict[str, list[str]] = {name: [] for name in sets}
    for label, embedder, settings in LEVERS:
        searchers = both_forms(embedder, SearchSettings(**settings))  # type: ignore[arg-type]
        fit = fit_abstention(searchers)
        cells: dict[str, list[str]] = {name: [] for name in sets}
        for searcher in searchers:
            tuned = fit.apply(searcher)
            for (name, _), questions in parts.items():
                m = evaluate(tuned, questions, "hybrid", label).metrics
                cells[name].append(
                    f"{m['hit@1']:.3f} / {m['recall@3']:.3f} / {m['abstain_recall']:.3f} / {m['false_refusal']:.3f}"
                )
        for name in sets:
            rows[name].append(f"| {label} | {' | '.join(cells[name])} |")
            print(f"{name}: {rows[name][-1]}", flush=True)
    for name in sets:
        print(f"\n{name} (Hit@1 / R@3 / OOS recognised / wrongly refused)\n")
        print("| configuration | as shipped, dev | as shipped, held-out | source-only, dev | source-only, held-out |")
        print("|---|---|---|---|---|")
        print("\n".join(rows[name]))


if __name__ == "__main__":
    main()
