"""The transcription in corpus/data agrees with the source text it was rebuilt from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus import Contract, load_contracts

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "corpus" / "sources" / "caph-2015-2023.txt"

# Headers and footers of the PDF pages: not part of the tree.
BOILERPLATE = [
    "AXES PRIORITÉS OBJECTIFS DU CONTRAT DE VILLE DE LA PORTE DU HAINAUT",
    "POLITIQUE DE LA VILLE",
    "Communauté d'Agglomération de La Porte du Hainaut",
    "PRIORITES DU CONTRAT DE VILLE",
    "PRIORITES DU CONTRAT",
    "OBJECTIFS OPERATIONNELS",
    "OBJECTIFS",
    "Mesures-socle des programmes d'actions",
]


def _norm(text: str) -> str:
    text = text.casefold().replace("’", "'").replace("«", '"').replace("»", '"')
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def contract() -> Contract:
    return next(c for c in load_contracts() if c.id == "caph-2015-2023")


@pytest.fixture(scope="module")
def source(contract: Contract) -> str:
    text = _norm(SOURCE.read_text(encoding="utf-8"))
    for fix in contract.fixes:
        assert _norm(fix.source) in text, f"fix {fix.source!r} matches nothing in the source"
        text = text.replace(_norm(fix.source), _norm(fix.fixed))
    return text


def _pieces(contract: Contract) -> list[str]:
    pieces = []
    for axis in contract.axes:
        pieces.append(f"axe {axis.number} : {axis.title}")
        for priority in axis.priorities:
            pieces.append(f"{priority.number} {priority.title}")
            for objective in priority.objectives:
                pieces.append(f"{objective.code} {objective.title}")
                pieces.extend(measure.text for measure in objective.measures)
    return pieces


def test_source_has_exactly_the_codes_of_the_data(contract: Contract) -> None:
    """Every objective code written in the source is in the data, and no code is invented."""
    raw = SOURCE.read_text(encoding="utf-8")
    found = re.findall(r"(?<![\d.-])([1-7])[.-]([1-9])[.-]([1-9])(?![\d-])", raw)
    in_source = {".".join(parts) for parts in found}
    in_data = {objective.code for _, _, objective in contract.objectives()}
    assert in_source == in_data
    assert len(in_data) == 50


def test_every_piece_of_the_data_is_in_the_source(contract: Contract, source: str) -> None:
    """Each title (with its code or number) and each measure is found verbatim in the source."""
    missing = [piece for piece in _pieces(contract) if _norm(piece) not in source]
    assert missing == []


def test_every_line_of_the_source_is_accounted_for(contract: Contract, source: str) -> None:
    """Removing all transcribed pieces and page furniture from the source leaves nothing but numbers."""
    rest = source
    for piece in sorted(_pieces(contract), key=len, reverse=True):
        assert _norm(piece) in rest, f"{piece!r} used up or missing"
        rest = rest.replace(_norm(piece), "|", 1)
    for furniture in sorted(BOILERPLATE, key=len, reverse=True):
        rest = rest.replace(_norm(furniture), "|")
    leftover = [part for part in rest.split("|") if re.sub(r"[\d\W_]", "", part)]
    assert leftover == []


def test_shape_of_the_contract(contract: Contract) -> None:
    """7 axes, 20 priorities, 50 objectives and about 125 measures, labelled 2015-2023."""
    objectives = [objective for _, _, objective in contract.objectives()]
    assert len(contract.axes) == 7
    assert sum(len(axis.priorities) for axis in contract.axes) == 20
    assert len(objectives) == 50
    assert 120 <= sum(len(o.measures) for o in objectives) <= 130
    assert contract.period.label() == "2015-2023"


def test_known_unclear_spots_are_marked_uncertain(contract: Contract) -> None:
    """The placements the source leaves open carry an uncertainty mark and candidate codes."""
    uncertain = {m.text: o.code for _, _, o in contract.objectives() for m in o.measures if m.uncertain}
    assert "Créer des cellules de veille locales" in uncertain
    assert "Mobiliser les réseaux existants" in uncertain
    experiment = (
        "Expérimenter pour investir les champs d'actions inexplorés et répondre aux besoins sociaux insatisfaits"
    )
    assert uncertain[experiment] == "1.2.2"
    assert "Améliorer le repérage précoce et l'accompagnement des familles" in uncertain


def test_glossary_covers_the_domain_acronyms(contract: Contract) -> None:
    """The glossary explains every acronym of the table listed in the domain notes."""
    acronyms = {entry.acronym for entry in contract.glossary}
    expected = {
        "CAPH",
        "CCAS",
        "IREV",
        "CNFPT",
        "RSA",
        "ACI",
        "SIAE",
        "MLV",
        "PLIE",
        "Pôle Emploi",
        "ESS",
        "PLH",
        "NPNRU",
        "GUP",
        "PEDT",
        "CILSPD",
        "SAVU",
        "QPV",
    }
    assert expected <= acronyms
