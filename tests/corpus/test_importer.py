"""A contract's table imported from a spreadsheet: the usual shapes, and every fault named by row and column."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from corpus import ContractError, Metadata, import_contract, import_table, load_contract

TABLE = Path(__file__).parent / "data" / "valmont-invented.csv"
SHARED = Path(__file__).parent / "data"  # the two real extracts (see data/README.md)
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


def test_each_fault_is_named_by_row_and_column_in_french(tmp_path: Path) -> None:
    """A code that is no code, an objective without a title, an uncertain measure without candidates and one
    objective given two codes are all reported at once, as `file: ligne N: colonne: message`."""
    path = tmp_path / "bad.csv"
    path.write_text(
        "code;axe;priorité;objectif;mesure;incertain\n"
        "1.1.1;Emploi;Freins;Mobilité;Permis de conduire;\n"
        "1/1/2;Emploi;Freins;Garde;Crèche;\n"
        "1.1.4;Emploi;Freins;Commerces;Locaux vacants;oui\n"
        "1.1.5;Emploi;Freins;Mobilité;Vélos;\n"
        ";;Freins;;;\n",
        encoding="utf-8",
    )
    with pytest.raises(ContractError) as caught:
        import_table(path, META)
    problems = caught.value.problems
    assert any(p.startswith(f"{path}: ligne 4: candidats: une mesure incertaine") for p in problems), problems
    assert f"{path}: ligne 5: code: 1.1.5 pour l'objectif déjà codé 1.1.1 ({path}: ligne 2)" in problems
    path.write_text("code;axe;priorité;objectif;mesure\n1/1/2;Emploi;Freins;Garde;Crèche\n", encoding="utf-8")
    with pytest.raises(ContractError, match=r"ligne 2: code: « 1/1/2 » n'est pas un code d'objectif"):
        import_table(path, META)
    path.write_text("axe;priorité;objectif\n;Freins;Garde\n", encoding="utf-8")
    with pytest.raises(ContractError, match=f"{path}: ligne 2: axe: vide"):
        import_table(path, META)


def test_a_header_without_two_levels_is_named(tmp_path: Path) -> None:
    """A table whose header names a single level says what header it expected."""
    path = tmp_path / "short.csv"
    path.write_text("code,objectif,mesure\n1.1.1,c,d\n", encoding="utf-8")
    with pytest.raises(ContractError, match="ligne 1: en-tête: il faut au moins deux niveaux"):
        import_table(path, META)


def test_lannion_two_levels_with_its_own_codes() -> None:
    """The Lannion extract: a `Priorité` column that only repeats the axis is no level; the codes 1.1 … 2.3
    are kept as written; objectives without sub-items have no measure."""
    contract = import_table(SHARED / "lannion-2024-2030-extrait.csv", META)
    assert contract.levels.priority is None
    codes = [o.code for _, _, o in contract.objectives()]
    assert codes == ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3"]
    assert not any(o.code_derived for _, _, o in contract.objectives())
    assert [len(o.measures) for _, _, o in contract.objectives()] == [2, 0, 0, 0, 0, 3, 4]
    axis, priority, first = next(iter(contract.objectives()))
    assert contract.path(axis, priority) == (("Axe 1", axis.title),)
    assert contract.objective_label(first) == "Objectif opérationnel 1.1"


def test_rennes_four_levels_named_as_the_source() -> None:
    """The Rennes extract with the source's level names: pilier → enjeu → objectif → action, code C.1.2."""
    meta = Metadata(**{**META.__dict__, "levels": ("pilier", "enjeu", "objectif", "action")})
    contract = import_table(SHARED / "rennes-2015-2020-extrait.csv", meta)
    levels = contract.levels
    assert (levels.axis, levels.priority, levels.objective) == ("pilier", "enjeu", "objectif")
    assert contract.levels.measures == "actions"
    found = contract.find("C.1.2")
    assert found is not None
    axis, priority, objective = found
    assert objective.title == "Préparer" and len(objective.measures) == 2
    assert [name for name, _ in contract.path(axis, priority)] == ["Pilier C", "Enjeu C.1"]


