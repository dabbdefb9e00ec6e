"""Does the confidence word mean what it says? Accuracy of the first objective per label.

Run: `.venv/bin/python -m eval.confidence [--split heldout] [--embedder NAME]`. For the bundled
questions and the situations of the split, on the bundled contract as shipped and source-only: how many
answers got each label (`sûr`, `assez sûr`, `peu sûr`) and how often their first objective was right.
Refused in-scope questions are counted apart; a refused question shows no code, so it has no label.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from eval.metrics import answered_right
from eval.questions import DEFAULT_QUESTIONS, SITUATIONS, Split, load_questions
from eval.tune import both_forms
from index import DEFAULT_EMBEDDER, confidence

LABELS = {"high": "sûr", "medium": "assez sûr", "low": "peu sûr"}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", choices=("dev", "heldout"), default="heldout")
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER)
    args = parser.parse_args(argv)
    split: Split = args.split
    questions = [q for path in (DEFAULT_QUESTIONS, SITUATIONS) for q in load_questions(path, split) if q.in_scope]
    print(f"{len(questions)} in-scope questions ({split}), {args.embedder}\n")
    print("| contract | label | answers | first objective right | accuracy |")
    print("|---|---|---|---|---|")
    for form, searcher in zip(("as shipped", "source-only"), both_forms(args.embedder), strict=True):
        counts = {label: [0, 0] for label in (*LABELS, "none")}
        for question, result in zip(questions, searcher.search_many([q.question for q in questions], k=3), strict=True):
            label = confidence(result)
            counts[label][0] += 1
            ranked = [hit.code for hit in result.hits]
            counts[label][1] += answered_right(ranked, question.gold, result.abstain)
        for key, (answers, right) in counts.items():
            name = LABELS.get(key, "refused (no code shown)")
            accuracy = f"{right / answers:.3f}" if answers else "–"
            print(f"| {form} | {name} | {answers} | {right} | {accuracy} |")


if __name__ == "__main__":
    main()
