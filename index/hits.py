"""What a search returns: small frozen values shared by the CLI, the answers and the evaluation."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MatchedMeasure:
    """A measure of a cited objective, with how well it matched the question."""

    text: str
    score: float
    uncertain: bool = False
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Precedent:
    """A past action filed under a cited objective that resembles the question."""

    title: str
    year: int | None
    carrier: str | None
    origin: str
    score: float

    def about(self) -> str:
        """ "2023, Association X": when and by whom, as far as known."""
        return ", ".join(str(part) for part in (self.year, self.carrier) if part)

    def line(self) -> str:
        """ "Atelier vélo des jeunes de la Briqueterie (2023, Association X)"."""
        return f"{self.title} ({self.about()})" if self.about() else self.title


@dataclass(frozen=True)
class Hit:
    """One objective found for a question."""

    contract_id: str
    code: str
    title: str
    axis_number: int
    axis_title: str
    priority_number: int
    priority_title: str  # empty when the contract has no middle level
    score: float
    measures: tuple[MatchedMeasure, ...]
    lexical_rank: int | None = None
    dense_rank: int | None = None
    path: tuple[tuple[str, str], ...] = ()  # (("Axe 1", title), ("Priorité 1.2", title)): the source's levels
    label: str = ""  # "Objectif opérationnel 5.1.3", "Objectif 2.3"
    precedents: tuple[Precedent, ...] = ()  # past filings under this objective that resemble the question

    def where(self) -> str:
        """The levels above the objective on one line: "Axe 1 : … › Priorité 1.2 : …"."""
        return " › ".join(f"{name} : {title}" for name, title in self.path)


@dataclass(frozen=True)
class SearchResult:
    """The ranked objectives for a question, and whether the contract covers it at all."""

    query: str
    hits: tuple[Hit, ...]
    abstain: bool
    codes: tuple[str, ...] = ()  # codes named in the question that exist
    unknown_codes: tuple[str, ...] = ()  # codes named in the question that do not
    unrecognised: bool = False  # no word of the question is a word (a keyboard mash): nothing is cited
    truncated: bool = False
    signals: dict[str, float] = field(default_factory=dict)
    corrections: tuple[tuple[str, str], ...] = ()  # (typed, read as) for misspelt words
    handled_by: str = ""  # refused: the kind of service that usually handles the closest generic request
    gap: bool = False  # refused, but a request of the field: this contract has no objective dedicated to it
