"""Pydantic models of a contrat de ville: contract → axes → priorities → objectives → measures."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[str, StringConstraints(pattern=r"^[1-9]\d*\.[1-9]\d*\.[1-9]\d*$")]

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


class Objective(_Frozen):
    """An *objectif opérationnel*, coded `axis.priority.objective`."""

    code: Code
    title: Text
    title_en: Text | None = None
    vocabulary: tuple[Text, ...] = ()
    measures: tuple[Measure, ...] = Field(min_length=1)


class Priority(_Frozen):
    """A *priorité du contrat de ville* inside an axis."""

    number: int = Field(ge=1)
    title: Text
    title_en: Text | None = None
    objectives: tuple[Objective, ...] = Field(min_length=1)


class Axis(_Frozen):
    """One of the contract's axes (themes)."""

    number: int = Field(ge=1)
    title: Text
    title_en: Text | None = None
    priorities: tuple[Priority, ...] = Field(min_length=1)


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


class Contract(_Frozen):
    """A whole contrat de ville with its glossary."""

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
    axes: tuple[Axis, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent_tree(self) -> Contract:
        problems: list[str] = []
        seen_codes: set[str] = set()
        for a, axis in enumerate(self.axes):
            if axis.number in {x.number for x in self.axes[:a]}:
                problems.append(f"axes.{a}.number: duplicate axis number {axis.number}")
            for p, priority in enumerate(axis.priorities):
                if priority.number in {x.number for x in axis.priorities[:p]}:
                    problems.append(f"axes.{a}.priorities.{p}.number: duplicate priority number {priority.number}")
                for o, objective in enumerate(priority.objectives):
                    where = f"axes.{a}.priorities.{p}.objectives.{o}.code"
                    prefix = f"{axis.number}.{priority.number}."
                    if not objective.code.startswith(prefix):
                        problems.append(
                            f"{where}: code {objective.code} disagrees with axis {axis.number}"
                            f" and priority {priority.number} (expected {prefix}N)"
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

    def find(self, code: str) -> tuple[Axis, Priority, Objective] | None:
        """The objective with this code, or None."""
        for found in self.objectives():
            if found[2].code == code:
                return found
        return None
