"""The territory's filings reach retrieval: precedents under the cited objective, and the correction loop
from a thumbs down on the page to a better answer, with the project lead deciding in between."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from assistant.answer import compose_answer, plain_text
from assistant.app import build_app, launch
from assistant.cli import main
from assistant.feedback import FeedbackStore
from assistant.settings import Settings
from corpus import Contract, contract_form, load_contracts
from corpus.filings import filings_path, with_filings
from corpus.schema import Filing
from index import DEFAULT_EMBEDDER, open_searcher

pytestmark = pytest.mark.slow
QUESTION = "des mamans du quartier veulent apprendre à coudre ensemble le samedi"


@pytest.fixture()
def contracts(tmp_path: Path, caph: Contract) -> Path:
    """A folder of contracts holding CAPH titles-only, as a 2024-2030 contract is published."""
    import yaml

    folder = tmp_path / "contrats"
    folder.mkdir()
    data = contract_form(caph, "titles-only").model_dump(mode="json", exclude_defaults=True)
    (folder / "caph.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def test_a_thumbs_down_reviewed_and_accepted_changes_the_answer(
    contracts: Path, index_cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Page: a question, a thumbs down proposing another objective → `cdv feedback review` lists it →
    accepted → it is a filing of the contract → the same question now cites the proposed objective, with
    the accepted correction as its precedent. Before the decision nothing the page sent changed retrieval."""
    from gradio_client import Client

    searcher = open_searcher(load_contracts(contracts), DEFAULT_EMBEDDER, cache_dir=index_cache)
    before = searcher.search(QUESTION, k=5)
    proposed = before.hits[3].code  # an objective the search ranks fourth: the user says it is this one
    db = tmp_path / "avis.sqlite3"
    settings = Settings(port=_free_port(), feedback_db=db)
    app = build_app(searcher, FeedbackStore(db))
    launch(app, settings, block=False)
    try:
        client = Client(f"http://127.0.0.1:{settings.port}/", verbose=False)
        client.predict(QUESTION, [], api_name="/respond")
        assert client.predict("👎 Non", proposed, "c'est un atelier du lien social", api_name="/feedback").startswith(
            "Merci"
        )
    finally:
        app.close()

    assert not filings_path(contracts, "caph-2015-2023").exists()  # a vote alone changes nothing
    assert main(["feedback", "review", "--db", str(db), "--contracts", str(contracts)]) == 0
    listed = capsys.readouterr().out
    assert f"→ proposé {proposed}" in listed and QUESTION[:40] in listed
    vote = FeedbackStore(db).pending()[0]
    assert main(["feedback", "review", "--db", str(db), "--contracts", str(contracts), "--accept", str(vote.id)]) == 0
    assert "1 exemple(s) ajouté(s) à caph-2015-2023" in capsys.readouterr().out
    assert FeedbackStore(db).pending() == []

    reloaded = load_contracts(contracts)
    assert [(f.code, f.title) for f in reloaded[0].filings] == [(proposed, QUESTION)]
    after = open_searcher(reloaded, DEFAULT_EMBEDDER, cache_dir=index_cache).search(QUESTION, k=3)
    assert after.hits[0].code == proposed and not after.abstain
    assert after.hits[0].precedents[0].title == QUESTION


def test_review_through_a_filled_spreadsheet(
    contracts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The project lead exports the pending corrections, fills the decision column, re-imports it."""
    db = tmp_path / "avis.sqlite3"
    store = FeedbackStore(db)
    known = {"5.1.3", "7.1.4", "2.1.2"}
    first = store.add(
        "atelier couture", ["2.1.2"], -1, correct_code="7.1.4", known_codes=known, contract="caph-2015-2023"
    )
    second = store.add(
        "club de foot", ["5.1.3"], -1, correct_code="7.1.4", known_codes=known, contract="caph-2015-2023"
    )
    third = store.add("aide aux devoirs", ["5.1.3"], -1, correct_code="2.1.2", known_codes=known)
    sheet = tmp_path / "revue.csv"
    assert main(["feedback", "review", "--db", str(db), "--out", str(sheet)]) == 0
    rows = list(csv.DictReader(sheet.open(encoding="utf-8"), delimiter=";"))
    assert [int(r["id"]) for r in rows] == [first, second, third]
    rows[0]["decision"], rows[1]["decision"] = "Accepter", "rejeter"  # the third stays undecided
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    arguments = ["feedback", "review", "--db", str(db), "--contracts", str(contracts), "--decisions", str(sheet)]
    assert main(arguments) == 0
    assert [f.id for f in FeedbackStore(db).pending()] == [third]
    assert [f.title for f in load_contracts(contracts)[0].filings] == ["atelier couture"]
    # a decided vote cannot be decided again; a wrong decision word names its line
    capsys.readouterr()
    assert main(["feedback", "review", "--db", str(db), "--contracts", str(contracts), "--reject", str(first)]) == 2
    assert f"avis {first} : pas une correction en attente" in capsys.readouterr().err
    rows[2]["decision"] = "peut-être"
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows[2:])
    assert main(arguments) == 2
    assert "ligne 2: decision: « peut-être » (écrire accepter ou rejeter)" in capsys.readouterr().err


def test_precedents_resemble_the_question(caph: Contract, index_cache: Path) -> None:
    """Under the cited objective, the past filings closest to the question, on the page's answer, in
    `cdv ask`'s text and `search --json`; an unrelated filing of the same objective is not shown."""
    filings = [
        Filing(code="5.1.3", title="Atelier vélo des jeunes de la Briqueterie", year=2023, carrier="Roue libre",
               origin="t, ligne 2"),
        Filing(code="5.1.3", title="Accompagnement des collégiens exclus temporairement", year=2022,
               origin="t, ligne 3"),
        Filing(code="5.1.3", title="Permanence juridique pour les commerçants", origin="t, ligne 4"),
    ]  # fmt: skip
    contract = with_filings(contract_form(caph, "titles-only"), filings)
    searcher = open_searcher([contract], DEFAULT_EMBEDDER, cache_dir=index_cache)
    answer = compose_answer("accueil des collégiens exclus de cours", [], searcher)
    assert answer.best is not None and answer.best.code == "5.1.3"
    shown = [p.title for p in answer.best.precedents]
    assert shown[0] == "Accompagnement des collégiens exclus temporairement"
    assert "Permanence juridique pour les commerçants" not in shown
    text = plain_text(answer.text)
    assert (
        "Déjà financé sous cet objectif" in text
        and "Accompagnement des collégiens exclus temporairement (2022)" in text
    )


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
