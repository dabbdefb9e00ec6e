"""Regression floor: retrieval on the held-out questions must not fall below the recorded figures."""

from __future__ import annotations

import pytest

from eval.questions import load_questions
from eval.report import evaluate
from index import Searcher

# A little below the figures measured when the default configuration was chosen (README table).
FLOOR = {"hit@1": 0.93, "recall@3": 0.98, "mrr@10": 0.96, "abstain_recall": 0.875}
MAX_FALSE_REFUSAL = 0.03


@pytest.mark.slow
def test_heldout_floor(default_searcher: Searcher) -> None:
    """The default hybrid search keeps its held-out Hit@1, Recall@3, MRR and abstention."""
    report = evaluate(default_searcher, load_questions(split="heldout"), "hybrid", "hybrid")
    below = {name: report.metrics[name] for name, floor in FLOOR.items() if report.metrics[name] < floor}
    assert below == {}, f"below the floor {FLOOR}: {below}"
    assert report.metrics["false_refusal"] <= MAX_FALSE_REFUSAL
