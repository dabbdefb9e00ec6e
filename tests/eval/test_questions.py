"""The bundled question set is well formed and covers the whole contract."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from corpus import Contract
from eval.questions import load_questions


def test_question_set_shape(caph: Contract) -> None:
    """At least 200 questions, 15 out of scope, every objective at least 3 times, only real codes."""
    questions = load_questions()
    assert len(questions) >= 200
    assert sum(not q.in_scope for q in questions) >= 15
    codes = {o.code for _, _, o in caph.objectives()}
    counts = Counter(code for q in questions for code in q.gold)
    assert set(counts) == codes
    assert min(counts.values()) >= 3
    assert {"english", "typo", "acronym", "paraphrase", "project", "keyword", "question"} <= {
        q.style for q in questions
    }


def test_splits_are_disjoint_and_complete() -> None:
    """Each question is in exactly one of the dev and held-out parts."""
    dev = {q.id for q in load_questions(split="dev")}
    held = {q.id for q in load_questions(split="heldout")}
    assert dev and held and not dev & held
    assert dev | held == {q.id for q in load_questions()}


def test_bad_question_file_names_the_line(tmp_path: Path) -> None:
    """A malformed line is reported with its file and line number."""
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "question": "ok", "gold": ["5.1.3"]}\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"q.jsonl:2: not a valid question"):
        load_questions(path)
