"""A contract's objective table from a spreadsheet (CSV or XLSX) into a validated `Contract`.

The usual shape of these tables, one row per measure: code, axe, priorité, objectif (opérationnel),
mesure; cells merged in the spreadsheet arrive empty on the rows below and continue the value above.
Codes may be written `5.1.3`, `5-1-3` or `5. 1. 3`. Optional columns: `incertain` (oui/non) and
`candidats` (other possible codes) for measures whose placement the table does not settle.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from corpus.loader import ContractError
from corpus.schema import Contract

COLUMNS = {
    "code": ("code", "numero", "n°", "no"),
    "axis": ("axe", "axes", "pilier", "axe strategique"),
    "priority": ("priorite", "priorites", "priorite du contrat de ville", "orientation"),
    "objective": ("objectif", "objectif operationnel", "objectifs operationnels", "intitule"),
    "measure": ("mesure", "mesures", "mesure-socle", "mesures-socles", "mesures socles", "action"),
    "uncertain": ("incertain", "placement incertain"),
    "candidates": ("candidats", "autres codes", "codes possibles"),
}
REQUIRED = ("code", "axis", "priority", "objective", "measure")
_CODE = re.compile(r"^\s*([1-9]\d?)\s*[.\-]\s*([1-9]\d?)\s*[.\-]\s*([1-9]\d?)\s*$")
# applied to stripped text: no leading `\s*` to backtrack over (a cell of spaces would cost its square)
_PREFIX = re.compile(
    r"^(?:(?:axe|priorit[eé]|objectif(?:\s+op[eé]rationnel)?)\s*)?[\dIVX]+(?:[.\-]\d+)*\s*[:.\-–]\s*", re.IGNORECASE
)
_CODE_ANYWHERE = re.compile(r"([1-9]\d?)\s*[.\-]\s*([1-9]\d?)\s*[.\-]\s*([1-9]\d?)")
_YES = {"oui", "o", "yes", "y", "x", "1", "vrai", "true"}


@dataclass(frozen=True)
class Metadata:
    """What the table itself does not say: the contract's id, title, name, territory, period, source."""

    id: str
    title: str
    territory: str
    start: int
    end: int
    source: str
    name: str | None = None


