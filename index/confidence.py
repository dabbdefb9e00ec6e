"""How sure a search result is, in three words a user can act on."""

from __future__ import annotations

from typing import Literal

from index.hits import SearchResult

Confidence = Literal["high", "medium", "low", "none"]
CONFIDENT_MARGIN = 1.75  # "sûr"
PLAUSIBLE_MARGIN = 0.6  # "assez sûr" from here, "peu sûr" below


def confidence(result: SearchResult) -> Confidence:
    """`high` (sûr), `medium` (assez sûr), `low` (peu sûr), or `none` when nothing is cited.

    The fused scores are z-scores, so the margin between the first two objectives means the same for any
    contract. On the development questions (the bundled contract as shipped and source-only, pooled),
    the first objective was right 98% of the time with a margin of 1.75 or more, 88% from 0.6 to 1.75,
    53% below (the "sûr" bound was 1.5 until the thesaurus was placed by each contract's own search, which
    widened margins: at 1.5 it fell to about 97%); `python -m eval.confidence` prints the same table for any
    split.
    """
    if result.abstain or not result.hits:
        return "none"
    if result.codes or len(result.hits) == 1:
        return "high"  # a code named in the question, or only one objective to choose from
    margin = result.hits[0].score - result.hits[1].score
    if margin >= CONFIDENT_MARGIN:
        return "high"
    return "medium" if margin >= PLAUSIBLE_MARGIN else "low"
