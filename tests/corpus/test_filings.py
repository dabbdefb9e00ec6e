"""A territory's past filings: read from a table, checked against the contract, kept beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cli import main
from corpus import Contract, ContractError, contract_form, contract_hash, load_contracts
from corpus.filings import filings_path, load_filings, read_filings

HEADER = "Intitulé;Résumé;Objectif;Année;Porteur\n"


@pytest.fixture()
def contracts(tmp_path: Path, caph: Contract) -> Path:
    """A folder holding the CAPH contract file, as a user's folder of contracts."""
    folder = tmp_path / "contrats"
    folder.mkdir()
    source = Path(__file__).resolve().parents[2] / "corpus" / "data" / "caph-2015-2023.yaml"
    (folder / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def _table(tmp_path: Path, body: str, name: str = "programmation.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes((HEADER + body).encode(encoding))
    return path


def test_codes_as_written_and_titles_find_their_objective(tmp_path: Path, caph: Contract) -> None:
    """A code in any spelling (5-1-3, « 5.1.3. ») or the objective's title without accents or case."""
    _, _, objective = caph.find("5.1.3") or pytest.fail("5.1.3 missing")
    title = objective.title.upper().replace("É", "E").replace("é", "e")
    path = _table(
        tmp_path,
        "Atelier vélo;Réparer son vélo au pied des immeubles;5-1-3;2023;Assoc. Roue libre\n"
        f"Café des parents;;{title};2022;\n"
        "Chantier jeunes;;5.1.3.;;\n",
    )
    filings = read_filings(path, caph)
    assert [f.code for f in filings] == ["5.1.3", "5.1.3", "5.1.3"]
    assert filings[0].year == 2023 and filings[0].carrier == "Assoc. Roue libre"
    path = _table(
        tmp_path,
        "A;;5.1.3;Exercice 2023;\nB;;5.1.3;15/03/2021;\nC;;5.1.3;2022-2023;\nD;;5.1.3;2019.0;\n",
        name="années.csv",
    )
    assert [f.year for f in read_filings(path, caph)] == [2023, 2021, 2022, 2019]  # as programmations write them
    assert filings[0].origin == "programmation.csv, ligne 2" and filings[1].summary is None


def test_a_code_followed_by_its_title_as_programmations_export_it(tmp_path: Path, caph: Contract) -> None:
    """"5.1.3 - Accompagner…" (the title cut short or not), "OO 2.1.1", "Objectif opérationnel 6.1.3", the
    one code in "Axe 2 - Objectif 2.1.1 (chantiers)"; two codes, or a code and another objective's title,
    are refused, naming both."""
    path = _table(
        tmp_path,
        "Café des parents;;5.1.3 - Accompagner les élèves en situation d’absentéisme scolaire;2022;\n"
        "Aide aux devoirs;;5.2.2 – Développer les activités facilitant;2021;\n"
        "Chantier jeunes;;OO 2.1.1;2021;\n"
        "Médiation;;Objectif opérationnel 6.1.3;2021;\n"
        "Chantier;;Axe 2 - Objectif 2.1.1 (chantiers);2021;\n",
    )
    assert [f.code for f in read_filings(path, caph)] == ["5.1.3", "5.2.2", "2.1.1", "6.1.3", "2.1.1"]
    path = _table(tmp_path, "Atelier lecture;;Objectif 2.1.3 ou 5.2.2;2021;\n")
    with pytest.raises(ContractError, match=r"nomme plusieurs objectifs \(2.1.3, 5.2.2\)"):
        read_filings(path, caph)
    path = _table(tmp_path, "Atelier lecture;;5.2.2 - Lutter contre l'illettrisme;2021;\n")
    with pytest.raises(ContractError, match=r"ligne 2: Objectif: .* le code 5.2.2 et le titre de l'objectif 2.1.3"):
        read_filings(path, caph)


def test_windows_1252_is_read(tmp_path: Path, caph: Contract) -> None:
    path = _table(tmp_path, "Fête de quartier;;7.1.4;;\n", encoding="cp1252")
    assert read_filings(path, caph)[0].title == "Fête de quartier"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("Atelier;;9.9.9;;\n", "ligne 2: Objectif: « 9.9.9 » n'est ni un code ni un titre d'objectif"),
        ("Atelier;;Un objectif inventé;;\n", "« Un objectif inventé » n'est ni un code ni un titre"),
        (";;5.1.3;;\n", "ligne 2: Intitulé: vide"),
        ("Atelier;;;;\n", "ligne 2: Objectif: vide"),
        ('=HYPERLINK("http://x");;5.1.3;;\n', "Intitulé: cellule formule de tableur"),
        ("Atelier;" + "x" * 1_000_000 + ";5.1.3;;\n", "Résumé: cellule trop longue"),
        ("Atelier;;5.1.3;deux mille;\n", "Année: « deux mille » n'est pas une année"),
    ],
)
def test_a_bad_row_is_a_precise_french_error_and_nothing_is_written(
    tmp_path: Path, contracts: Path, row: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """One bad row among good ones: the command fails with `file: ligne N: colonne: message`, writes nothing."""
    path = _table(tmp_path, "Bonne action;;5.1.3;;\n" + row)
    code = main(["examples", "import", str(path), "--contract", "caph-2015-2023", "--contracts", str(contracts)])
    assert code != 0
    assert expected.replace("ligne 2", "ligne 3") in capsys.readouterr().err
    assert not filings_path(contracts, "caph-2015-2023").exists()


def test_a_wrong_encoding_or_a_missing_column_is_refused(tmp_path: Path, caph: Contract) -> None:
    wrong = tmp_path / "binaire.csv"
    wrong.write_bytes(HEADER.encode() + b"Atelier \x81\x8d\x8f;;5.1.3;;\n")
    with pytest.raises(ContractError, match="ni UTF-8 ni Windows-1252"):
        read_filings(wrong, caph)
    no_objective = tmp_path / "sans-objectif.csv"
    no_objective.write_text("Intitulé;Résumé\nAtelier;texte\n", encoding="utf-8")
    with pytest.raises(ContractError, match="colonne\\(s\\) manquante\\(s\\) : Objectif"):
        read_filings(no_objective, caph)


def test_import_keeps_filings_beside_the_contract_and_reports_duplicates(
    tmp_path: Path, contracts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stored in their own file (never in the contract's); a second import adds only what is new; loading
    the folder attaches them; every evaluation form leaves them out."""
    contract_file = contracts / "caph-2015-2023.yaml"
    before = contract_file.read_bytes()
    first = _table(tmp_path, "Atelier vélo;;5.1.3;2023;\nFête de quartier;;7.1.4;;\n")
    arguments = ["--contract", "caph-2015-2023", "--contracts", str(contracts)]
    assert main(["examples", "import", str(first), *arguments]) == 0
    second = _table(tmp_path, "Atelier vélo;;5.1.3;2023;\nJardin partagé;;6.1.1;;\n", name="p2024.csv")
    assert main(["examples", "import", str(second), *arguments]) == 0
    out = capsys.readouterr().out
    assert "1 actions ajoutées, 3 en tout" in out and "déjà présente, ignorée : p2024.csv, ligne 2" in out
    assert contract_file.read_bytes() == before
    loaded = load_contracts(contracts)[0]
    assert [f.title for f in loaded.filings] == ["Atelier vélo", "Fête de quartier", "Jardin partagé"]
    assert load_filings(filings_path(contracts, loaded.id), loaded)[2].origin == "p2024.csv, ligne 3"
    bare = contract_form(loaded, "shipped")
    assert all(not contract_form(loaded, form).filings for form in ("shipped", "source-only", "titles-only"))
    assert contract_hash([loaded]) != contract_hash([bare])  # a new filing is a change of the index


def test_a_damaged_filings_file_names_itself(contracts: Path) -> None:
    path = filings_path(contracts, "caph-2015-2023")
    path.parent.mkdir()
    path.write_text("contract: caph-2015-2023\nfilings:\n  - {code: 9.9.9, title: x, origin: y}\n", encoding="utf-8")
    with pytest.raises(ContractError, match=r"filings\.0: code: 9\.9\.9 n'est pas un objectif du contrat"):
        load_contracts(contracts)
    path.write_text("contract: [", encoding="utf-8")
    with pytest.raises(ContractError, match="fichier YAML illisible"):
        load_contracts(contracts)
