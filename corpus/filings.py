"""The territory's past filings of a contract (its *programmation*, accepted corrections): read from a
table, checked against the contract, kept in their own file beside it.

A contract `corpus/data/lannion-2024-2030.yaml` keeps its filings in
`corpus/data/examples/lannion-2024-2030.yaml`: the contract's file stays the source's text, and the folder
of contracts never mistakes a filings file for a contract.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml
from pydantic import ValidationError

from corpus.importer import _NUMBERING, fold_key, numbering_code
from corpus.loader import ContractError
from corpus.schema import Contract, Filing
from corpus.sheets import read_rows

FOLDER = "examples"
MAX_CELL = 5_000  # characters: a summary is a paragraph, not a document
COLUMNS = {
    "title": ("intitule", "intitule de l'action", "titre", "action", "nom de l'action", "projet"),
    "summary": ("resume", "description", "descriptif", "objet", "contenu"),
    "objective": ("objectif", "code", "objectif vise", "code objectif", "objectif du contrat", "axe/objectif"),
    "year": ("annee", "millesime", "exercice"),
    "carrier": ("porteur", "porteur de projet", "structure", "association", "operateur"),
}
_FORMULA = re.compile(r"^(?:[=@]|[+\-][\d(=+\-])")  # what a spreadsheet would run instead of show


def filings_path(contracts: Path, contract_id: str) -> Path:
    """Where the filings of contract `contract_id` are kept, for a contract file or a folder of contracts."""
    folder = contracts if contracts.is_dir() else contracts.parent
    return folder / FOLDER / f"{contract_id}.yaml"


def read_filings(path: Path, contract: Contract) -> list[Filing]:
    """The rows of a table of past filings, each checked against `contract`.

    The objective is given by its code as the contract writes it, or by its title (accents, case and
    punctuation ignored).

    Raises:
        ContractError: every problem found, each as `file: ligne N: colonne: message` (nothing is kept
            unless the whole table is valid).
    """
    rows = read_rows(path)
    header = [fold_key(cell) for cell in rows[0]]
    columns: dict[str, int] = {}
    for role, names in COLUMNS.items():
        found = [i for i, name in enumerate(header) if name in names]
        if found:
            columns[role] = found[0]
    missing = [role for role in ("title", "objective") if role not in columns]
    if missing:
        wanted = {"title": "Intitulé", "objective": "Objectif (code ou titre)"}
        raise ContractError(
            [f"{path}: ligne 1: colonne(s) manquante(s) : {', '.join(wanted[m] for m in missing)}"
             f" (en-tête lu : {' ; '.join(rows[0])})"]
        )  # fmt: skip
    by_code, by_title = _objective_keys(contract)
    problems: list[str] = []
    filings: list[Filing] = []
    for number, row in enumerate(rows[1:], start=2):
        where = f"{path}: ligne {number}"
        cells = {role: row[i].strip() if i < len(row) else "" for role, i in columns.items()}
        bad = [role for role, text in cells.items() if len(text) > MAX_CELL or _FORMULA.match(text)]
        for role in bad:
            kind = "trop longue" if len(cells[role]) > MAX_CELL else "formule de tableur (commence par =, +, - ou @)"
            problems.append(f"{where}: {rows[0][columns[role]]}: cellule {kind}")
        if bad:
            continue
        if not cells["title"]:
            problems.append(f"{where}: {rows[0][columns['title']]}: vide")
            continue
        written = cells["objective"]
        code = by_code.get(_code_key(written)) or by_title.get(_title_key(written))
        clash = None
        if code is None:
            code, clash = _code_then_title(written, by_code, by_title)
        if code is None:
            what = clash or (
                "vide" if not written else f"« {written[:80]} » n'est ni un code ni un titre d'objectif de ce contrat"
            )
            problems.append(f"{where}: {rows[0][columns['objective']]}: {what}")
            continue
        written_year = cells.get("year", "")
        year = _year(written_year)
        if written_year and year is None:
            problems.append(f"{where}: {rows[0][columns['year']]}: « {written_year[:20]} » n'est pas une année")
            continue
        filings.append(
            Filing(
                code=code,
                title=cells["title"],
                summary=cells.get("summary") or None,
                year=year,
                carrier=cells.get("carrier") or None,
                origin=f"{path.name}, ligne {number}",
            )
        )
    if problems:
        raise ContractError(problems)
    if not filings:
        raise ContractError([f"{path}: aucune action dans ce tableau"])
    return filings


def merge(kept: Sequence[Filing], new: Iterable[Filing]) -> tuple[list[Filing], list[Filing]]:
    """`kept` followed by the new filings that are not already there (same objective, title and summary),
    and the ones left out as duplicates."""
    seen = {_same(f) for f in kept}
    merged, duplicates = list(kept), []
    for filing in new:
        if _same(filing) in seen:
            duplicates.append(filing)
            continue
        seen.add(_same(filing))
        merged.append(filing)
    return merged, duplicates


def load_filings(path: Path, contract: Contract) -> list[Filing]:
    """The filings kept in `path` (none when it does not exist), checked against `contract`.

    Raises:
        ContractError: unreadable file, a filing that is not valid, or one filed under an objective the
            contract does not have.
    """
    if not path.is_file():
        return []
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ContractError([f"{path}: fichier YAML illisible : {exc}"]) from exc
    if not isinstance(raw, dict) or raw.get("contract") != contract.id or not isinstance(raw.get("filings"), list):
        raise ContractError([f"{path}: attendu « contract: {contract.id} » et une liste « filings »"])
    filings: list[Filing] = []
    problems: list[str] = []
    for n, item in enumerate(raw["filings"]):
        try:
            filings.append(Filing.model_validate(item))
        except ValidationError as exc:
            problems.extend(
                f"{path}: filings.{n}: {e['loc'][-1] if e['loc'] else ''}: {e['msg']}" for e in exc.errors()
            )
    codes = {objective.code for _, _, objective in contract.objectives()}
    problems += [
        f"{path}: filings.{n}: code: {f.code} n'est pas un objectif du contrat {contract.id}"
        for n, f in enumerate(filings)
        if f.code not in codes
    ]
    if problems:
        raise ContractError(problems)
    return filings


def filings_yaml(contract: Contract, filings: Sequence[Filing]) -> str:
    """The file `load_filings` reads back: the contract's id and its filings."""
    payload = {"contract": contract.id, "filings": [f.model_dump(mode="json", exclude_none=True) for f in filings]}
    text = yaml.safe_dump(payload, allow_unicode=True, sort_keys=False, width=120)
    return f"# Past filings of {contract.id}, written by `cdv examples import`.\n{text}"