def import_table(path: Path, metadata: Metadata) -> Contract:
    """The contract in the spreadsheet at `path`, validated.

    Raises:
        ContractError: every problem found, each as `file: row N: column: message`.
    """
    rows = read_rows(path)
    problems: list[str] = []
    header, body = rows[0], rows[1:]
    columns = _columns(path, header, problems)
    if problems:
        raise ContractError(problems)
    tree: dict[int, dict[str, Any]] = {}
    carried = dict.fromkeys(("code", "axis", "priority", "objective"), "")
    for number, row in enumerate(body, start=2):
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in columns.items()}
        if not any(cells.values()):
            continue
        # merged cells come out empty on the rows they span: they continue the value above
        for name in carried:
            if cells.get(name):
                carried[name] = cells[name]
            elif name != "code" or not cells.get("objective"):
                cells[name] = carried[name]
        _add_row(path, number, cells, tree, problems)
    if problems:
        raise ContractError(problems)
    data = {
        "id": metadata.id,
        "title": metadata.title,
        "name": metadata.name,
        "territory": metadata.territory,
        "period": {"start": metadata.start, "end": metadata.end},
        "source": metadata.source,
        "axes": [_axis(number, axis) for number, axis in sorted(tree.items())],
    }
    try:
        return Contract.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        raise ContractError([f"{path}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]) from exc


def read_rows(path: Path) -> list[list[str]]:
    """The cells of the first sheet (XLSX) or of the CSV file (`;` or `,`, UTF-8 or Windows-1252), as text.

    Raises:
        ContractError: missing, unreadable or empty file.
    """
    if not path.is_file():
        raise ContractError([f"{path}: no such file"])
    rows = _xlsx_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows(path)
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise ContractError([f"{path}: expected a header line and at least one row"])
    return rows


def _columns(path: Path, header: list[str], problems: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        key = _fold(title)
        for name, spellings in COLUMNS.items():
            if key in spellings and name not in found:
                found[name] = index
    for name in REQUIRED:
        if name not in found:
            expected = " / ".join(COLUMNS[name][:3])
            problems.append(f"{path}: row 1: {name}: no column for it (expected a header such as {expected})")
    return found


def _add_row(
    path: Path, number: int, cells: dict[str, str], tree: dict[int, dict[str, Any]], problems: list[str]
) -> None:
    where = f"{path}: row {number}"
    code = _code(cells.get("code", "")) or _code_in(cells.get("objective", ""))
    if code is None:
        problems.append(f"{where}: code: {cells.get('code', '')!r} is not an objective code such as 5.1.3 or 5-1-3")
        return
    if not cells.get("measure"):
        problems.append(f"{where}: mesure: empty (one row per measure)")
        return
    axis_n, priority_n, _ = (int(part) for part in code.split("."))
    axis = tree.setdefault(axis_n, {"title": _title(cells["axis"]), "priorities": {}})
    priority = axis["priorities"].setdefault(priority_n, {"title": _title(cells["priority"]), "objectives": {}})
    objective = priority["objectives"].setdefault(code, {"title": _title(cells["objective"]), "measures": []})
    for name, title in (("axe", axis["title"]), ("priorité", priority["title"]), ("objectif", objective["title"])):
        if not title:
            problems.append(f"{where}: {name}: empty title for {code}")
    measure: dict[str, Any] = {"text": cells["measure"]}
    if _fold(cells.get("uncertain", "")) in _YES:
        candidates = [c for c in (_code(part) for part in re.split(r"[,;/ ]+", cells.get("candidates", ""))) if c]
        if not candidates:
            problems.append(f"{where}: candidats: an uncertain measure must name its other possible codes")
            return
        measure.update(uncertain=True, candidates=candidates)
    objective["measures"].append(measure)


def _axis(number: int, axis: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": number,
        "title": axis["title"],
        "priorities": [
            {
                "number": p_number,
                "title": priority["title"],
                "objectives": [{"code": code, **objective} for code, objective in priority["objectives"].items()],
            }
            for p_number, priority in sorted(axis["priorities"].items())
        ],
    }


def _code(text: str) -> str | None:
    match = _CODE.match(text or "")
    return ".".join(match.groups()) if match else None


def _code_in(text: str) -> str | None:
    match = _CODE_ANYWHERE.match((text or "").strip())
    return ".".join(match.groups()) if match else None


def _title(text: str) -> str:
    """A title without the numbering people put before it ("Axe 5 : ", "5.1.3 - ")."""
    return _PREFIX.sub("", (text or "").strip()).strip()


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def decode_csv(path: Path) -> tuple[str, str, str]:
    """A spreadsheet saved as CSV: its text, its delimiter (`;` as French Excel writes it, or `,`) and its
    encoding (UTF-8, with or without a byte-order mark, else Windows-1252).

    Raises:
        ValueError: the bytes are neither.
    """
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise ValueError(f"{path}: neither UTF-8 nor Windows-1252")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    return text, delimiter, "utf-8" if encoding == "utf-8-sig" else encoding


def _csv_rows(path: Path) -> list[list[str]]:
    try:
        text, delimiter, _ = decode_csv(path)
    except ValueError as exc:
        raise ContractError([str(exc)]) from exc
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise ContractError([f"{path}: not a readable CSV file: {exc}"]) from exc


def _xlsx_rows(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook  # only needed for spreadsheets

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file; each is a clear "unreadable"
        raise ContractError([f"{path}: not a readable XLSX file: {exc}"]) from exc
    sheet = book.worksheets[0]
    rows = [["" if cell is None else str(cell).strip() for cell in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows
