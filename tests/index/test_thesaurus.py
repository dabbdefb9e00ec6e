"""The domain thesaurus: its file, and how its situations attach to a contract's objectives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus import Contract, source_only
from index import Searcher, SearchSettings
from index.cache import read_verified, write_verified
from index.passages import build_passages, objective_documents
from index.text import Analyzer
from index.thesaurus import Concept, assign_concepts, load_out_of_scope, load_thesaurus
from tests.fakes import FakeEmbedder


def test_the_shipped_files_load() -> None:
    """The thesaurus and the generic out-of-scope list shipped with the index are valid."""
    concepts = load_thesaurus()
    assert len(concepts) >= 40 and all(c.situations for c in concepts)
    assert len(load_out_of_scope()) >= 80


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- terms: x\n", "expected `terms`, `situations`"),
        ("- terms: x\n  situations: [a]\n  theme: [a]\n", "theme: expected a text"),
        ("- terms: x\n  situations: [a]\n  action: oui\n", "action: expected true or false"),
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
    assert attached == {
        ("x", "1.1.1"): [("terms", "absentéisme scolaire élèves absents"), ("situation", "sécher les cours")],
        ("x", "1.1.2"): [("terms", "précarité énergétique factures chauffage"), ("situation", "avoir froid chez soi")],
    }


def test_the_bundled_contract_gets_situations_without_its_vocabulary(caph: Contract) -> None:
    """Stripped of its editorial fields, the contract still gets everyday situations on most objectives,
    each indexed as a bare passage of its objective; a concept's terms go to its objective's lexical
    document, never to a passage (a list of keywords embedded comes close to too many questions)."""
    bare = source_only(caph)
    analyzer = Analyzer({e.acronym: e.meaning for e in bare.glossary})
    attached = assign_concepts(load_thesaurus(), objective_documents([bare], enriched=False), analyzer)
    assert len(attached) >= 30
    assert ("situation", "sécher les cours") in attached[(bare.id, "5.1.3")]
    terms = next(text for kind, text in attached[(bare.id, "5.1.3")] if kind == "terms")
    passages = build_passages([bare], situations=attached)
    assert any(p.kind == "situation" and p.code == "5.1.3" and p.text == "sécher les cours" for p in passages)
    assert not any(p.text == terms for p in passages)
    assert terms in objective_documents([bare], enriched=False, situations=attached)[(bare.id, "5.1.3")]


def test_with_an_embedder_the_contracts_own_search_places_each_concept(
    caph: Contract, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With an embedder, each concept goes to the one objective the contract's own search (source text,
    no thesaurus) ranks first for its terms, if that objective's text holds a fifth of the terms' stems;
    the decision is saved, read back on the next start, and decided again when the file is damaged."""
    embedder = FakeEmbedder()
    searcher = Searcher([caph], embedder, cache_dir=tmp_path)
    [saved] = (tmp_path / "attach").glob("fake-*.json")
    rows = json.loads(read_verified(saved))
    attached = {(cid, code): texts for cid, code, texts in rows}
    assert ["situation", "sécher les cours"] in attached[(caph.id, "5.1.3")]
    bare = Searcher([source_only(caph)], None, SearchSettings(retriever="lexical", thesaurus=False))
    analyzer, objectives = bare.analyzer, {o.code: o for _, _, o in caph.objectives()}
    for concept in load_thesaurus():
        places = [code for (_, code), texts in attached.items() if ["situation", concept.situations[0]] in texts]
        assert len(places) <= 1, f"{concept.terms} went to {places}"
        for code in places:
            objective = objectives[code]
            text = " ".join([objective.title, *(m.text for m in objective.measures)])
            stems = set(analyzer.tokens(concept.terms))
            shared = stems & bare.document_stems[bare.keys.index((caph.id, code))]
            assert len(shared) / len(stems) >= 0.2, f"{concept.terms} on {code}: {text}"
    assert any(p.kind == "situation" and p.text == "sécher les cours" for p in searcher.passages)

    # the next start reads the file: a decision written with its hash shows in the passages
    write_verified(saved, json.dumps([[caph.id, "1.1.1", [["situation", "une situation posée à la main"]]]]).encode())
    again = Searcher([caph], embedder, cache_dir=tmp_path)
    situations = [(p.code, p.text) for p in again.passages if p.kind == "situation"]
    assert situations == [("1.1.1", "une situation posée à la main")]

    # a damaged file, or valid JSON of another shape, is decided again, with a log line
    # a damaged file, valid JSON of another shape, or a decision edited without its hash is decided again
    edited = json.dumps([[caph.id, "1.1.1", [["situation", "glissée sans empreinte"]]]])
    written_before = json.dumps([[caph.id, "1.1.1", ["a situation without its kind"]]])
    for damage in ("{not json", '{"abc": 1}', "[[1, 2]]", edited):
        saved.write_text(damage, encoding="utf-8")
        caplog.clear()
        repaired = Searcher([caph], embedder, cache_dir=tmp_path)
        assert "Placement du thésaurus illisible" in caplog.text
        assert {(p.code, p.text) for p in repaired.passages if p.kind == "situation"} == {
            (p.code, p.text) for p in searcher.passages if p.kind == "situation"
        }
    # a decision saved by an older version (texts without their kind), hash and all, is decided again
    write_verified(saved, written_before.encode())
    caplog.clear()
    Searcher([caph], embedder, cache_dir=tmp_path)
    assert "Placement du thésaurus illisible" in caplog.text


def test_names_inside_a_heading_name_no_theme() -> None:
    """A capitalised word among lower-case ones is a name (a district) and names no theme; a heading in
    title case keeps every word."""
    from index.placement import _common_words

    heading = "Mettre en oeuvre la requalification urbaine du quartier d’Ar Santé Les Fontaines"
    kept = _common_words(heading)
    assert "Santé" not in kept and "Fontaines" not in kept and "requalification urbaine" in kept
    assert len(kept) == len(heading)
    assert _common_words("Emploi et Insertion") == "Emploi et Insertion"
    assert _common_words("Favoriser l'accès aux soins (Santé)") == "Favoriser l'accès aux soins (Santé)"
