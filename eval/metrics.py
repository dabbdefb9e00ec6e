"""Ranking and abstention metrics over one question (binary relevance)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def answered_right(ranked: Sequence[str], gold: Sequence[str], abstained: bool) -> bool:
    """The one definition of a right answer: for a request the contract covers, an answer (not a refusal)
    whose first objective is a gold one; for a request it does not cover, a refusal."""
    if not gold:
        return abstained
    return not abstained and bool(ranked) and ranked[0] in gold


def hit_at_k(ranked: Sequence[str], gold: Sequence[str], k: int) -> float:
    """1 if any gold code is in the first k results, else 0."""
    return float(any(code in gold for code in ranked[:k]))


def recall_at_k(ranked: Sequence[str], gold: Sequence[str], k: int) -> float:
    """Share of the gold codes found in the first k results."""
    if not gold:
        raise ValueError("recall_at_k is undefined without gold codes")
    return len(set(ranked[:k]) & set(gold)) / len(set(gold))


def mrr_at_k(ranked: Sequence[str], gold: Sequence[str], k: int = 10) -> float:
    """1 / rank of the first gold code within the first k results, else 0."""
    for rank, code in enumerate(ranked[:k], start=1):
        if code in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[str], gold: Sequence[str], k: int = 10) -> float:
    """Normalised discounted cumulative gain with binary gains."""
    if not gold:
        raise ValueError("ndcg_at_k is undefined without gold codes")
    dcg = sum(1.0 / math.log2(rank + 1) for rank, code in enumerate(ranked[:k], start=1) if code in gold)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(set(gold)), k) + 1))
    return dcg / ideal


def abstention_scores(abstained: Sequence[bool], in_scope: Sequence[bool]) -> dict[str, float]:
    """Precision and recall of refusing out-of-scope questions, and the rate of wrong refusals.

    Precision is 1.0 when nothing was refused (no refusal was wrong); recall is 1.0 when there is
    no out-of-scope question.
    """
    if len(abstained) != len(in_scope):
        raise ValueError("abstained and in_scope must have the same length")
    refused_out = sum(a and not s for a, s in zip(abstained, in_scope, strict=True))
    refused = sum(abstained)
    out = sum(not s for s in in_scope)
    inside = sum(in_scope)
    refused_in = sum(a and s for a, s in zip(abstained, in_scope, strict=True))
    return {
        "abstain_precision": refused_out / refused if refused else 1.0,
        "abstain_recall": refused_out / out if out else 1.0,
        "false_refusal": refused_in / inside if inside else 0.0,
    }
