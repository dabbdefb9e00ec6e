"""The abstention rule on worked values."""

from __future__ import annotations

import pytest

from index import AbstainRule


@pytest.mark.parametrize(
    ("dense_top", "outside_top", "coverage", "refused"),
    [
        (0.90, 0.80, 0.0, False),  # margin 0.10: well above weak, whatever the words
        (0.80, 0.81, 1.0, True),  # margin -0.01 < strict -0.006: closer to an out-of-scope request
        (0.85, 0.845, 0.2, True),  # margin 0.005 < weak 0.010 and coverage 0.2 < 0.34
        (0.85, 0.845, 0.5, False),  # same margin, but half the question's words are in the contract
    ],
)
def test_refusal_on_worked_values(dense_top: float, outside_top: float, coverage: float, refused: bool) -> None:
    """Refuse when margin < strict, or margin < weak with coverage < the coverage threshold."""
    rule = AbstainRule(strict=-0.006, weak=0.010, coverage=0.34)
    signals = {"dense_top": dense_top, "outside_top": outside_top, "coverage": coverage}
    assert rule.refuses(signals) is refused
