"""The contract as its source prints it: editorial fields removed, the rest kept."""

from __future__ import annotations

from corpus import Contract, source_only


def test_source_only_drops_every_editorial_field(caph: Contract) -> None:
    """No vocabulary, no English rendering and no out-of-scope topic is left; codes, titles, measures,
    uncertain placements and the glossary's acronyms stay."""
    bare = source_only(caph)
    assert bare.out_of_scope == () and bare.title_en is None
    for (axis, priority, objective), (_, _, original) in zip(bare.objectives(), caph.objectives(), strict=True):
        assert objective.vocabulary == () and objective.title_en is None and axis.title_en is None
        assert priority.title_en is None
        assert objective.code == original.code and objective.title == original.title
        assert [(m.text, m.uncertain, m.candidates) for m in objective.measures] == [
            (m.text, m.uncertain, m.candidates) for m in original.measures
        ]
        assert all(m.text_en is None for m in objective.measures)
    assert [e.acronym for e in bare.glossary] == [e.acronym for e in caph.glossary]
    assert all(e.meaning_en is None for e in bare.glossary)
    assert sum(len(o.vocabulary) for _, _, o in caph.objectives()) > 0  # the original is untouched
