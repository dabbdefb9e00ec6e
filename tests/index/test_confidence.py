"""The confidence word shown with an answer, from the lead of the first objective over the second."""

from __future__ import annotations

import math

import pytest

from index import CONFIDENT_MARGIN, Hit, SearchResult, confidence, lead


def _result(*scores: float, abstain: bool = False, codes: tuple[str, ...] = ()) -> SearchResult:
    hits = tuple(Hit("c", f"1.1.{n}", "titre", 1, "axe", 1, "priorité", s, ()) for n, s in enumerate(scores, 1))
    return SearchResult("question", hits, abstain, codes)


@pytest.mark.parametrize(
    ("scores", "word"),
    [((5.0, 5.0 - CONFIDENT_MARGIN), "high"), ((5.0, 5.01 - CONFIDENT_MARGIN), "medium"), ((5.0, 4.7), "low")],
)
def test_the_word_follows_the_lead(scores: tuple[float, float], word: str) -> None:
    """"sûr" from CONFIDENT_MARGIN on, "assez sûr" from 0.6, "peu sûr" below."""
    assert lead(_result(*scores)) == pytest.approx(scores[0] - scores[1])
    assert confidence(_result(*scores)) == word


def test_nothing_cited_has_no_word_and_a_named_code_is_sure() -> None:
    """A refusal has no lead; a code named in the question, or a single objective, leads infinitely."""
    assert lead(_result(3.0, 2.0, abstain=True)) is None and confidence(_result(abstain=True)) == "none"
    assert lead(_result(3.0, 2.99, codes=("1.1.1",))) == math.inf
    assert confidence(_result(0.1)) == "high"
