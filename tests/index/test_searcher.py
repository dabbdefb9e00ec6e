"""Objective search with a deterministic fake embedder: codes, accents, typos, acronyms, filters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from corpus import Contract
from index import AbstainRule, Searcher, SearchSettings
from tests.fakes import FakeEmbedder


@pytest.fixture(scope="module")
def searcher(caph: Contract, tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return Searcher([caph], FakeEmbedder(), cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def plain(caph: Contract) -> Searcher:
    """Lexical search over the source text only (no editorial vocabulary)."""
    return Searcher([caph], None, SearchSettings(retriever="lexical", enriched=False))


@pytest.mark.parametrize("query", ["5.1.3", "objectif 5.1.3", "Objectif 5-1-3", "code 5. 1. 3"])
def test_bare_code_goes_straight_to_its_objective(searcher: Searcher, query: str) -> None:
    """A question that is a code returns that objective alone, whatever the spelling of the code."""
    result = searcher.search(query)
    assert [hit.code for hit in result.hits] == ["5.1.3"]
    assert result.codes == ("5.1.3",) and not result.abstain


def test_code_inside_a_question_comes_first(searcher: Searcher) -> None:
    """A code mentioned in a longer question is ranked first, other objectives follow."""
    result = searcher.search("est-ce que le 2.1.3 couvre aussi le logement des jeunes ?", k=5)
    assert result.hits[0].code == "2.1.3"
    assert len(result.hits) == 5


def test_unknown_code_is_named(searcher: Searcher) -> None:
    """A code that does not exist is reported as unknown, with no invented answer."""
    result = searcher.search("objectif 9.9.9")
    assert result.unknown_codes == ("9.9.9",)
    assert result.hits == () and result.abstain


def test_accents_do_not_matter(plain: Searcher) -> None:
    """With and without accents the lexical ranking is the same."""
    with_accents = plain.search("absentéisme scolaire des élèves", k=3)
    without = plain.search("absenteisme scolaire des eleves", k=3)
    assert [h.code for h in with_accents.hits] == [h.code for h in without.hits]
    assert with_accents.hits[0].code == "5.1.3"


def test_typos_are_tolerated(plain: Searcher) -> None:
    """Misspelt words still find the objective through character n-grams."""
    assert plain.search("ilettrisme", k=1).hits[0].code == "2.1.3"
    assert plain.search("marchands de someil", k=1).hits[0].code == "4.3.2"


def test_acronyms_are_expanded_from_the_glossary(plain: Searcher) -> None:
    """The spelt-out name of an acronym finds the objective whose text only has the acronym."""
    result = plain.search("service d'aide aux victimes d'urgence", k=1)
    assert result.hits[0].code == "6.2.2"  # its measure says only "SAVU"
    assert plain.search("SAVU", k=1).hits[0].code == "6.2.2"


def test_matched_measures_are_the_relevant_ones(plain: Searcher) -> None:
    """A hit carries the measures of its objective that match the question best."""
    hit = plain.search("marchands de sommeil", k=1).hits[0]
    assert hit.code == "4.3.2"
    assert "marchands de sommeil" in hit.measures[0].text


def test_uncertain_measures_keep_their_candidates(plain: Searcher) -> None:
    """An uncertain placement reaches the result with its other candidate codes."""
    hit = plain.search("cellules de veille locales logement", k=1).hits[0]
    uncertain = [m for m in hit.measures if m.uncertain]
    assert uncertain and uncertain[0].candidates


def test_axis_filter(searcher: Searcher) -> None:
    """With an axis filter, every hit belongs to that axis."""
    result = searcher.search("accompagnement des jeunes", k=5, axis=7)
    assert result.hits and all(hit.axis_number == 7 for hit in result.hits)


def test_contract_filter_and_bad_filters(searcher: Searcher) -> None:
    """Unknown axis, contract, retriever, k or an empty question fail with a message naming the value."""
    assert searcher.search("emploi", contract="caph-2015-2023").hits
    with pytest.raises(ValueError, match="axe inconnu 9"):
        searcher.search("emploi", axis=9)
    with pytest.raises(ValueError, match="contrat inconnu 'nope'"):
        searcher.search("emploi", contract="nope")
    with pytest.raises(ValueError, match="méthode inconnue 'magic'"):
        searcher.search("emploi", retriever="magic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k doit valoir au moins 1"):
        searcher.search("emploi", k=0)
    with pytest.raises(ValueError, match="question vide"):
        searcher.search("   ")


def test_lexical_only_searcher_refuses_dense(plain: Searcher) -> None:
    """Without an embedder the dense retriever is refused with a clear message."""
    with pytest.raises(ValueError, match="a besoin d'un modèle"):
        plain.search("emploi", retriever="dense")


def test_huge_question_is_cut_and_flagged(searcher: Searcher) -> None:
    """A 100,000-character question is answered from its beginning and marked truncated."""
    result = searcher.search("chantier d'insertion " * 5000, k=1)
    assert result.truncated
    assert result.hits[0].code == "2.1.1"


def test_contracts_are_kept_apart(caph: Contract, tmp_path: Path) -> None:
    """With two contracts loaded, the same code exists in both and the filter picks one."""
    other = caph.model_copy(update={"id": "other-2015-2023"})
    searcher = Searcher([caph, other], FakeEmbedder(), cache_dir=tmp_path)
    both = searcher.search("5.1.3", k=5)
    assert {hit.contract_id for hit in both.hits} == {"caph-2015-2023", "other-2015-2023"}
    only = searcher.search("5.1.3", k=5, contract="other-2015-2023")
    assert [hit.contract_id for hit in only.hits] == ["other-2015-2023"]


def test_question_near_an_out_of_scope_topic_is_refused(caph: Contract, tmp_path: Path) -> None:
    """A question is refused when an out-of-scope request is as close to it as the contract is: the same
    question is refused when the contract lists a topic just like it, and answered when it does not (the
    generic out-of-scope requests shipped with the index are further away)."""
    topic = caph.model_copy(update={"out_of_scope": ("chantier d'insertion et emploi de la zone industrielle",)})
    without = caph.model_copy(update={"out_of_scope": ()})
    settings = SearchSettings(abstain_rule=AbstainRule(strict=0.01, weak=0.01, coverage=0.0))
    question = "chantier insertion emploi"
    near = Searcher([topic], FakeEmbedder(), settings, cache_dir=tmp_path).search(question)
    alone = Searcher([without], FakeEmbedder(), settings, cache_dir=tmp_path).search(question)
    assert near.signals["outside_top"] > 0.9 and near.signals["outside_top"] >= near.signals["dense_top"]
    assert near.abstain
    assert alone.signals["outside_top"] < alone.signals["dense_top"]
    assert not alone.abstain
    assert near.hits[0].code == alone.hits[0].code  # the topics change the refusal, not the ranking


def test_misspelt_question_is_read_with_the_contract_words(plain: Searcher) -> None:
    """A misspelt word is repaired before searching, and the result says how it was read."""
    result = plain.search("chantier d'insersion")
    assert result.corrections == (("insersion", "insertion"),)
    assert result.hits[0].code == "2.1.1"
    assert plain.with_settings(spelling=False).search("chantier d'insersion").corrections == ()


def test_summary_title_weighs_like_the_rest(searcher: Searcher) -> None:
    """In a funding-application summary the title names the main action: counted twice, it keeps the
    candidates on its theme (here health) instead of drifting to the neighbourhood words of the body."""
    summary = (
        "Prévention alcool chez les adolescents : soirées au foyer des jeunes du quartier avec les habitants"
        " et les familles"
    )
    titled = searcher.search(summary, k=3)
    untitled = searcher.with_settings(summary_title=False).search(summary, k=3)
    assert titled.hits[0].code == untitled.hits[0].code == "3.2.4"
    on_theme = [sum(h.axis_number == 3 for h in result.hits) for result in (titled, untitled)]
    assert on_theme[0] > on_theme[1]


def test_the_classifier_learns_from_the_contract_text_not_the_attached_situations(
    caph: Contract, tmp_path: Path
) -> None:
    """The thesaurus attaches many situations to some objectives and none to others; the classifier is
    fitted on the contract's own passages only, so with or without the thesaurus it is the same."""
    embedder = FakeEmbedder()
    with_situations = Searcher([caph], embedder, cache_dir=tmp_path / "a")
    without = Searcher([caph], embedder, SearchSettings(thesaurus=False), cache_dir=tmp_path / "b")
    assert any(p.kind == "situation" for p in with_situations.passages)
    assert with_situations._classifier is not None and without._classifier is not None
    assert np.allclose(with_situations._classifier.weights, without._classifier.weights, atol=1e-4)
    assert np.allclose(with_situations._classifier.bias, without._classifier.bias, atol=1e-4)
