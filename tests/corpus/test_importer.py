"""A contract's table imported from a spreadsheet: the usual shapes, and every fault named by row and column."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from corpus import ContractError, Metadata, import_table, load_contract

TABLE = Path(__file__).parent / "data" / "valmont-invented.csv"
META = Metadata(
    id="valmont-2024-2030",
    title="Contrat de ville de Valmont",
    territory="Valmont",
    start=2024,
    end=2030,
    source="tableau inventé pour les tests",
)


def test_a_windows_csv_with_merged_cells_and_dashed_codes() -> None:
    """`;` and Windows-1252, codes `1-1-1`, merged axis and priority cells, "Axe 1 :" prefixes, an uncertain
    measure: all read into the tree they describe."""
    contract = import_table(TABLE, META)
    assert [a.title for a in contract.axes] == ["Emploi et développement économique", "Cadre de vie et tranquillité"]
    codes = [o.code for _, _, o in contract.objectives()]
    assert codes == ["1.1.1", "1.1.2", "1.2.1", "2.1.1", "2.1.2"]
    _, priority, first = next(iter(contract.objectives()))
    assert priority.title == "Lever les freins à l'emploi"
    assert [m.text for m in first.measures] == [
        "Aider au financement du permis de conduire",
        "Développer le transport à la demande vers les zones d'activité",
    ]
    shops = contract.find("1.2.1")
    assert shops is not None and shops[2].measures[0].uncertain and shops[2].measures[0].candidates == ("1.1.1",)


def test_an_xlsx_with_merged_cells(tmp_path: Path) -> None:
    """The same table saved from Excel with really merged cells reads the same."""
    from openpyxl import Workbook

    with TABLE.open(encoding="cp1252", newline="") as stream:
        rows = list(csv.reader(stream, delimiter=";"))
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("B2:B5")  # axis 1 spans its rows, as people lay these tables out
    path = tmp_path / "table.xlsx"
    book.save(path)
    contract = import_table(path, META)
    assert [o.code for _, _, o in contract.objectives()] == ["1.1.1", "1.1.2", "1.2.1", "2.1.1", "2.1.2"]
    assert contract.axes[0].title == "Emploi et développement économique"


def test_each_fault_is_named_by_row_and_column(tmp_path: Path) -> None:
    """A bad code, a missing measure and an uncertain measure without candidates are all reported at once."""
    path = tmp_path / "bad.csv"
    path.write_text(
        "code;axe;priorité;objectif;mesure;incertain\n"
        "1.1.1;Emploi;Freins;Mobilité;Permis de conduire;\n"
        "1.1;Emploi;Freins;Garde;Crèche;\n"
        "1.1.3;Emploi;Freins;Garde;;\n"
        "1.1.4;Emploi;Freins;Commerces;Locaux vacants;oui\n",
        encoding="utf-8",
    )
    with pytest.raises(ContractError) as caught:
        import_table(path, META)
    problems = caught.value.problems
    assert f"{path}: row 3: code: '1.1' is not an objective code such as 5.1.3 or 5-1-3" in problems
    assert f"{path}: row 4: mesure: empty (one row per measure)" in problems
    assert any(p.startswith(f"{path}: row 5: candidats:") for p in problems)


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    """A table without a measure column says which header it expected."""
    path = tmp_path / "short.csv"
    path.write_text("code,axe,priorité,objectif\n1.1.1,a,b,c\n", encoding="utf-8")
    with pytest.raises(ContractError, match="row 1: measure: no column for it"):
        import_table(path, META)


def test_cli_import_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`cdv contract import` writes a file that `cdv contract check` and the loader accept; it never
    overwrites a file."""
    from assistant.cli import main

    out = tmp_path / "valmont.yaml"
    arguments = [
        "contract",
        "import",
        str(TABLE),
        "--id",
        "valmont-2024-2030",
        "--title",
        "Contrat de ville de Valmont",
    ]
    arguments += ["--territory", "Valmont", "--period", "2024-2030", "--out", str(out)]
    assert main(arguments) == 0
    assert "5 objectifs, 7 mesures" in capsys.readouterr().out
    assert load_contract(out).period.label() == "2024-2030"
    assert main(["contract", "check", str(out)]) == 0
    assert "valide" in capsys.readouterr().out
    assert main(arguments) == 2
    assert "existe déjà" in capsys.readouterr().err