def with_filings(contract: Contract, filings: Sequence[Filing]) -> Contract:
    """`contract` with these filings attached (validated: each must name one of its objectives)."""
    return Contract.model_validate({**contract.model_dump(), "filings": [f.model_dump() for f in filings]})


def _objective_keys(contract: Contract) -> tuple[dict[str, str], dict[str, str]]:
    by_code: dict[str, str] = {}
    by_title: dict[str, str] = {}
    for _, _, objective in contract.objectives():
        by_code[_code_key(objective.code)] = objective.code
        by_title.setdefault(_title_key(objective.title), objective.code)
    return by_code, by_title


def _year(written: str) -> int | None:
    """The year of a cell: "2023", "2023.0" (a number cell), "Exercice 2023", a date ("15/03/2023",
    "2023-03-15 00:00:00"), or a school year's first ("2022-2023", "2022/23"); None when it names no year or
    two that are not one school year."""
    found = re.findall(r"(?<!\d)((?:19|20|21)\d\d)(?!\d)", written.removesuffix(".0"))
    school = re.fullmatch(r"\s*((?:19|20|21)\d\d)\s*[-/]\s*(\d{2}|\d{4})\s*", written)
    if school and int(school.group(2)[-2:]) == (int(school.group(1)) + 1) % 100:
        return int(school.group(1))
    return int(found[0]) if len(found) == 1 else None


def _code_then_title(
    written: str, by_code: dict[str, str], by_title: dict[str, str]
) -> tuple[str | None, str | None]:
    """(code, None) for a code followed by its objective's title, as programmations export them ("5.1.3 -
    Accompagner les élèves…", the title sometimes cut short), or for the one code of the contract a cell
    names among other words ("Axe 2 - Objectif 2.3"); (None, message) when the title is another
    objective's or the cell names two codes; (None, None) when it names none."""
    # every code of several parts the cell names: one is its objective ("Axe 2 - Objectif 2.3"), two are
    # a doubt for the person who filed it
    named = list(dict.fromkeys(by_code[k] for k in map(_code_key, _ANY_CODE.findall(written)) if k in by_code))
    if len(named) > 1:
        return None, f"« {written[:80]} » nomme plusieurs objectifs ({', '.join(named)}) : gardez-en un"
    match = _NUMBERING.match(written)
    code = by_code.get(_code_key(numbering_code(match))) if match else None
    if match is None or code is None:
        return (named[0], None) if named else (None, None)
    other = by_title.get(_title_key(written[match.end() :]))
    if other is not None and other != code:
        return None, f"« {written[:80]} » : le code {code} et le titre de l'objectif {other} ne s'accordent pas"
    return code, None


_ANY_CODE = re.compile(r"(?<![0-9A-Za-z.])[0-9A-Za-z]{1,8}(?:[.\-][0-9A-Za-z]{1,8}){1,3}(?![0-9A-Za-z])")
# the words before a code: "Objectif 2.3", "OO 2.1.1", "Objectif opérationnel 5.1.3"
_WORDS_BEFORE_CODE = re.compile(r"^(?:[a-z]+\s+)+(?=\d|[ivx]+(?:[.\-\s]|$))")


def _code_key(text: str) -> str:
    """A code as written, whatever its spacing, case, separator or final dot, and the words before it
    ("5-1-3", "ii.c.", "OO 2.1.1", "Objectif 3")."""
    text = _WORDS_BEFORE_CODE.sub("", fold_key(text).strip())
    return re.sub(r"[\s.\-]+", ".", text).strip(".")


def _title_key(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold_key(text)).split())


def _same(filing: Filing) -> tuple[str, str, str]:
    return filing.code, _title_key(filing.title), _title_key(filing.summary or "")
