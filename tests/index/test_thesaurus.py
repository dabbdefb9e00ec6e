"""The domain thesaurus: its file, and how its situations attach to a contract's objectives."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import Contract, source_only
from index.passages import build_passages, objective_documents
from index.text import Analyzer
from index.thesaurus import Concept, assign_concepts, load_out_of_scope, load_thesaurus


def test_the_shipped_files_load() -> None:
    """The thesaurus and the generic out-of-scope list shipped with the index are valid."""
    concepts = load_thesaurus()
    assert len(concepts) >= 40 and all(c.situations for c in concepts)
    assert len(load_out_of_scope()) >= 80


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- terms: x\n", "exactly the keys"),
        ("- terms: ''\n  situations: [a]\n", "terms: expected a non-empty text"),
        ("- terms: x\n  situations: []\n", "at least one"),
        ("terms: x\n", "expected a list"),
        ("- terms: x\n  situations: [\n", "cannot read"),
    ],
)
def test_a_malformed_thesaurus_is_named(tmp_path: Path, text: str, message: str) -> None:
    """Each fault of the file is reported with the file and the entry, not as a traceback."""
    path = tmp_path / "thesaurus.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_thesaurus(path)


def test_situations_go_to_the_objective_whose_text_the_terms_match() -> None:
    """A concept lands on the objective that speaks of it; a concept the contract never mentions
    lands nowhere (an invented two-objective table, for this test only)."""
    documents = {
        ("x", "1.1.1"): "Accompagner les élèves en situation d'absentéisme scolaire",
        ("x", "1.1.2"): "Lutter contre la précarité énergétique des ménages",
    }
    concepts = [
        Concept("absentéisme scolaire élèves absents", ("sécher les cours",)),
        Concept("précarité énergétique factures chauffage", ("avoir froid chez soi",)),
        Concept("chasse pêche agriculture", ("permis de chasse",)),
    ]
    attached = assign_concepts(concepts, documents, Analyzer())
    assert attached == {("x", "1.1.1"): ["sécher les cours"], ("x", "1.1.2"): ["avoir froid chez soi"]}


def test_the_bundled_contract_gets_situations_without_its_vocabulary(caph: Contract) -> None:
    """Stripped of its editorial fields, the contract still gets everyday situations on most objectives,
    each indexed as a bare passage of its objective."""
    bare = source_only(caph)
    analyzer = Analyzer({e.acronym: e.meaning for e in bare.glossary})
    attached = assign_concepts(load_thesaurus(), objective_documents([bare], enriched=False), analyzer)
    assert len(attached) >= 30
    assert "sécher les cours" in attached[(bare.id, "5.1.3")]
    passages = build_passages([bare], situations=attached)
    assert any(p.kind == "situation" and p.code == "5.1.3" and p.text == "sécher les cours" for p in passages)
