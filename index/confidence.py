"""How sure a search result is, in three words a user can act on."""

from __future__ import annotations

import math
from typing import Literal

from index.hits import SearchResult

Confidence = Literal["high", "medium", "low", "none"]
CONFIDENT_MARGIN = 2.25  # "sûr"
PLAUSIBLE_MARGIN = 0.6  # "assez sûr" from here, "peu sûr" below


def confidence(result: SearchResult) -> Confidence:
    """`high` (sûr), `medium` (assez sûr), `low` (peu sûr), or `none` when nothing is cited.

    The fused scores are z-scores, so the margin between the first two objectives means the same for any
    contract. The "sûr" bound is the smallest at which the first objective was right 98% of the time on
    the development questions of the bundled contract as shipped *and* on those of the contract stripped
    of its editorial fields, each form on its own (a contract added as data looks like the second): 2.25
    (99.5% and 99.0%). Pooled, the flattered bundled form let 1.75 pass while source-only answers were
    right only 96.6% of the time there. From 0.6 to 2.25 is "assez sûr", below "peu sûr";
    `python -m eval.confidence` prints the table for any split.
    """
    margin = lead(result)
    if margin is None:
        return "none"
    if margin >= CONFIDENT_MARGIN:
        return "high"
    return "medium" if margin >= PLAUSIBLE_MARGIN else "low"


def lead(result: SearchResult) -> float | None:
    """How far the first objective's fused score is ahead of the second's: infinite for a code named in
    the question or a single objective to choose from, None when nothing is cited."""
    if result.abstain or not result.hits:
        return None
    if result.codes or len(result.hits) == 1:
        return math.inf
    return result.hits[0].score - result.hits[1].score
