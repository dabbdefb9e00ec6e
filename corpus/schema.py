"""Pydantic models of a contrat de ville: contract → axes → (priorities) → objectives → (measures).

Contracts come in many shapes: two levels (axe → objectif, no codes, no measures), three (CAPH: axe →
priorité → objectif opérationnel → mesures-socle) or four (pilier → enjeu → objectif → actions). The model
keeps one shape, axis → priority → objective → measures, and `Levels` names each level as the source
does; a contract without a middle level has one untitled priority per axis, which nothing displays.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# an objective's code as the source writes it: `5.1.3`, `2.3`, `II.C`, `OS2-OO3`…
CODE_SHAPE = r"^[0-9A-Za-z]{1,8}(?:[.\-][0-9A-Za-z]{1,8}){0,4}$"  # the one definition of a code's shape
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=CODE_SHAPE)]
_THREE_NUMBERS = re.compile(r"^(\d+)\.(\d+)\.\d+$")

CODE_PATTERN = re.compile(r"\b([1-9]\d?)[.\-]([1-9]\d?)[.\-]([1-9]\d?)\b")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Measure(_Frozen):
    """One *mesure-socle*; `uncertain` marks a placement the source does not settle."""

    text: Text
    text_en: Text | None = None
    uncertain: bool = False
    candidates: tuple[Code, ...] = ()
    note: Text | None = None

    @model_validator(mode="after")
    def _candidates_need_uncertainty(self) -> Measure:
        if self.candidates and not self.uncertain:
            raise ValueError("candidates are only allowed on a measure marked uncertain: true")
        if self.uncertain and not self.candidates:
            raise ValueError("an uncertain measure must name its other candidate codes")
        return self

    @property
    def names_theme(self) -> bool:
        """Whether it names a theme ("Autour de l'éducation", "En matière de santé") rather than an action."""
        return names_theme(self.text)


# how a contract heads a sub-item that names a theme rather than an action
_THEMATIC = re.compile(r"^(?:autour d|en matiere d|dans le domaine d|sur le volet|volet\b|thematique\b|theme\b)")


def names_theme(text: str) -> bool:
    """Whether a sub-item names a theme ("Autour de l'éducation") rather than an action."""
    folded = unicodedata.normalize("NFKD", text.strip().lower())
    return bool(_THEMATIC.match("".join(ch for ch in folded if not unicodedata.combining(ch))))


class Objective(_Frozen):
    """The citable unit: the deepest level above the measures (*objectif opérationnel*, *objectif*…).

    `code` is the source's own; when the source numbers nothing it is derived from the position (`3.2`)
    and `code_derived` says so. `description` holds what the source writes under the title (the call for
    projects' "types d'actions attendus"), when it does.
    """

    code: Code
    code_derived: bool = False
    title: Text
    title_en: Text | None = None
    description: Text | None = None
    vocabulary: tuple[Text, ...] = ()
    measures: tuple[Measure, ...] = ()


# a middle level's number as the source writes it: `3`, `C.1`, `OS2`
PartCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z]{1,8}(?:[.\-][0-9A-Za-z]{1,8}){0,3}$")
]


class Priority(_Frozen):
    """The middle level (*priorité*, *enjeu*, *orientation*…); untitled when the contract has none. `code`
    is its number as the source writes it ("Objectif stratégique 3", numbered across the contract), when
    that is not its axis's number and its position (`2.1`)."""

    number: int = Field(ge=1)
    code: PartCode | None = None
    title: Text | None = None
    title_en: Text | None = None
    objectives: tuple[Objective, ...] = Field(min_length=1)

    def label_in(self, axis: Axis) -> str:
        """How the source numbers it: its written code, else its axis's label and its position."""
        return self.code or f"{axis.label}.{self.number}"


class Axis(_Frozen):
    """One of the contract's axes (*axe*, *pilier*…); `code` is its number as the source writes it (`II`,
    `C`), when that is not its position."""

    number: int = Field(ge=1)
    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z]{1,8}$")] | None = None
    title: Text
    title_en: Text | None = None
    priorities: tuple[Priority, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _objectives_directly(cls, data: Any) -> Any:
        """`objectives:` right under an axis (a contract without a middle level) is its one untitled priority."""
        if isinstance(data, dict) and "objectives" in data and "priorities" not in data:
            data = dict(data)
            data["priorities"] = [{"number": 1, "objectives": data.pop("objectives")}]
        return data

    @property
    def label(self) -> str:
        """How the source numbers it: its written code, else its position."""
        return self.code or str(self.number)


class Levels(_Frozen):
    """The names the source gives its levels, lower-case, singular: axe / priorité / objectif / mesure."""

    axis: Text = "axe"
    priority: Text | None = "priorité"  # None: the contract goes from axis straight to objectives
    objective: Text = "objectif opérationnel"
    measure: Text = "mesure"

    @property
    def measures(self) -> str:
        """The measures' name in the plural ("mesures-socles", "actions")."""
        words = self.measure.split(" ")
        return " ".join("-".join(p if p.endswith(("s", "x")) else f"{p}s" for p in w.split("-")) for w in words)


class Period(_Frozen):
    """Years the contract is in force, inclusive."""

    start: int = Field(ge=1990, le=2100)
    end: int = Field(ge=1990, le=2100)
    note: Text | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self

    def label(self) -> str:
        return f"{self.start}-{self.end}"


class Fix(_Frozen):
    """A typo of the source extraction corrected in the transcription."""

    source: Text
    fixed: Text
    note: Text | None = None


class GlossaryEntry(_Frozen):
    """An acronym or local term and what it stands for."""

    acronym: Text
    meaning: Text
    meaning_en: Text | None = None
    uncertain: bool = False


class Filing(_Frozen):
    """A past action filed under one objective (a line of the yearly *programmation*, or a correction the
    project lead accepted): how the territory itself reads its objectives. Kept in its own file beside
    the contract (`corpus.filings`), never in the contract's source text."""

    code: Code
    title: Text
    summary: Text | None = None
    year: int | None = Field(default=None, ge=1990, le=2100)
    carrier: Text | None = None  # the *porteur*: the association or service that ran it
    origin: Text  # where it comes from: "programmation-2023.csv, ligne 12", "avis n° 34 accepté le …"

    def text(self) -> str:
        """The filing as one passage: its title, then its summary."""
        return f"{self.title}. {self.summary}" if self.summary else self.title


class Contract(_Frozen):
    """A whole contrat de ville with its glossary, and (not part of its file) the territory's past filings."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: Text
    title_en: Text | None = None
    # the contract as people name it in a funding application; default: "<title> (<period>)"
    name: Text | None = None
    # questions shown as examples on the page (any contract can have its own)
    examples: tuple[Text, ...] = ()
    territory: Text
    period: Period
    source: Text
    fixes: tuple[Fix, ...] = ()
    glossary: tuple[GlossaryEntry, ...] = ()
    # topics people bring to a town hall that this contract does not cover (roads, civil status, sport
    # results…): editorial, used only to recognise out-of-scope questions, never as an answer
    out_of_scope: tuple[Text, ...] = ()
    levels: Levels = Levels()
    axes: tuple[Axis, ...] = Field(min_length=1)
    # attached from the contract's examples file by the loader; never written into the contract's own file
    filings: tuple[Filing, ...] = Field(default=(), exclude=True)

    @model_validator(mode="after")
    def _consistent_tree(self) -> Contract:
        problems: list[str] = []
        seen_codes: set[str] = set()
        for a, axis in enumerate(self.axes):
            if axis.number in {x.number for x in self.axes[:a]}:
                problems.append(f"axes.{a}.number: duplicate axis number {axis.number}")
            if self.levels.priority is None and (len(axis.priorities) != 1 or axis.priorities[0].title):
                problems.append(f"axes.{a}: the contract has no middle level (levels.priority is empty)")
            for p, priority in enumerate(axis.priorities):
                if priority.number in {x.number for x in axis.priorities[:p]}:
                    problems.append(f"axes.{a}.priorities.{p}.number: duplicate priority number {priority.number}")
                if self.levels.priority is not None and priority.title is None:
                    problems.append(f"axes.{a}.priorities.{p}.title: missing ({self.levels.priority})")
                for o, objective in enumerate(priority.objectives):
                    where = f"axes.{a}.priorities.{p}.objectives.{o}.code"
                    numbers = _THREE_NUMBERS.match(objective.code)
                    expected = (str(axis.number), str(priority.number))
                    if self.levels.priority and axis.code is None and numbers and numbers.groups() != expected:
                        problems.append(
                            f"{where}: code {objective.code} disagrees with axis {axis.number}"
                            f" and priority {priority.number} (expected {'.'.join(expected)}.N)"
                        )
                    if objective.code in seen_codes:
                        problems.append(f"{where}: duplicate code {objective.code}")
                    seen_codes.add(objective.code)
        for a, axis in enumerate(self.axes):
            for p, priority in enumerate(axis.priorities):
                for o, objective in enumerate(priority.objectives):
                    for m, measure in enumerate(objective.measures):
                        for code in measure.candidates:
                            if code not in seen_codes or code == objective.code:
                                problems.append(
                                    f"axes.{a}.priorities.{p}.objectives.{o}.measures.{m}"
                                    f".candidates: {code} is not another objective of this contract"
                                )
        for f, filing in enumerate(self.filings):
            if filing.code not in seen_codes:
                problems.append(f"filings.{f}.code: {filing.code} is not an objective of this contract")
        acronyms = [entry.acronym.casefold() for entry in self.glossary]
        for g, name in enumerate(acronyms):
            if name in acronyms[:g]:
                problems.append(f"glossary.{g}.acronym: duplicate acronym {self.glossary[g].acronym}")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def objectives(self) -> Iterator[tuple[Axis, Priority, Objective]]:
        """Every objective with its axis and priority, in document order."""
        for axis in self.axes:
            for priority in axis.priorities:
                for objective in priority.objectives:
                    yield axis, priority, objective

    def path(self, axis: Axis, priority: Priority) -> tuple[tuple[str, str], ...]:
        """The levels above an objective as the source names them: (("Axe 1", title), ("Priorité 1.2", title))."""
        levels = [(f"{self.levels.axis.capitalize()} {axis.label}", axis.title)]
        if self.levels.priority is not None and priority.title is not None:
            levels.append((f"{self.levels.priority.capitalize()} {priority.label_in(axis)}", priority.title))
        return tuple(levels)

    def objective_label(self, objective: Objective) -> str:
        """ "Objectif opérationnel 5.1.3", or "Objectif 3.2 (numérotation déduite de l'ordre)" for a derived code."""
        label = f"{self.levels.objective.capitalize()} {objective.code}"
        return f"{label} (numérotation déduite de l'ordre)" if objective.code_derived else label

    def outline(self) -> str:
        """The tree as the source names its levels, one line per axis, priority, objective and measure."""
        lines = [f"{self.title} ({self.period.label()})", f"{self.territory} — id : {self.id}", ""]
        for axis in self.axes:
            lines.append(f"{self.path(axis, axis.priorities[0])[0][0]} : {axis.title}")
            for priority in axis.priorities:
                indent = "  "
                if priority.title is not None:
                    lines.append(f"  {self.path(axis, priority)[1][0]} : {priority.title}")
                    indent = "    "
                for objective in priority.objectives:
                    derived = "  (code déduit de l'ordre)" if objective.code_derived else ""
                    lines.append(f"{indent}{objective.code}  {objective.title}{derived}")
                    if objective.description:
                        lines.append(f"{indent}    « {' '.join(objective.description.split())} »")
                    for measure in objective.measures:
                        mark = f"  [incertain : aussi {', '.join(measure.candidates)}]" if measure.uncertain else ""
                        lines.append(f"{indent}    - {measure.text}{mark}")
        return "\n".join(lines)

    def find(self, code: str) -> tuple[Axis, Priority, Objective] | None:
        """The objective with this code, or None."""
        for found in self.objectives():
            if found[2].code == code:
                return found
        return None
