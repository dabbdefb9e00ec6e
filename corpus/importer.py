"""A contract's objective table as people have it (spreadsheet or pasted outline) into a validated `Contract`.

A table's header names the levels as the source does, from the broadest to the citable one (`Axe;Objectif`,
`Pilier;Enjeu;Objectif;Action`, `Code;Axe;Priorité;Objectif opérationnel;Mesure`), with optional `Code`,
`Mesure`/`Action` (one row per measure, or one row per objective when there are none), `Description`,
`Incertain` and `Candidats`. Cells merged in the spreadsheet arrive empty on the rows below and continue the
value above. Codes are kept as written (`5.1.3`, `2.3`, `II.C`; `5-1-3` becomes `5.1.3`); an objective
without one gets a code from its position, shown as derived. A middle column that only repeats the axis
is not a level. Every fault is reported at once, as `file: ligne N: colonne: message`, in French.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from corpus.loader import ContractError
from corpus.schema import CODE_SHAPE, Contract
from corpus.sheets import read_rows

logger = logging.getLogger(__name__)

# header words, folded (no accents, lower case), by the role of their column
AXIS_WORDS = ("axe", "axe strategique", "pilier", "volet", "thematique", "orientation strategique", "domaine")
MIDDLE_WORDS = (
    "priorite", "priorite du contrat de ville", "enjeu", "orientation", "objectif strategique", "objectif general",
    "sous-axe", "sous axe",
)  # fmt: skip
OBJECTIVE_WORDS = ("objectif", "objectif operationnel", "objectif specifique", "intitule", "fiche")
MEASURE_WORDS = ("mesure", "mesure-socle", "mesure socle", "action", "sous-objectif", "piste d'action")
ROLES = {
    "code": ("code", "numero", "n°", "no", "ref", "reference"),
    "description": (
        "description", "descriptif", "type d'action", "types d'actions attendus", "actions attendues", "contenu",
        "exemple d'action", "exemples d'actions", "actions possibles", "piste d'action", "actions envisagees",
    ),
    "uncertain": ("incertain", "placement incertain"),
    "candidates": ("candidat", "autres codes", "codes possibles"),
}
CODE_WRITTEN = re.compile(CODE_SHAPE)
# "Axe 1 : ", "Priorité 1.2 - ", "Objectif opérationnel 5.1.3 – ", "II. ", "A) ", "1.2. " before a title
_NUMBERING = re.compile(
    r"^(?:(?P<word>[^\W\d_][^\W\d_'’ -]*(?:[ -][^\W\d_]+)?)\s+)?"
    # a code of several parts written tight (`1.2`, `II.C`, `OS2-3`'s digits) needs no punctuation after it:
    # "1.2 Favoriser…" as PDFs print it is objective 1.2, not heading 1 titled "2 Favoriser…"
    # and so does a code of letters and digits (`OS2`, `OS2-OO3`), which no word of a title looks like
    r"(?:(?P<tight>(?:\d{1,2}|[IVXivx]{1,5})(?:[.\-][0-9A-Za-z]{1,2}){1,3}"
    r"|[A-Za-z]{1,3}\d{1,2}(?:[.\-][A-Za-z]{0,3}\d{1,2}){0,3})(?:\s*[:.)\-–—]+\s*|\s+)"
    # after a level's name ("Axe 1 Emploi"), a plain space ends a one-part code too
    r"|(?P<code>\d{1,2}(?:\s?[.\-]\s?[0-9A-Za-z]{1,2}){0,3}|[IVXivx]{1,5}|[A-Za-z])"
    r"(?:\s*[:.)\-–—]+\s*|\s+[:\-–—]\s*|(?(word)\s+|(?!))))(?=\S)"
)
# a level named without a number: "Axe transversal : …", "Pilier Cohésion sociale :" (five words at most
# before the colon, so that a sentence of a description is not read as a heading)
_UNNUMBERED = re.compile(r"^([^\W\d_]+)\s+([^\W\d_][^\s:]*(?:\s+[^\s:]+){0,4})\s*:\s*(.*)$")
_YES = {"oui", "o", "yes", "y", "x", "1", "vrai", "true"}


@dataclass(frozen=True)
class Metadata:
    """What the table itself does not say: the contract's id, title, name, territory, period, source, and
    optionally the names of its levels (broadest first, then the measures') when the header does not give
    the source's own (`pilier, enjeu, objectif, action`)."""

    id: str
    title: str
    territory: str
    start: int
    end: int
    source: str
    name: str | None = None
    levels: tuple[str, ...] = ()


@dataclass
class Entry:
    """One objective as read, with the titles above it: (code as written or "", title) per level."""

    where: str
    above: list[tuple[str, str]]
    code: str
    title: str
    description: list[str] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)


