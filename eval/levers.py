"""The retrieval levers of the second round (issue 5), one row each, on the development and held-out parts.

Run: `.venv/bin/python -m eval.levers [--embedder NAME]` (a few minutes). Every configuration gets its
own abstention rule, fitted on dev plus the calibration requests at the same false-refusal budget
(`eval.tune.CHOSEN_BUDGET`), so the rows compare like with like. The decisions were taken on the dev
columns; the held-out columns are printed for the record.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path

from corpus import Contract, load_contracts
from eval.questions import load_questions
from eval.report import evaluate
from eval.tune import fit_abstention
from index import DEFAULT_EMBEDDER, SearchSettings, open_searcher

BEFORE: dict[str, object] = {
    "spelling": False,
    "everyday": False,
    "summary_title": False,
    "classifier_weight": 0.0,
    "dense_weight": 0.4,
}

# (label, settings, whether the contract's out-of-scope topics are used)
LEVERS: list[tuple[str, dict[str, object], bool]] = [
    ("before this round: nearest passage, dense weight 0.4", BEFORE, False),
    ("+ spelling repair", {**BEFORE, "spelling": True}, False),
    ("+ objective classifier (dense 0.1, classifier 0.3)", {"everyday": False, "summary_title": False}, False),
    ("+ out-of-scope topics in the abstention", {"everyday": False, "summary_title": False}, True),
    ("+ everyday-word list", {"summary_title": False}, True),
    ("+ summary title counted twice (final)", {}, True),
    ("final without spelling repair", {"spelling": False}, True),
    ("final without the classifier (dense 0.4)", {"classifier_weight": 0.0, "dense_weight": 0.4}, True),
    ("final without out-of-scope topics", {}, False),
]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER)
    args = parser.parse_args(argv)
    contracts = load_contracts()
    bare = [c.model_copy(update={"out_of_scope": ()}) for c in contracts]
    parts = {split: load_questions(split=split) for split in ("dev", "heldout")}
    columns = "Hit@1 / R@3 / OOS recognised / wrongly refused"
    print(f"| configuration ({args.embedder}) | dev {columns} | held-out {columns} |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for label, settings, outside in LEVERS:
            # without the topics the indexed texts differ: keep that index out of the user's cache
            chosen: list[Contract] = contracts if outside else bare
            cache = None if outside else Path(scratch)
            searcher = open_searcher(chosen, args.embedder, SearchSettings(**settings), cache_dir=cache)  # type: ignore[arg-type]
            searcher = fit_abstention(searcher).apply(searcher)
            cells = []
            for questions in parts.values():
                m = evaluate(searcher, questions, "hybrid", label).metrics
                cells.append(
                    f"{m['hit@1']:.3f} / {m['recall@3']:.3f} / {m['abstain_recall']:.3f} / {m['false_refusal']:.3f}"
                )
            print(f"| {label} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