def test_one_row_per_objective_without_codes_gets_derived_codes(tmp_path: Path) -> None:
    """`Axe;Objectif` with no code and no measure: codes from the position, marked derived; an ODS saved
    by LibreOffice (merged axis cells, a million repeated empty rows) reads the same."""
    rows = [
        ["Axe", "Objectif", "Description"],
        ["Axe 1 – Cohésion sociale", "Favoriser la réussite éducative", "Accompagnement à la scolarité"],
        ["", "Renforcer l'accès aux droits", ""],
        ["Axe 2 – Emploi", "Lever les freins à l'emploi", ""],
    ]
    csv_path = tmp_path / "terse.csv"
    csv_path.write_text("\n".join(";".join(row) for row in rows), encoding="utf-8")
    ods_path = tmp_path / "terse.ods"
    _write_ods(ods_path, rows)
    for path in (csv_path, ods_path):
        contract = import_contract(path, META)
        assert [(o.code, o.code_derived) for _, _, o in contract.objectives()] == [
            ("1.1", True),
            ("1.2", True),
            ("2.1", True),
        ], path
        assert [a.title for a in contract.axes] == ["Cohésion sociale", "Emploi"]
        assert contract.levels.objective == "objectif" and contract.levels.priority is None
        assert contract.find("1.1")[2].description == "Accompagnement à la scolarité"  # type: ignore[index]
        assert contract.objective_label(contract.find("1.2")[2]) == "Objectif 1.2 (numérotation déduite de l'ordre)"  # type: ignore[index]


def test_a_pasted_outline_reads_into_the_same_model(tmp_path: Path) -> None:
    """Headings named or only numbered, lettered objectives under Roman axes (`II.C`), a title cut by the
    PDF, bullets as measures and a paragraph as the description."""
    path = tmp_path / "plan.txt"
    path.write_text(
        "Contrat de ville 2024-2030 : les orientations\n\n"
        "Axe I – Cohésion sociale\n"
        "A) Favoriser la réussite éducative et\n"
        "l'accès à la culture\n\n"
        "Actions attendues : accompagnement à la scolarité, sorties culturelles.\n"
        "B) Accès aux droits\n"
        "- permanences d'accès aux droits\n"
        "• aller-vers les publics isolés\n"
        "Axe II : Cadre de vie\n"
        "C) Améliorer la tranquillité publique\n",
        encoding="utf-8",
    )
    contract = import_contract(path, META)
    assert [o.code for _, _, o in contract.objectives()] == ["I.A", "I.B", "II.C"]
    assert [a.label for a in contract.axes] == ["I", "II"]
    first = contract.find("I.A")[2]  # type: ignore[index]
    assert first.title == "Favoriser la réussite éducative et l'accès à la culture"
    assert first.description == "Actions attendues : accompagnement à la scolarité, sorties culturelles."
    assert [m.text for m in contract.find("I.B")[2].measures] == [  # type: ignore[index]
        "permanences d'accès aux droits",
        "aller-vers les publics isolés",
    ]


def test_an_outline_as_pdfs_print_it(tmp_path: Path) -> None:
    """A transversal axis named but not numbered beside Roman axes, objectives lettered `A)` under one axis
    and `II.A` under another, codes of several parts followed by their title with no punctuation, and
    sub-items naming themes ("Autour de l'éducation") without bullets."""
    path = tmp_path / "plan.txt"
    path.write_text(
        "Axe transversal : Égalité femmes-hommes\n"
        "A) Prévenir les discriminations à l'embauche\n\n"
        "I. COHÉSION SOCIALE\n"
        "A) Favoriser la réussite éducative\n"
        "B) Renforcer l'accès aux soins\n"
        "  - permanences de santé\n"
        "\uf0a7 ateliers nutrition\n\n"
        "II. Cadre de vie\n"
        "II.A Améliorer la tranquillité résidentielle\n"
        "II.B Accompagner la gestion urbaine de proximité\n",
        encoding="utf-8",
    )
    contract = import_contract(path, META)
    assert [o.code for _, _, o in contract.objectives()] == ["A", "I.A", "I.B", "II.A", "II.B"]
    titles = ["Transversal – Égalité femmes-hommes", "COHÉSION SOCIALE", "Cadre de vie"]
    assert [a.title for a in contract.axes] == titles
    assert contract.find("II.A")[2].title == "Améliorer la tranquillité résidentielle"  # type: ignore[index]
    assert [m.text for m in contract.find("I.B")[2].measures] == [  # type: ignore[index]
        "permanences de santé",
        "ateliers nutrition",  # a Word bullet as PDFs hand it over
    ]

    path.write_text(
        "Pilier Cohésion sociale :\n"
        "1.1 Favoriser la réussite éducative\n"
        "1.2 Accès aux soins\n"
        "Pilier Cadre de vie :\n"
        "2.1 Améliorer la tranquillité publique\n",
        encoding="utf-8",
    )
    contract = import_contract(path, META)
    assert [o.code for _, _, o in contract.objectives()] == ["1.1", "1.2", "2.1"]
    assert [o.title for _, _, o in contract.objectives()][1] == "Accès aux soins"
    assert [a.title for a in contract.axes] == ["Cohésion sociale", "Cadre de vie"]
    assert contract.levels.axis == "pilier"

    path.write_text(
        "Axe 2 : Transitions sociales\n"
        "Objectif 2.2 : Favoriser l'accès pour chacun aux ressources\n"
        "lui permettant un développement harmonieux :\n"
        "Autour de l'éducation\n"
        "Autour de l'accès à l'emploi\n"
        "Objectif 2.3 : Améliorer le sentiment de sécurité\n",
        encoding="utf-8",
    )
    _, _, objective = import_contract(path, META).find("2.2")  # type: ignore[misc]
    assert objective.title.endswith("aux ressources lui permettant un développement harmonieux :")
    assert [m.text for m in objective.measures] == ["Autour de l'éducation", "Autour de l'accès à l'emploi"]
    assert all(m.names_theme for m in objective.measures)

    path.write_text(
        "Axe 1 – Cohésion\nOS1 : Réussite éducative\nOS1-OO1 : Aide aux devoirs\nOS1-OO2 Parentalité\n",
        encoding="utf-8",
    )
    contract = import_contract(path, META)
    assert [(o.code, o.title) for _, _, o in contract.objectives()] == [
        ("OS1-OO1", "Aide aux devoirs"),
        ("OS1-OO2", "Parentalité"),
    ]
    assert contract.path(*contract.find("OS1-OO1")[:2])[1] == ("Priorité OS1", "Réussite éducative")  # type: ignore[index]

    table = tmp_path / "tableau.csv"
    table.write_text(
        "Axe;Objectif\nAxe 1 Cohésion sociale;1.1 Favoriser la réussite éducative\n"
        "Axe transversal : Égalité;2.1 Prévenir les discriminations\n",
        encoding="utf-8",
    )
    contract = import_contract(table, META)
    assert [(a.title, o.code, o.title) for a, _, o in contract.objectives()] == [
        ("Cohésion sociale", "1.1", "Favoriser la réussite éducative"),
        ("Transversal – Égalité", "2.1", "Prévenir les discriminations"),
    ]


