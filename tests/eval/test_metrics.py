"""Metric functions on small worked examples, and one cross-check against ir-measures."""

from __future__ import annotations

import math

import pytest

from eval.metrics import abstention_scores, hit_at_k, mrr_at_k, ndcg_at_k, recall_at_k
from eval.report import QuestionOutcome, summarise


def test_hit_at_k() -> None:
    """Hit@1 is 1 only when the first result is gold; Hit@3 when any of the first three is."""
    assert hit_at_k(["5.1.3", "5.1.2"], ["5.1.3"], 1) == 1.0
    assert hit_at_k(["5.1.2", "5.1.3"], ["5.1.3"], 1) == 0.0
    assert hit_at_k(["5.1.2", "5.1.3"], ["5.1.3"], 3) == 1.0


def test_recall_at_k() -> None:
    """Two gold codes, one in the top 3: recall@3 = 1/2; both in the top 5: recall@5 = 2/2."""
    ranked = ["a", "b", "c", "d", "e"]
    assert recall_at_k(ranked, ["b", "e"], 3) == 0.5
    assert recall_at_k(ranked, ["b", "e"], 5) == 1.0
    with pytest.raises(ValueError):
        recall_at_k(ranked, [], 3)


def test_mrr() -> None:
    """First gold at rank 2 gives 1/2; at rank 1 gives 1; beyond k gives 0. MRR = (1/2 + 1/1) / 2 = 0.75."""
    assert mrr_at_k(["x", "g"], ["g"]) == 0.5
    assert mrr_at_k(["g"], ["g"]) == 1.0
    assert mrr_at_k(["x"] * 10 + ["g"], ["g"], 10) == 0.0
    assert (mrr_at_k(["x", "g"], ["g"]) + mrr_at_k(["g"], ["g"])) / 2 == 0.75


def test_ndcg() -> None:
    """Gold at ranks 1 and 3 of two gold: DCG = 1 + 1/log2(4) = 1.5, IDCG = 1 + 1/log2(3)."""
    expected = 1.5 / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["g1", "x", "g2"], ["g1", "g2"]) == pytest.approx(expected)
    assert ndcg_at_k(["g1"], ["g1"]) == 1.0


def test_abstention_scores() -> None:
    """Refused: one out-of-scope and one in-scope question, of two OOS and three in scope.

    precision = 1/2, recall = 1/2, false refusals = 1/3.
    """
    abstained = [True, False, True, False, False]
    in_scope = [False, False, True, True, True]
    scores = abstention_scores(abstained, in_scope)
    assert scores == {"abstain_precision": 0.5, "abstain_recall": 0.5, "false_refusal": pytest.approx(1 / 3)}


def test_cross_check_with_ir_measures() -> None:
    """Our means of MRR@10, nDCG@10 and R@3 agree with the ir-measures reference implementation."""
    ir_measures = pytest.importorskip("ir_measures")
    runs = {"q1": ["a", "b", "c", "d"], "q2": ["c", "a", "b"], "q3": ["d", "e", "f", "a", "b"]}
    gold = {"q1": ["b"], "q2": ["a", "b"], "q3": ["a"]}
    outcomes = [QuestionOutcome(q, tuple(runs[q]), False, tuple(gold[q]), "s", "fr") for q in runs]
    ours = summarise(outcomes)
    qrels = [ir_measures.Qrel(q, d, 1) for q, docs in gold.items() for d in docs]
    run = [ir_measures.ScoredDoc(q, d, float(len(docs) - i)) for q, docs in runs.items() for i, d in enumerate(docs)]
    ref = ir_measures.calc_aggregate([ir_measures.RR @ 10, ir_measures.nDCG @ 10, ir_measures.R @ 3], qrels, run)
    assert ours["mrr@10"] == pytest.approx(ref[ir_measures.RR @ 10])
    assert ours["ndcg@10"] == pytest.approx(ref[ir_measures.nDCG @ 10])
    assert ours["recall@3"] == pytest.approx(ref[ir_measures.R @ 3])


def test_a_refused_question_is_never_right() -> None:
    """One definition of a right answer: refused in scope is wrong even when the closest objective is gold;
    refused out of scope is right."""
    from eval.metrics import answered_right

    assert answered_right(["5.1.3"], ["5.1.3"], abstained=False)
    assert not answered_right(["5.1.3"], ["5.1.3"], abstained=True)
    assert not answered_right([], ["5.1.3"], abstained=False)
    assert answered_right(["5.1.3"], [], abstained=True) and not answered_right(["5.1.3"], [], abstained=False)