def import_contract(path: Path, metadata: Metadata) -> Contract:
    """The contract in the file at `path`: a spreadsheet (.csv, .xlsx, .ods) or a pasted outline (.txt, .md).

    Raises:
        ContractError: every problem found, each as `file: ligne N: colonne: message`.
    """
    if path.suffix.lower() in (".txt", ".md", ".text"):
        from corpus.outline import read_outline

        return read_outline(path, metadata)
    return import_table(path, metadata)


def import_table(path: Path, metadata: Metadata) -> Contract:
    """The contract in the spreadsheet at `path`, validated.

    Raises:
        ContractError: every problem found, each as `file: ligne N: colonne: message`.
    """
    rows = read_rows(path)
    problems: list[str] = []
    header, body = rows[0], rows[1:]
    levels, measure, roles = _columns(path, header, problems)
    if problems:
        raise ContractError(problems)
    names = [_singular(header[i]) for i in levels] + [_singular(header[measure]) if measure is not None else "mesure"]
    carried = [""] * len(levels)
    carried_code = ""
    entries: dict[tuple[str, ...], Entry] = {}
    repeats_axis = len(levels) == 3
    for number, row in enumerate(body, start=2):

        def cell(index: int | None, row: list[str] = row) -> str:
            return row[index] if index is not None and index < len(row) else ""

        titles = [cell(i) for i in levels]
        code = cell(roles.get("code"))
        if not any(titles) and not code and not cell(measure) and not cell(roles.get("description")):
            continue
        # merged cells come out empty on the rows they span: they continue the value above; a new
        # objective (its title given) does not continue the code of the one before
        if code or titles[-1]:
            carried_code = code
        code = carried_code
        for k, title in enumerate(titles):
            if title:
                carried[k] = title
        titles = list(carried)
        where = f"{path}: ligne {number}"
        if repeats_axis and fold_key(titles[1]) != fold_key(titles[0]):
            repeats_axis = False
        empty = [names[k] for k, title in enumerate(titles) if not title]
        if empty:
            problems.extend(f"{where}: {name}: vide" for name in empty)
            continue
        key = tuple(fold_key(t) for t in titles)
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = Entry(where, [("", t) for t in titles[:-1]], code, titles[-1])
        elif code and entry.code and _normal_code(code) != _normal_code(entry.code):
            problems.append(f"{where}: code: {code} pour l'objectif déjà codé {entry.code} ({entry.where})")
        description = cell(roles.get("description"))
        if description and description not in entry.description:
            entry.description.append(description)
        if cell(measure):
            uncertain, candidates = cell(roles.get("uncertain")), cell(roles.get("candidates"))
            _add_measure(where, cell(measure), uncertain, candidates, entry, problems)
    if problems:
        raise ContractError(problems)
    if repeats_axis:  # the middle column only repeats the axis (the source has no middle level)
        for entry in entries.values():
            del entry.above[1]
        names.pop(1)
    if metadata.levels:
        names = _named(path, metadata.levels, names, measure is not None)
    return build_contract(path, names, list(entries.values()), metadata)


