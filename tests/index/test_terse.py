"""A terse contract as most 2024-2030 contracts are published (an axis, then titles): kinds of actions of
the field reach it through its axes' themes, and a request of the field it has no objective for is said so."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer import compose_answer
from corpus import Contract, Metadata, import_table, titles_only
from index import Searcher, open_searcher

pytestmark = pytest.mark.slow
LANNION = Path(__file__).resolve().parents[1] / "corpus" / "data" / "lannion-2024-2030-extrait.csv"


META = Metadata(
    id="lannion-2024-2030", title="Contrat de ville", territory="Lannion", start=2024, end=2030, source="RésO Villes"
)


@pytest.fixture(scope="module")
def lannion(index_cache: Path) -> Searcher:
    contract: Contract = titles_only(import_table(LANNION, META))
    return open_searcher([contract], "e5-small", cache_dir=index_cache)


def test_sub_items_naming_themes_place_the_field_as_titles_do(index_cache: Path) -> None:
    """With its "Autour de l'éducation", "Autour de l'éducation populaire et l'accès aux loisirs" sub-items,
    objective 2.2 receives the field's kinds of actions of those themes, as a title naming them would:
    homework help and cultural outings are cited there, not under security (2.3) or as a gap."""
    searcher = open_searcher([import_table(LANNION, META)], "e5-small", cache_dir=index_cache)
    for asked in ("aide aux devoirs pour les collégiens", "sorties culturelles pour les familles"):
        result = searcher.search(asked, k=3)
        assert not result.abstain and result.hits[0].code == "2.2", asked


def test_a_kind_of_action_goes_where_the_axis_names_its_theme(lannion: Searcher) -> None:
    """Repairing objects (catalogue: réemploi, theme transition écologique / déchets) lands on the objective
    of the ecological-transition axis about waste, though no title says "réparer"."""
    result = lannion.search("atelier pour réparer les vélos", k=3)
    assert not result.abstain and result.hits[0].code == "1.4"


def test_a_request_of_the_field_without_an_objective_is_said_so(lannion: Searcher) -> None:
    """French classes for mothers: of the field, but no objective of this extract is about it: the answer
    says so and names the closest; a passport request is still refused as outside the field."""
    answer = compose_answer("cours de français pour les mamans", [], lannion)
    assert answer.best is None and answer.closest is not None
    assert answer.text.startswith("Ce contrat n'a pas d'objectif dédié à cette demande ; le plus proche : **")
    refused = compose_answer("refaire mon passeport", [], lannion)
    assert refused.best is None and refused.closest is None and "autre service" in refused.text


def test_codes_and_axes_asked_as_the_contract_numbers_them(lannion: Searcher) -> None:
    """In a contract of two levels, "2.3" and "priorité 2.3" are the objective 2.3 (there is no priority
    to list); "axe 2" lists the axis."""
    for asked in ("2.3", "priorité 2.3"):
        answer = compose_answer(asked, [], lannion)
        assert answer.best is not None and answer.best.code == "2.3", asked
    listed = compose_answer("axe 2", [], lannion)
    assert listed.best is None and "**Axe 2** — Intégrer localement les enjeux liés aux transitions" in listed.text
    assert "- **2.3** —" in listed.text and "- **1.1** —" not in listed.text


def test_roman_axes_are_asked_by_their_numeral_or_its_value(index_cache: Path) -> None:
    """Axes I, II beside a transversal axis: "axe II" and "axe 2" list axis II; "axe 4" is named missing."""
    from corpus import import_contract

    plan = index_cache / "plan-romain.txt"
    plan.write_text(
        "Axe transversal : Égalité\nA) Prévenir les discriminations\n"
        "I. Cohésion sociale\nA) Réussite éducative\nII. Cadre de vie\nII.A Tranquillité résidentielle\n",
        encoding="utf-8",
    )
    contract = import_contract(plan, Metadata(id="plan", title="Plan", territory="T", start=2015, end=2023, source="s"))
    searcher = Searcher([contract])  # a look-up by number needs no model
    for asked in ("axe II", "axe 2", "Axe ii"):
        listed = compose_answer(asked, [], searcher).text
        assert listed.startswith("**Axe II** — Cadre de vie") and "**II.A**" in listed, asked
    assert compose_answer("axe 4", [], searcher).text.startswith("Axe 4 n'existe pas")
