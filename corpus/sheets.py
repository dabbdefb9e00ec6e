"""The cells of a spreadsheet as text: CSV (`;` or `,`, UTF-8 or Windows-1252), XLSX, or ODS."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from corpus.loader import ContractError

MAX_BYTES = 20_000_000  # a contract's table, a programmation or a list of applications: thousands of rows at most
MAX_CELLS = 200_000
SHEETS = (".xlsx", ".xlsm", ".ods")  # read as spreadsheets; anything else as CSV
_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def read_rows(path: Path) -> list[list[str]]:
    """The cells of the first sheet (XLSX, ODS) or of the CSV file, as stripped text, empty rows dropped.

    Raises:
        ContractError: missing, unreadable, oversized or empty file.
    """
    if not path.is_file():
        raise ContractError([f"{path}: fichier introuvable"])
    if path.stat().st_size > MAX_BYTES:
        raise ContractError([f"{path}: plus de {MAX_BYTES // 1_000_000} Mo : trop gros pour un tableau à lire ici"])
    suffix = path.suffix.lower()
    if suffix == ".ods":
        rows = _ods_rows(path)
    elif suffix in SHEETS:
        rows = _xlsx_rows(path)
    else:
        rows = _csv_rows(path)
    rows = [[cell.strip() for cell in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if len(rows) < 2:
        raise ContractError([f"{path}: il faut une ligne d'en-tête et au moins une ligne d'objectif"])
    return rows


def decode_csv(path: Path) -> tuple[str, str, str]:
    """A spreadsheet saved as CSV: its text, its delimiter (`;` as French Excel writes it, or `,`) and its
    encoding (UTF-8, with or without a byte-order mark, else Windows-1252).

    Raises:
        ValueError: the bytes are neither.
    """
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:200].count(b"\x00") > 10:
        # Excel's "Unicode text" is UTF-16: read as Windows-1252 it would be one letter in two
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}: fichier UTF-16 illisible ({exc})") from exc
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ("\t" if "\t" in first else ",")
        return text.lstrip("\ufeff"), delimiter, "utf-16"
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise ValueError(f"{path}: ni UTF-8 ni Windows-1252")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    return text, delimiter, "utf-8" if encoding == "utf-8-sig" else encoding


def _csv_rows(path: Path) -> list[list[str]]:
    try:
        text, delimiter, _ = decode_csv(path)
    except ValueError as exc:
        raise ContractError([str(exc)]) from exc
    # a long cell is the caller's to judge (it names the column); the file's size is already bounded
    csv.field_size_limit(MAX_BYTES)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        return [list(row) for row in reader]
    except csv.Error as exc:  # an unclosed quote would otherwise swallow every row after it
        raise ContractError(
            [f"{path}: ligne {reader.line_num}: {exc} (un guillemet ouvert n'est-il pas refermé ?)"]
        ) from exc


def _check_archive(path: Path, kind: str) -> None:
    """Refuse a spreadsheet archive that would unpack to more than MAX_BYTES (a zip bomb), before any of it
    is read.

    Raises:
        ContractError: not an archive, or too large once unpacked.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ContractError([f"{path}: fichier {kind} illisible : {exc}"]) from exc
    if unpacked > MAX_BYTES:
        raise ContractError(
            [f"{path}: ce fichier {kind} se décompresse en {unpacked // 1_000_000} Mo (plus de"
             f" {MAX_BYTES // 1_000_000} Mo) : trop gros pour un tableau à lire ici"]
        )  # fmt: skip


def _xlsx_rows(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook  # only needed for spreadsheets

    _check_archive(path, "XLSX")
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file; each is a clear "unreadable"
        raise ContractError([f"{path}: fichier XLSX illisible : {exc}"]) from exc
    sheet = book.worksheets[0]
    rows = []
    count = 0
    for row in sheet.iter_rows(values_only=True):
        cells = ["" if cell is None else str(cell) for cell in row]
        while cells and not cells[-1].strip():  # a column formatted far to the right holds nothing
            cells.pop()
        rows.append(cells)
        count += len(cells)
        if count > MAX_CELLS:
            book.close()
            raise ContractError([_too_many_cells(path)])
    book.close()
    return rows


def _too_many_cells(path: Path) -> str:
    limit = f"{MAX_CELLS:,}".replace(",", " ")
    return (
        f"{path}: plus de {limit} cellules remplies dans la première feuille : trop gros pour un tableau à lire"
        " ici (gardez seulement les colonnes utiles)"
    )


def _ods_rows(path: Path) -> list[list[str]]:
    """The first table of an OpenDocument spreadsheet. Repeated empty cells and rows (LibreOffice writes a
    million of them) are never expanded: only the ones before a non-empty cell or row count."""
    _check_archive(path, "ODS")
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("content.xml")
            if info.file_size > MAX_BYTES:
                raise ContractError([f"{path}: contenu de plus de {MAX_BYTES // 1_000_000} Mo"])
            root = ElementTree.fromstring(archive.read(info))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError) as exc:
        raise ContractError([f"{path}: fichier ODS illisible : {exc}"]) from exc
    table = next(root.iter(f"{_ODS_TABLE}table"), None)
    if table is None:
        raise ContractError([f"{path}: aucune feuille dans ce fichier ODS"])
    rows: list[list[str]] = []
    pending_rows = 0
    count = 0
    for row in table.iter(f"{_ODS_TABLE}table-row"):
        cells: list[str] = []
        pending = 0
        for cell in row:
            if cell.tag not in (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell"):
                continue
            repeat = min(int(cell.get(f"{_ODS_TABLE}number-columns-repeated", "1")), 1_000)
            text = "\n".join("".join(p.itertext()) for p in cell.iter(f"{_ODS_TEXT}p"))
            if not text.strip():
                pending += repeat
                continue
            cells.extend([""] * pending + [text] * repeat)
            pending = 0
        repeat = int(row.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
        if not cells:
            pending_rows += repeat
            continue
        rows.extend([[]] * min(pending_rows, 1) + [cells] * min(repeat, 1_000))
        pending_rows = 0
        count += len(cells) * min(repeat, 1_000)
        if count > MAX_CELLS:
            raise ContractError([_too_many_cells(path)])
    return rows
