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


def test_cli_eval_on_another_question_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cdv eval --queries FILE` evaluates any file in the same format (no split field needed)."""
    import json

    from assistant.cli import main

    monkeypatch.setenv("CDV_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "other.jsonl"
    path.write_text(
        '{"id": "a", "question": "marchands de sommeil", "gold": ["4.3.2"]}\n'
        '{"id": "b", "question": "taux du livret A", "gold": []}\n',
        encoding="utf-8",
    )
    report = tmp_path / "report.json"
    assert main(["eval", "--queries", str(path), "--retriever", "lexical", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "formes shipped ; parties all" in out and "| shipped · all · lexical | 2 |" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["configurations"][0]["metrics"]["hit@1"] == 1.0
    arguments = ["eval", "--queries", str(path), "--retriever", "lexical", "--form", "titles-only,source-only"]
    assert main([*arguments, "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "| titles-only · all · lexical | 2 |" in out and "| source-only · all · lexical | 2 |" in out
    assert main(["eval", "--queries", str(path), "--form", "bare"]) == 2
    assert "--form 'bare' : valeurs possibles shipped, source-only, titles-only" in capsys.readouterr().err
