"""Classify a spreadsheet of project applications: suggested codes, titles and scores per row."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from corpus import decode_csv
from corpus.sheets import SHEETS, read_rows
from index import MAX_QUERY_CHARS, Searcher, SearchResult, confidence

MAX_CELL_CHARS = 1_000_000
BATCH = 32  # rows searched together: their questions are embedded in one call
ADDED_COLUMNS = (
    "code_suggere", "titre_objectif", "axe", "certitude", "score", "autres_codes", "hors_contrat", "remarque",
    "deja_finance",
)  # fmt: skip
_LABELS = {"high": "sûr", "medium": "assez sûr", "low": "peu sûr", "none": ""}


def read_table(path: Path) -> tuple[list[str], list[dict[str, str]], str, str]:
    """Rows of a CSV in UTF-8 or Windows-1252, with `;` or `,` separators, or of a spreadsheet's first sheet
    (written back as a `;` CSV in UTF-8 with a byte-order mark, which Excel opens as such).

    Returns:
        (header, rows, delimiter, encoding)
    """
    if path.suffix.lower() in SHEETS:
        cells = read_rows(path)
        width = max(map(len, cells))  # a cell right of the last named column is kept under a name of its own
        header = [name or f"colonne {i}" for i, name in enumerate([*cells[0], *[""] * width][:width], start=1)]
        _check_header(path, header)
        rows = [dict(zip(header, [*row, *[""] * (width - len(row))], strict=True)) for row in cells[1:]]
        return header, rows, ";", "utf-8-sig"
    text, delimiter, encoding = decode_csv(path)
    # the csv module refuses cells over 131,072 characters by default; allow long project texts, and
    # say which line is at fault past that
    csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = list(reader.fieldnames or [])
        _check_header(path, header)
        rows = [{k: (v or "") for k, v in row.items() if k is not None} for row in reader]
    except csv.Error as exc:
        raise ValueError(
            f"{path}: ligne {reader.line_num}: {exc} (une cellule contient au plus {MAX_CELL_CHARS:,} caractères ;"
            " un guillemet ouvert n'est-il pas refermé ?)"
        ) from exc
    return header, rows, delimiter, encoding


def _check_header(path: Path, header: list[str]) -> None:
    if not header:
        raise ValueError(f"{path}: fichier vide, une ligne d'en-tête est attendue")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:  # the second column of a name would silently overwrite the first
        raise ValueError(f"{path}: ligne 1: colonne en double : {', '.join(repeated)} (renommez-la)")


def classify_file(
    searcher: Searcher,
    path: Path,
    column: str,
    out: Path,
    *,
    contract: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write `out` with the suggested objective of each row; returns the number of rows classified.

    Rows are searched BATCH at a time (their questions embedded together) and written as they are done, to
    `out` with `.partiel` added until the last row, then renamed: an interrupted run leaves what it did, and
    `progress(done, total)` is called after each batch.

    Raises:
        ValueError: the column does not exist (the message lists the columns that do).
    """
    header, rows, delimiter, encoding = read_table(path)
    if column not in header:
        raise ValueError(f"{path} : pas de colonne {column!r} ; les colonnes sont : {', '.join(header)}")
    classified = 0
    partial = out.with_name(out.name + ".partiel")
    # Excel in French offices opens `;`-separated Windows-1252 files directly: keep the input's dialect
    with partial.open("w", encoding=encoding, errors="replace", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[inert(h) for h in (*header, *ADDED_COLUMNS)], delimiter=delimiter)
        writer.writeheader()
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            asked = [row for row in batch if row.get(column, "").strip()]
            texts = [row[column].strip() for row in asked]
            results = searcher.search_many(texts, k=3, contract=contract) if texts else []
            for row in batch:
                row.update(dict.fromkeys(ADDED_COLUMNS, ""))
            for row, result in zip(asked, results, strict=True):
                row.update(_columns(result))
            classified += len(asked)
            writer.writerows({inert(k): inert(v) for k, v in row.items()} for row in batch)
            handle.flush()
            if progress is not None:
                progress(min(start + BATCH, len(rows)), len(rows))
    partial.replace(out)
    return classified


def _columns(result: SearchResult) -> dict[str, str]:
    best = None if result.abstain or not result.hits else result.hits[0]
    remarks = [f"texte tronqué à {MAX_QUERY_CHARS} caractères"] if result.truncated else []
    if result.gap and result.hits:
        remarks.append(f"pas d'objectif dédié dans ce contrat ; le plus proche : {result.hits[0].code}")
    elif result.abstain and result.handled_by:
        remarks.append(f"relève plutôt de : {result.handled_by}")
    return {
        "code_suggere": "" if best is None else best.code,
        "titre_objectif": "" if best is None else best.title,
        "axe": "" if best is None else best.where(),
        "certitude": _LABELS[confidence(result)],
        "score": "" if best is None else f"{best.score:.3f}",
        "autres_codes": " ".join(h.code for h in result.hits[1:]) if best else "",
        "hors_contrat": "oui" if result.abstain else "non",
        "remarque": " ; ".join(remarks),
        # past actions filed under the suggested objective that resemble this one
        "deja_finance": " | ".join(p.line() for p in best.precedents) if best else "",
    }


def inert(cell: str) -> str:
    """A cell a spreadsheet will show as text: one that starts like a formula (`=`, `+`, `-`, `@`, a tab or
    a carriage return) gets a leading apostrophe, as spreadsheets themselves mark text."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
