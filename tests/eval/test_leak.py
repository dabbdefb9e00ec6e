"""No evaluation text in the shipped resources: a phrase of an evaluation file inside `index/data/*` would
turn its question into a look-up, and the figure measured on it into a lie."""

from __future__ import annotations

from eval.leaks import contract_texts, evaluation_texts, resource_texts, shared_phrases


def test_no_phrase_of_an_evaluation_file_is_in_a_shipped_resource() -> None:
    """No run of three content words (accents, case and stop words aside) stands both in a shipped resource
    and in an evaluation file, unless the contract's own source text holds it (then it is the contract's)."""
    evaluation = evaluation_texts()
    assert len(evaluation) > 1000 and len(resource_texts()) > 1000
    leaked = shared_phrases(resource_texts(), evaluation) - shared_phrases(contract_texts(), evaluation)
    assert not leaked, f"evaluation phrases in index/data: {sorted(leaked)}"


def test_the_check_finds_a_planted_phrase() -> None:
    """The comparison folds accents, case, elisions and stop words: a reworded copy is still caught, and a
    phrase sharing only two content words is not."""
    shipped = ["Aide aux devoirs pour les élèves du collège"]
    assert shared_phrases(shipped, ["l'aide aux DEVOIRS des eleves, au college"]) == {
        "aide devoirs eleves",
        "devoirs eleves college",
    }
    assert shared_phrases(shipped, ["aide aux devoirs à la maison"]) == set()