def test_an_outline_keeps_the_middle_levels_numbers_and_drops_page_furniture(tmp_path: Path) -> None:
    """Strategic objectives numbered across the contract keep their numbers; page numbers and a running
    footer repeated with the page's number are neither headings nor part of a title."""
    path = tmp_path / "plan.txt"
    path.write_text(
        "ORIENTATION 1 – VIVRE ENSEMBLE\n"
        "Objectif stratégique 1 : Renforcer le lien social\n"
        "Objectif opérationnel 1.1 : Soutenir les associations\n"
        "de proximité\n"
        "Contrat de ville – Quartiers 2030 12\n"
        "Objectif opérationnel 1.2 : Développer les fêtes de quartier\n"
        "13\n"
        "Contrat de ville – Quartiers 2030 13\n"
        "ORIENTATION 2 – EMPLOI\n"
        "Objectif stratégique 3 : Lever les freins\n"
        "Objectif opérationnel 3.1 : Mobilité\n"
        "Page 14 / 20\n",
        encoding="utf-8",
    )
    contract = import_contract(path, META)
    assert [o.title for _, _, o in contract.objectives()] == [
        "Soutenir les associations de proximité",
        "Développer les fêtes de quartier",
        "Mobilité",
    ]
    axis, priority, _ = contract.find("3.1")  # type: ignore[misc]
    assert contract.path(axis, priority)[1] == ("Objectif stratégique 3", "Lever les freins")
    first = contract.find("1.1")
    assert first is not None and contract.path(first[0], first[1])[1][0] == "Objectif stratégique 1"


