"""Where each objective and passage of the loaded contracts sits: the arrays every search step indexes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from corpus import Contract
from index.hits import MatchedMeasure
from index.passages import Passage
from index.text import code_lookup

MeasureLayout = tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]


@dataclass(frozen=True)
class Scope:
    """The objectives and passages one search looks at: one contract's, or every contract's."""

    first: int
    stop: int
    first_passage: int
    passage_stop: int


@dataclass(frozen=True)
class Objective:
    """A citable objective with the titles above it and its measures."""

    contract: Contract
    axis_number: int
    axis_title: str
    priority_number: int
    priority_title: str  # empty when the contract has no middle level
    code: str
    title: str
    measures: tuple[MatchedMeasure, ...]
    path: tuple[tuple[str, str], ...]  # the levels above, as the source names them
    label: str  # "Objectif opérationnel 5.1.3"


class Layout:
    """The objectives of the contracts in document order, and their passages grouped by objective.

    Each contract's objectives, then its passages, are contiguous: a search within one contract works on
    slices, at a cost that does not grow with the number of contracts loaded.
    """

    def __init__(self, contracts: list[Contract], passages: list[Passage]) -> None:
        self.passages = passages
        self.objectives = _objectives(contracts)
        self.keys = [(o.contract.id, o.code) for o in self.objectives]
        self.axis_of = np.array([o.axis_number for o in self.objectives])
        self.position = {key: i for i, key in enumerate(self.keys)}
        self.with_code: dict[str, list[int]] = defaultdict(list)
        for i, (_, code) in enumerate(self.keys):
            self.with_code[code].append(i)
        self.code_lookup = code_lookup(self.with_code)  # written shapes of every code, for find_codes
        self.passages = passages
        self.passage_owner = np.array([self.position[(p.contract_id, p.code)] for p in passages])
        # passages come grouped by objective, in objective order: segment starts for reduceat
        if np.any(np.diff(self.passage_owner) < 0):
            raise ValueError("passages must be grouped by objective in document order")
        self.segment_starts = np.searchsorted(self.passage_owner, np.arange(len(self.objectives)))
        firsts = [i for i, key in enumerate(self.keys) if i == 0 or key[0] != self.keys[i - 1][0]]
        self.contract_starts = np.array(firsts)
        bounds = [*firsts, len(self.objectives)]
        passage_bounds = [*self.segment_starts[firsts].tolist(), len(passages)]
        self.scopes = {
            contract.id: Scope(bounds[n], bounds[n + 1], passage_bounds[n], passage_bounds[n + 1])
            for n, contract in enumerate(contracts)
        }
        self.whole = Scope(0, len(self.objectives), 0, len(passages))
        self.measure_ids = [i for i, p in enumerate(passages) if p.kind == "measure"]
        self.measures_of = _measure_layout(passages, self.measure_ids, self.passage_owner)
        # per objective, the passages of its past filings, and of its title (French, English)
        filed: dict[int, list[int]] = defaultdict(list)
        titled: dict[int, list[int]] = defaultdict(list)
        for pid, passage in enumerate(passages):
            if passage.kind in ("filing", "title"):
                (filed if passage.kind == "filing" else titled)[int(self.passage_owner[pid])].append(pid)
        self.filings_of = {owner: np.array(ids) for owner, ids in filed.items()}
        self.titles_of = {owner: np.array(ids) for owner, ids in titled.items()}


def _objectives(contracts: list[Contract]) -> list[Objective]:
    found = []
    for contract in contracts:
        for axis, priority, objective in contract.objectives():
            measures = tuple(MatchedMeasure(m.text, 0.0, m.uncertain, tuple(m.candidates)) for m in objective.measures)
            found.append(
                Objective(
                    contract,
                    axis.number,
                    axis.title,
                    priority.number,
                    priority.title or "",
                    objective.code,
                    objective.title,
                    measures,
                    contract.path(axis, priority),
                    contract.objective_label(objective),
                )
            )
    return found


def _measure_layout(
    passages: list[Passage], measure_ids: list[int], owner: np.ndarray
) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]]:
    """Per objective: rows in the measure index, passage ids, segment starts per measure, measure numbers."""
    grouped: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for row, pid in enumerate(measure_ids):
        number = passages[pid].measure
        assert number is not None  # measure passages always carry their index
        grouped[int(owner[pid])].append((row, pid, number))
    layout = {}
    for objective, items in grouped.items():
        starts = [k for k, item in enumerate(items) if k == 0 or item[2] != items[k - 1][2]]
        layout[objective] = (
            np.array([row for row, _, _ in items]),
            np.array([pid for _, pid, _ in items]),
            np.array(starts),
            [items[k][2] for k in starts],
        )
    return layout