def build_contract(source: Path, names: list[str], entries: list[Entry], metadata: Metadata) -> Contract:
    """The validated contract of these objectives (`names`: the levels' names, broadest first, then the
    measures'); codes as written, or derived from the position when an objective has none.

    Raises:
        ContractError: every problem found.
    """
    problems: list[str] = []
    axes: dict[str, dict[str, Any]] = {}
    depth = len(names) - 1  # levels above the measures
    for entry in entries:
        axis_code, axis_title = _numbered(entry.above[0][1], entry.above[0][0])
        axis = axes.setdefault(fold_key(axis_title), {"code": axis_code, "title": axis_title, "middle": {}})
        middle_code, middle_title = _numbered(entry.above[1][1], entry.above[1][0]) if depth == 3 else ("", "")
        middle = axis["middle"].setdefault(
            fold_key(middle_title), {"code": _normal_code(middle_code), "title": middle_title or None, "objectives": []}
        )
        code, title = _numbered(entry.title, entry.code)
        code = _normal_code(code)
        if code and not CODE_WRITTEN.match(code):
            problems.append(f"{entry.where}: code: « {code} » n'est pas un code d'objectif (ex. 5.1.3, 2.3, II.C)")
            continue
        if not title:
            problems.append(f"{entry.where}: {names[-2]}: titre vide pour le code {code}")
            continue
        objective: dict[str, Any] = {"code": code, "title": title}
        if entry.description:
            objective["description"] = "\n".join(entry.description)
        if entry.measures:
            objective["measures"] = entry.measures
        middle["objectives"].append(objective)
    if problems:
        raise ContractError(problems)
    written = [o["code"] for a in axes.values() for m in a["middle"].values() for o in m["objectives"] if o["code"]]
    seen: set[str] = set()
    for code in written:
        if code in seen:
            problems.append(f"{source}: code: {code} porté par deux objectifs différents")
        seen.add(code)
    if problems:
        raise ContractError(problems)
    data = {
        "id": metadata.id,
        "title": metadata.title,
        "name": metadata.name,
        "territory": metadata.territory,
        "period": {"start": metadata.start, "end": metadata.end},
        "source": metadata.source,
        "levels": {
            "axis": names[0],
            "priority": names[1] if depth == 3 else None,
            "objective": names[-2],
            "measure": names[-1],
        },
        "axes": _numbered_axes(list(axes.values()), depth == 3),
    }
    try:
        return Contract.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        problems = [f"{source}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ContractError([p.replace("Value error, ", "") for p in problems]) from exc


def _numbered_axes(axes: list[dict[str, Any]], has_middle: bool) -> list[dict[str, Any]]:
    """Axes, priorities and objectives numbered by position, with the codes the source writes kept."""
    numbered = []
    for a, axis in enumerate(axes, start=1):
        objectives_codes = [o["code"] for m in axis["middle"].values() for o in m["objectives"] if o["code"]]
        axis_code = axis["code"] or _shared_head(objectives_codes)
        priorities = []
        for p, middle in enumerate(axis["middle"].values(), start=1):
            objectives = []
            for o, objective in enumerate(middle["objectives"], start=1):
                if not objective["code"]:
                    position = f"{a}.{p}.{o}" if has_middle else f"{a}.{o}"
                    objective = {**objective, "code": position, "code_derived": True}
                elif "." not in objective["code"] and "-" not in objective["code"] and axis_code:
                    objective = {**objective, "code": f"{axis_code}.{objective['code']}"}  # "C" under "II": II.C
                objectives.append(objective)
            priority: dict[str, Any] = {"number": p, "objectives": objectives}
            if has_middle:
                priority["title"] = middle["title"]
                if middle["code"] and middle["code"] != f"{axis_code or a}.{p}":
                    priority["code"] = middle["code"]  # "Objectif stratégique 3", numbered across the contract
            priorities.append(priority)
        entry: dict[str, Any] = {"number": a, "title": axis["title"], "priorities": priorities}
        if axis_code and axis_code != str(a):
            entry["code"] = axis_code
        numbered.append(entry)
    return numbered


def _shared_head(codes: list[str]) -> str:
    """The first part every written code of an axis shares (`II` of `II.A`, `II.B`), or ""."""
    heads = {re.split(r"[.\-]", code)[0] for code in codes if re.search(r"[.\-]", code)}
    return heads.pop() if len(heads) == 1 else ""


def _columns(path: Path, header: list[str], problems: list[str]) -> tuple[list[int], int | None, dict[str, int]]:
    levels: list[int] = []
    measure: int | None = None
    roles: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header):
        key = _singular_key(title)
        role = next((name for name, words in ROLES.items() if key in words), None)
        if role and role not in roles:
            roles[role] = index
        elif key in MEASURE_WORDS and measure is None:
            measure = index
        elif key in AXIS_WORDS + MIDDLE_WORDS + OBJECTIVE_WORDS:
            levels.append(index)
        elif title.strip():
            ignored.append(title.strip())
    if ignored:  # said, not silently dropped: a column of actions under a name not known here is lost text
        logger.warning(
            "%s : colonne(s) ignorée(s) : %s (ni un niveau, ni une mesure, ni un code, ni une description)",
            path,
            " ; ".join(ignored),
        )
    if len(levels) < 2:
        problems.append(
            f"{path}: ligne 1: en-tête: il faut au moins deux niveaux, l'axe et l'objectif (par exemple "
            f"« Axe;Objectif » ou « Pilier;Enjeu;Objectif;Action »), trouvé : {'; '.join(header)}"
        )
    elif len(levels) > 3:
        names = ", ".join(header[i] for i in levels)
        problems.append(f"{path}: ligne 1: en-tête: au plus trois niveaux au-dessus des mesures, trouvé : {names}")
    if measure is not None and levels and measure < levels[-1]:
        problems.append(f"{path}: ligne 1: {header[measure]}: la colonne des mesures vient après celle des objectifs")
    return levels, measure, roles


