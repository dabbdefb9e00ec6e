"""When to say that the contract does not cover a question: a rule that reads the same on any contract."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AbstainRule:
    """Refuse when the margin is below `strict`, or below `weak` while the coverage is below `coverage`.

    The margin is how much closer (cosine) the question is to the contract's closest passage than to the
    closest request no contrat de ville covers; the coverage is the share of the question's stems found in
    its best objectives' text. Both read the same on any contract; the values depend on the embedder.
    """

    strict: float
    weak: float
    coverage: float

    def refuses(self, signals: dict[str, float]) -> bool:
        """Whether a question with these search signals is out of the contract's scope."""
        margin = signals["dense_top"] - signals["outside_top"]
        return margin < self.strict or (margin < self.weak and signals["coverage"] < self.coverage)


# Per embedder (cosine scales differ between models, not between contracts), fitted by `python -m eval.tune`
# on the development questions, the bundled contract and its source-only form together, at a 2% budget of
# in-scope questions refused. Strict is about zero: refuse when an out-of-scope request is as close as the
# contract.
ABSTAIN_RULE: dict[str, AbstainRule] = {
    "e5-small": AbstainRule(strict=-0.006, weak=0.010, coverage=0.34),
    "use-multilingual": AbstainRule(strict=-0.030, weak=0.055, coverage=0.34),
}
ABSTAIN_RULE_DEFAULT = AbstainRule(strict=0.0, weak=0.0, coverage=0.0)
