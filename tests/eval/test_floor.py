"""Regression floor: retrieval on the held-out questions must not fall below the recorded figures."""

from __future__ import annotations

import pytest

from eval.questions import SITUATIONS, load_questions
from eval.report import evaluate
from index import Searcher

# A little below the figures measured when the default configuration was chosen (README tables). The
# out-of-scope floor was 0.875 with the abstention rule fitted on this contract alone; the rule that
# holds for any contract recognises 6 of the 8 held-out requests (see the README).
FLOOR = {"hit@1": 0.95, "recall@3": 0.98, "mrr@10": 0.97, "abstain_recall": 0.75}
MAX_FALSE_REFUSAL = 0.03
# the same contract stripped of its editorial fields: what any contract added as data looks like. Hit@1
# was 0.82 before the thesaurus was placed by each contract's own search (0.76, 0.77 since): that traded
# six of these same-author questions for six everyday situations (below), decided on dev (README)
SOURCE_ONLY_FLOOR = {"hit@1": 0.74, "recall@3": 0.92, "abstain_recall": 0.75}
SOURCE_ONLY_MAX_FALSE_REFUSAL = 0.05
# the everyday situations written before any vocabulary (0.794 in both forms when this floor was set)
SITUATIONS_FLOOR = 0.75


@pytest.mark.slow
def test_heldout_floor(default_searcher: Searcher) -> None:
    """The default hybrid search keeps its held-out Hit@1, Recall@3, MRR and abstention."""
    report = evaluate(default_searcher, load_questions(split="heldout"), "hybrid", "hybrid")
    below = {name: report.metrics[name] for name, floor in FLOOR.items() if report.metrics[name] < floor}
    assert below == {}, f"below the floor {FLOOR}: {below}"
    assert report.metrics["false_refusal"] <= MAX_FALSE_REFUSAL


@pytest.mark.slow
def test_heldout_floor_without_editorial_fields(source_only_searcher: Searcher) -> None:
    """Without vocabulary, English renderings or out-of-scope topics, the held-out figures hold too."""
    report = evaluate(source_only_searcher, load_questions(split="heldout"), "hybrid", "hybrid")
    floor = SOURCE_ONLY_FLOOR
    below = {name: report.metrics[name] for name, value in floor.items() if report.metrics[name] < value}
    assert below == {}, f"below the floor {floor}: {below}"
    assert report.metrics["false_refusal"] <= SOURCE_ONLY_MAX_FALSE_REFUSAL


@pytest.mark.slow
def test_heldout_situations_floor(default_searcher: Searcher, source_only_searcher: Searcher) -> None:
    """On everyday situations written before any vocabulary, both forms of the contract keep their Hit@1."""
    questions = load_questions(SITUATIONS, split="heldout")
    for searcher in (default_searcher, source_only_searcher):
        report = evaluate(searcher, questions, "hybrid", "hybrid")
        assert report.metrics["hit@1"] >= SITUATIONS_FLOOR, report.metrics
        assert report.metrics["false_refusal"] <= SOURCE_ONLY_MAX_FALSE_REFUSAL
