"""The indexed passages: each measure read in its objective's context, titles, English and vocabulary."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from corpus import Contract

_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+|\s*\n\s*(?:[-•–>*]\s*)?")

PassageKind = Literal["title", "measure", "description", "vocabulary", "situation", "filing"]
# a filing's dense passage is its title (its summary counts on the lexical side): the engine embeds titles
# about twice as fast as title + summary (e5-small, 2 cores: 10,000 titles in about 2 minutes)
FILING_CHARS = 400  # a title longer than this is a summary pasted in the title column
# what the thesaurus gives an objective, in order: ("terms", the contracts' words for a concept) read by the
# lexical side only (a list of keywords embedded as a passage comes close to too many questions), and
# ("situation", an everyday phrase) read by both sides
PlacedKind = Literal["terms", "situation"]
Attached = Mapping[tuple[str, str], Sequence[tuple[PlacedKind, str]]]


@dataclass(frozen=True)
class Passage:
    """One indexed text and where it comes from."""

    contract_id: str
    code: str
    kind: PassageKind
    text: str
    measure: int | None = None  # index of the measure inside its objective
    filing: int | None = None  # index of the past filing in its contract's `filings`
    lang: Literal["fr", "en"] = "fr"


def build_passages(
    contracts: list[Contract], *, enriched: bool = True, situations: Attached | None = None
) -> list[Passage]:
    """Every passage of every contract, in document order.

    Args:
        enriched: also index the English renderings and the field-workers' vocabulary
            (editorial additions); without it only the source's French text is indexed.
        situations: what the thesaurus placed on each objective: each situation indexed bare (terms are
            for the lexical documents only).
    """
    passages: list[Passage] = []
    for contract in contracts:
        filed = _filings_by_code(contract)
        for axis, priority, objective in contract.objectives():
            cid, code = contract.id, objective.code
            # the level above says what a terse title leaves out ("Favoriser l'insertion" under "Emploi")
            passages.append(Passage(cid, code, "title", f"{objective.title} ({priority.title or axis.title})"))
            if enriched and objective.title_en:
                passages.append(Passage(cid, code, "title", objective.title_en, lang="en"))
            for m, measure in enumerate(objective.measures):
                passages.append(Passage(cid, code, "measure", f"{objective.title} : {measure.text}", m))
                if enriched and measure.text_en:
                    en = f"{objective.title_en or objective.title}: {measure.text_en}"
                    passages.append(Passage(cid, code, "measure", en, m, lang="en"))
            for sentence in sentences(objective.description or ""):
                passages.append(Passage(cid, code, "description", f"{objective.title} : {sentence}"))
            if enriched:
                # each entry on its own: a short question then meets a short passage (dense Hit@1 on dev
                # 0.773 with the title prefixed, 0.820 without)
                passages.extend(Passage(cid, code, "vocabulary", word) for word in objective.vocabulary)
            for kind, text in (situations or {}).get((cid, code), ()):
                if kind == "situation":
                    passages.append(Passage(cid, code, "situation", text))
            # how the territory filed its past actions under this objective: real requests, in its words
            for f in filed.get(code, ()):
                passages.append(Passage(cid, code, "filing", contract.filings[f].title[:FILING_CHARS], filing=f))
    return passages


def objective_documents(
    contracts: list[Contract], *, enriched: bool = True, situations: Attached | None = None
) -> dict[tuple[str, str], str]:
    """One text per objective (titles, measures, with `enriched` English and vocabulary, the terms and
    situations the thesaurus placed on it and the contract's past filings), for lexical search."""
    documents: dict[tuple[str, str], str] = {}
    for contract in contracts:
        filed = _filings_by_code(contract)
        for axis, priority, objective in contract.objectives():
            parts = [objective.title, priority.title or axis.title, objective.description or ""]
            parts += [m.text for m in objective.measures]
            if enriched:
                parts += [objective.title_en or "", *(m.text_en or "" for m in objective.measures)]
                parts += objective.vocabulary
            parts += [text for _, text in (situations or {}).get((contract.id, objective.code), ())]
            parts += [contract.filings[f].text() for f in filed.get(objective.code, ())]
            documents[(contract.id, objective.code)] = "\n".join(p for p in parts if p)
    return documents


def placed_texts(rows: object) -> list[tuple[PlacedKind, str]]:
    """What the thesaurus placed on an objective, read back from JSON (`[[kind, text], …]`).

    Raises:
        ValueError: not a list of [kind, text] pairs of a known kind.
    """
    if not isinstance(rows, list):
        raise ValueError("expected a list of [kind, text] pairs")
    placed: list[tuple[PlacedKind, str]] = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 2 and row[0] in get_args(PlacedKind) and isinstance(row[1], str)):
            raise ValueError(f"expected [terms|situation, text], got {row!r:.80}")
        placed.append((row[0], row[1]))
    return placed


def _filings_by_code(contract: Contract) -> dict[str, list[int]]:
    grouped: dict[str, list[int]] = {}
    for f, filing in enumerate(contract.filings):
        grouped.setdefault(filing.code, []).append(f)
    return grouped


def sentences(text: str) -> list[str]:
    """A description cut into its sentences and bullet lines, each searched on its own like a measure."""
    return [part.strip(" -•–>*") for part in _SENTENCE_END.split(text) if len(part.strip(" -•–>*")) > 2]
