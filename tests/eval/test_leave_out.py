"""The leave-phrases-out estimate removes exactly the vocabulary a question already contains."""

from __future__ import annotations

from corpus import Contract
from eval.leave_out import without_phrases
from eval.questions import Question
from index.text import Analyzer


def test_entries_contained_in_a_question_are_removed(caph: Contract) -> None:
    """'aide aux devoirs' is inside the question (after stemming and folding), so it goes; an entry
    with a word the question lacks stays; nothing else of the contract changes."""
    vocabulary = {code: o.vocabulary for _, _, o in caph.objectives() for code in [o.code]}
    assert "aide aux devoirs" in vocabulary["5.2.2"]
    question = Question(id="x", question="Aides aux devoirs pour les collégiens", gold=("5.2.2",))
    slimmer, removed = without_phrases(caph, [question], Analyzer())
    after = {o.code: o.vocabulary for _, _, o in slimmer.objectives()}
    assert "aide aux devoirs" not in after["5.2.2"]
    assert removed == sum(len(v) for v in vocabulary.values()) - sum(len(v) for v in after.values()) >= 1
    assert "accompagnement à la scolarité" in after["5.2.2"]  # 'accompagnement' is not in the question
    assert [o.measures for _, _, o in slimmer.objectives()] == [o.measures for _, _, o in caph.objectives()]