def _named(path: Path, given: tuple[str, ...], names: list[str], has_measures: bool) -> list[str]:
    """The level names given by hand, checked against the levels read."""
    wanted = len(names) if has_measures else len(names) - 1
    if len(given) not in (wanted, len(names)):
        given_names = ", ".join(given)
        raise ContractError([f"{path}: niveaux: {len(given)} noms donnés ({given_names}) pour {wanted} niveaux lus"])
    return [*given, *names[len(given) :]]


def _add_measure(where: str, text: str, uncertain: str, candidates: str, entry: Entry, problems: list[str]) -> None:
    measure: dict[str, Any] = {"text": text}
    if fold_key(uncertain) in _YES:
        codes = [_normal_code(part) for part in re.split(r"[,;/ ]+", candidates) if part.strip()]
        if not codes:
            problems.append(f"{where}: candidats: une mesure incertaine doit nommer ses autres codes possibles")
            return
        measure.update(uncertain=True, candidates=codes)
    entry.measures.append(measure)


def _numbered(text: str, code: str) -> tuple[str, str]:
    """(code, title) of a cell such as "Axe 1 : Emploi" or "1.2. Favoriser…"; the code given wins."""
    text = " ".join(text.split())
    match = _NUMBERING.match(text)
    if match is None:
        named = _UNNUMBERED.match(text)  # "Axe transversal : Égalité" is titled "Transversal – Égalité"
        if named and _singular_key(named.group(1)) in _LEVEL_WORDS:
            return code, unnumbered_title(named)
    if match is None or (match.group("word") and _singular_key(match.group("word")) not in _LEVEL_WORDS):
        return code, text
    return code or numbering_code(match), text[match.end() :]


def unnumbered_title(match: re.Match[str]) -> str:
    """The title of a level named without a number, from an `_UNNUMBERED` match: "Axe transversal :
    Égalité" → "Transversal – Égalité", "Pilier Cohésion sociale :" → "Cohésion sociale"."""
    qualifier, rest = match.group(2), match.group(3)
    return f"{qualifier[:1].upper()}{qualifier[1:]} – {rest}" if rest else qualifier


def numbering_code(match: re.Match[str]) -> str:
    """The code a `_NUMBERING` match read, without spaces."""
    return (match.group("tight") or match.group("code")).replace(" ", "")


def _normal_code(code: str) -> str:
    """A code as written, without spaces or a final dot; `5-1-3` as `5.1.3`."""
    code = re.sub(r"\s*([.\-])\s*", r"\1", code.strip()).rstrip(".")
    return code.replace("-", ".") if re.fullmatch(r"\d+(?:-\d+)+", code) else code


def _singular(title: str) -> str:
    """A header as a level's name: lower case, singular ("Objectifs opérationnels" → "objectif opérationnel")."""
    words = " ".join(title.split()).lower().split(" ")
    if fold_key(" ".join(words)) in _PLURALS:
        words = [_one(word) for word in words]
    return " ".join(words)


def _one(word: str) -> str:
    parts = word.split("-")
    return "-".join(p[:-3] + "al" if p.endswith("aux") else p[:-1] if p.endswith(("s", "x")) else p for p in parts)


def _singular_key(title: str) -> str:
    key = fold_key(title)
    return " ".join(_one(word) for word in key.split(" ")) if key in _PLURALS else key


def fold_key(text: str) -> str:
    """`text` lower-cased, without accents, its spaces collapsed: how headers and titles are compared."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


_LEVEL_WORDS = frozenset(AXIS_WORDS + MIDDLE_WORDS + OBJECTIVE_WORDS)
_PLURALS = frozenset(
    "-".join(p + ("x" if p.endswith("eu") else "s") for p in w.split("-"))
    if " " not in w
    else " ".join(p + ("x" if p.endswith("eu") else "s") for p in w.split(" "))
    for w in _LEVEL_WORDS | set(MEASURE_WORDS) | {"candidat", "type d'action"}
) | {"objectifs generaux"}
