"""Conversations as users have them: each turn's expected codes, and how often the answer cites one.

A dialogue file has one dialogue per line: `{"id": "d001", "split": "dev", "turns": [{"question": "…",
"gold": ["5.1.3"]}, …]}`; `gold: []` means the contract does not cover that turn. Evaluation is given a
function answering a question with the user's earlier questions (the assistant's), so that this package
needs nothing but the data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from eval.metrics import answered_right
from eval.questions import Split, read_split

DIALOGUES = Path(__file__).resolve().parent / "data" / "dialogues.jsonl"
# (question, earlier questions) -> (cited codes, best first, and whether the assistant declined)
Answerer = Callable[[str, Sequence[str]], tuple[tuple[str, ...], bool]]


class Turn(BaseModel):
    """One question of a conversation and the codes that answer it ([] when none does)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    gold: tuple[Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")], ...] = ()


class Dialogue(BaseModel):
    """A conversation of two turns or more."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Annotated[str, StringConstraints(min_length=1)]
    split: Literal["dev", "heldout"] | None = None
    turns: tuple[Turn, ...] = Field(min_length=2)


@dataclass(frozen=True)
class TurnOutcome:
    """What the assistant did on one turn."""

    dialogue: str
    turn: int
    question: str
    gold: tuple[str, ...]
    cited: tuple[str, ...]
    abstained: bool

    @property
    def right(self) -> bool:
        """The first cited code is a gold one, or the assistant declined a turn nothing covers."""
        return answered_right(self.cited, self.gold, self.abstained)


def load_dialogues(path: Path = DIALOGUES, split: Split = "all") -> list[Dialogue]:
    """The dialogues of `path` in the given split.

    Raises:
        ValueError: a line is not a valid dialogue (the message names the file and line), an id repeats,
            or the split selects nothing.
    """
    return read_split(path, Dialogue, split, "dialogue")


def run_dialogues(dialogues: Sequence[Dialogue], answer: Answerer) -> list[TurnOutcome]:
    """Play every dialogue turn by turn, each turn seeing the questions typed before it."""
    outcomes = []
    for dialogue in dialogues:
        history: list[str] = []
        for number, turn in enumerate(dialogue.turns, start=1):
            cited, abstained = answer(turn.question, list(history))
            outcomes.append(TurnOutcome(dialogue.id, number, turn.question, turn.gold, cited, abstained))
            history.append(turn.question)
    return outcomes


def turn_accuracy(outcomes: Sequence[TurnOutcome]) -> dict[str, float]:
    """Per-turn Hit@1 overall, on first turns, on later turns, and on turns nothing covers."""
    groups = {
        "all turns": list(outcomes),
        "first turns": [o for o in outcomes if o.turn == 1],
        "later turns": [o for o in outcomes if o.turn > 1],
        "out-of-scope turns": [o for o in outcomes if not o.gold],
    }
    return {name: sum(o.right for o in group) / len(group) for name, group in groups.items() if group}
