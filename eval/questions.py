"""Evaluation questions with their gold objective codes, in one JSONL file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal, Protocol, TypeVar, cast

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from corpus import CODE_SHAPE

DEFAULT_QUESTIONS = Path(__file__).resolve().parent / "data" / "questions.jsonl"
# everyday situations, application summaries and out-of-scope applications, written before any objective's
# vocabulary was read (see eval/data/README.md)
SITUATIONS = Path(__file__).resolve().parent / "data" / "situations.jsonl"
Split = Literal["dev", "heldout", "all"]
SPLITS: tuple[str, ...] = ("dev", "heldout", "all")


class Question(BaseModel):
    """One question as a user would type it; empty `gold` means the contract does not cover it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Annotated[str, StringConstraints(min_length=1)]
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    gold: tuple[Annotated[str, StringConstraints(pattern=CODE_SHAPE)], ...] = ()  # codes as the contract writes them
    style: str = "unknown"
    lang: str = "fr"
    split: Literal["dev", "heldout"] | None = None

    @property
    def in_scope(self) -> bool:
        return bool(self.gold)


def load_questions(path: Path = DEFAULT_QUESTIONS, split: Split = "all") -> list[Question]:
    """Questions of `path` in the given split (`all` keeps every line).

    Raises:
        ValueError: a line is not valid JSON or not a question (message names file and line), or
            the split is unknown or selects nothing.
    """
    return read_split(path, Question, split, "question")


class _Split(Protocol):
    id: str
    split: Literal["dev", "heldout"] | None


Item = TypeVar("Item", bound=BaseModel)


def read_split(path: Path, model: type[Item], split: Split, kind: str) -> list[Item]:
    """The items of a JSONL file (one `model` per line, each with an `id` and a `split`) in `split`.

    Raises:
        ValueError: unknown split, a line that is not valid JSON or not a `model` (the message names the
            file and line), a repeated id, or nothing in the split.
    """
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}: choose one of {', '.join(SPLITS)}")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such {kind} file")
    items: list[Item] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = model.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise ValueError(f"{path}:{number}: not a valid {kind}: {exc}") from exc
        fields = cast(_Split, item)
        if fields.id in seen:
            raise ValueError(f"{path}:{number}: duplicate {kind} id {fields.id!r}")
        seen.add(fields.id)
        if split == "all" or fields.split == split:
            items.append(item)
    if not items:
        raise ValueError(f"{path}: no {kind} in split {split!r}")
    return items