def test_a_sheet_past_the_cell_limit_is_refused_not_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sheet with more cells than the reader takes is refused with the reason, never silently read in part;
    empty cells at the end of a row (a column formatted far to the right) do not count."""
    from openpyxl import Workbook

    from corpus import sheets

    book = Workbook()
    sheet = book.active
    sheet.append(["Axe", "Objectif"])
    sheet.append(["Emploi", "Favoriser l'insertion"])
    sheet.cell(row=2, column=300, value=" ")
    path = tmp_path / "table.xlsx"
    book.save(path)
    monkeypatch.setattr(sheets, "MAX_CELLS", 4)
    assert [o.title for _, _, o in import_table(path, META).objectives()] == ["Favoriser l'insertion"]
    monkeypatch.setattr(sheets, "MAX_CELLS", 3)
    with pytest.raises(ContractError, match="plus de 3 cellules remplies"):
        import_table(path, META)


def test_a_column_of_example_actions_is_the_description_and_an_unknown_one_is_said(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """"Exemples d'actions" is the objective's description; a column the importer does not know is named in
    a warning instead of being dropped silently."""
    path = tmp_path / "tableau.csv"
    path.write_text(
        "Axes;Objectifs;Exemples d'actions;Commentaire\n"
        "Cohésion sociale;Réussite éducative;Aide aux devoirs;à revoir\n",
        encoding="utf-8",
    )
    with caplog.at_level("WARNING"):
        contract = import_contract(path, META)
    assert contract.find("1.1")[2].description == "Aide aux devoirs"  # type: ignore[index]
    assert "colonne(s) ignorée(s) : Commentaire" in caplog.text


def test_an_outline_with_one_level_is_refused(tmp_path: Path) -> None:
    """A list with no level above its items cannot be a contract's table: the message says what was found."""
    path = tmp_path / "plat.txt"
    path.write_text("1. Emploi\n2. Santé\n", encoding="utf-8")
    with pytest.raises(ContractError, match="il faut deux ou trois niveaux de titres"):
        import_contract(path, META)


def _write_ods(path: Path, rows: list[list[str]]) -> None:
    """A minimal OpenDocument spreadsheet as LibreOffice writes it: a merged cell, repeated empty cells/rows."""
    table, text = "urn:oasis:names:tc:opendocument:xmlns:table:1.0", "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    body = []
    for row in rows:
        cells = "".join(
            f"<table:table-cell><text:p>{escape(cell)}</text:p></table:table-cell>"
            if cell
            else "<table:covered-table-cell/>"
            for cell in row
        )
        empty = '<table:table-cell table:number-columns-repeated="1020"/>'
        body.append(f"<table:table-row>{cells}{empty}</table:table-row>")
    body.append('<table:table-row table:number-rows-repeated="1048000"><table:table-cell/></table:table-row>')
    content = (
        f'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        f'xmlns:table="{table}" xmlns:text="{text}"><office:body><office:spreadsheet>'
        f'<table:table table:name="Objectifs">{"".join(body)}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)


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
    assert "2 axes, 5 objectifs opérationnels, 7 mesures" in capsys.readouterr().out
    assert load_contract(out).period.label() == "2024-2030"
    assert main(["contract", "check", str(out)]) == 0
    assert "valide" in capsys.readouterr().out
    assert main(arguments) == 2
    assert "existe déjà" in capsys.readouterr().err


def test_cli_check_prints_the_tree_it_understood(capsys: pytest.CaptureFixture[str]) -> None:
    """`cdv contract check` on a table shows the levels, codes and measures it read, without writing."""
    from assistant.cli import main

    assert (
        main(
            [
                "contract",
                "check",
                str(SHARED / "rennes-2015-2020-extrait.csv"),
                "--levels",
                "pilier,enjeu,objectif,action",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Pilier C : LE PILIER EMPLOI ET DÉVELOPPEMENT ÉCONOMIQUE" in out
    assert "    C.1.3  Se former\n        - Favoriser le recours aux formations en alternance" in out
    assert "niveaux pilier → enjeu → objectif → action ; 1 pilier, 3 objectifs, 6 actions" in out
    assert main(["contract", "check", str(SHARED / "lannion-2024-2030-extrait.csv"), "--levels", "a,b,c,d,e"]) == 2
    assert "niveaux: 5 noms donnés" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path, suffix: str) -> None:
    """A spreadsheet whose archive unpacks to far more than any table (here 60 MB of one repeated byte,
    a few KB packed) is refused from its directory alone, before anything is unpacked."""
    path = tmp_path / f"bombe{suffix}"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("content.xml" if suffix == ".ods" else "xl/worksheets/sheet1.xml", b"<" * 60_000_000)
    with pytest.raises(ContractError, match="se décompresse en 60 Mo"):
        import_contract(path, META)


def test_a_table_in_utf16_or_with_an_unclosed_quote(tmp_path: Path) -> None:
    """A table saved as UTF-16 reads the same; an unclosed quote is named with its line instead of
    silently merging every later row into one cell."""
    path = tmp_path / "tableau.csv"
    path.write_text("Axe;Objectif\nEmploi;Favoriser l'insertion\nSanté;Accès aux soins\n", encoding="utf-16")
    assert [o.title for _, _, o in import_contract(path, META).objectives()] == [
        "Favoriser l'insertion",
        "Accès aux soins",
    ]
    path.write_text("Axe;Objectif\nEmploi;\"Favoriser l'insertion\nSanté;Accès aux soins\n", encoding="utf-8")
    with pytest.raises(ContractError, match=r"ligne \d+: unexpected end of data"):
        import_contract(path, META)
