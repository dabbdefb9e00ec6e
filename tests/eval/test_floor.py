"""Regression floors on the development questions, and invariants that hold for every objective.

The held-out parts are never a gate: `cdv eval --split heldout …` measures them and docs/evaluation.md
reports them. Each floor sits a little below the dev figure measured with the default settings
(docs/evaluation.md, same command), so that a change that loses several questions fails here first.
"""

from __future__ import annotations

import pytest

from corpus import Contract
from eval.questions import SITUATIONS, load_questions
from eval.report import evaluate
from index import Searcher

# form → metric → floor (false_refusal: ceiling), on the dev part of eval/data/questions.jsonl
QUESTIONS_FLOOR = {
    "shipped": {"hit@1": 0.95, "recall@3": 0.98, "abstain_recall": 0.90, "false_refusal": 0.02},
    "source-only": {"hit@1": 0.81, "recall@3": 0.90, "abstain_recall": 0.90, "false_refusal": 0.04},
    "titles-only": {"hit@1": 0.64, "recall@3": 0.83, "abstain_recall": 0.85, "false_refusal": 0.03},
}
# on the dev part of eval/data/situations.jsonl (everyday situations written before any vocabulary)
SITUATIONS_FLOOR = {"shipped": 0.82, "source-only": 0.72, "titles-only": 0.56}


def _searchers(request: pytest.FixtureRequest) -> dict[str, Searcher]:
    return {
        "shipped": request.getfixturevalue("default_searcher"),
        "source-only": request.getfixturevalue("source_only_searcher"),
        "titles-only": request.getfixturevalue("titles_only_searcher"),
    }


@pytest.mark.slow
@pytest.mark.parametrize("form", list(QUESTIONS_FLOOR))
def test_dev_questions_floor(form: str, request: pytest.FixtureRequest) -> None:
    """Each form of the contract keeps its dev Hit@1, Recall@3, out-of-scope recall and refusal rate."""
    report = evaluate(_searchers(request)[form], load_questions(split="dev"), "hybrid", form)
    floor = QUESTIONS_FLOOR[form]
    below = {
        name: round(report.metrics[name], 3)
        for name, value in floor.items()
        if (report.metrics[name] > value if name == "false_refusal" else report.metrics[name] < value)
    }
    assert below == {}, f"{form}: past the floor {floor}: {below}"


@pytest.mark.slow
@pytest.mark.parametrize("form", list(SITUATIONS_FLOOR))
def test_dev_situations_floor(form: str, request: pytest.FixtureRequest) -> None:
    """Everyday situations (dev): each form keeps its Hit@1 (a refusal counts as wrong)."""
    report = evaluate(_searchers(request)[form], load_questions(SITUATIONS, split="dev"), "hybrid", form)
    assert report.metrics["hit@1"] >= SITUATIONS_FLOOR[form], report.metrics


@pytest.mark.slow
def test_every_code_asked_by_name_is_cited_never_refused(caph: Contract, titles_only_searcher: Searcher) -> None:
    """Invariant: "objectif 5.1.3" cites 5.1.3 first and is never refused, for every objective, even on
    the titles-only form."""
    codes = [objective.code for _, _, objective in caph.objectives()]
    results = titles_only_searcher.search_many([f"objectif {code}" for code in codes], k=3)
    wrong = [code for code, result in zip(codes, results, strict=True) if result.abstain or result.hits[0].code != code]
    assert wrong == []
