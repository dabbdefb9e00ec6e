"""Dialogue evaluation: the file format, turn-by-turn play, and the command's JSON lines."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from eval.dialogues import DIALOGUES, load_dialogues, run_dialogues, turn_accuracy


def test_the_bundled_dialogues_load() -> None:
    """At least 60 dialogues of 2-4 turns, split dev / held-out."""
    dialogues = load_dialogues(DIALOGUES)
    assert len(dialogues) >= 60
    assert all(2 <= len(d.turns) <= 4 for d in dialogues)
    assert {d.split for d in dialogues} == {"dev", "heldout"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "d1", "turns": [{"question": "a", "gold": []}]}', "at least 2"),
        ('{"id": "d1", "turns": [{"question": "a"}, {"question": "b", "gold": ["5.1"]}]}', "pattern"),
        ("not json", "not a valid dialogue"),
    ],
)
def test_a_bad_line_is_named(tmp_path: Path, line: str, message: str) -> None:
    """A malformed dialogue is reported with its file and line."""
    path = tmp_path / "d.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_dialogues(path)


def test_each_turn_sees_the_questions_before_it(tmp_path: Path) -> None:
    """The answerer gets the earlier questions; a declined out-of-scope turn counts as right.
    Hit@1 over turns = (right 1st + wrong 2nd + right 3rd) / 3 = 2/3."""
    path = tmp_path / "dialogue.jsonl"
    seen: list[tuple[str, list[str]]] = []

    def answer(question: str, history: Sequence[str]) -> tuple[tuple[str, ...], bool]:
        seen.append((question, list(history)))
        return {"absentéisme": (("5.1.3",), False), "et les parents ?": (("5.1.2",), False)}.get(question, ((), True))

    path.write_text(
        json.dumps(
            {
                "id": "d1",
                "turns": [
                    {"question": "absentéisme", "gold": ["5.1.3"]},
                    {"question": "et les parents ?", "gold": ["5.1.3"]},
                    {"question": "passeport", "gold": []},
                ],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    outcomes = run_dialogues(load_dialogues(path), answer)
    assert seen == [
        ("absentéisme", []),
        ("et les parents ?", ["absentéisme"]),
        ("passeport", ["absentéisme", "et les parents ?"]),
    ]
    assert [o.right for o in outcomes] == [True, False, True]
    assert turn_accuracy(outcomes)["all turns"] == pytest.approx(2 / 3)
    assert turn_accuracy(outcomes)["out-of-scope turns"] == 1.0


@pytest.mark.slow
def test_cdv_eval_dialogues_json(
    default_searcher: object, index_cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`cdv eval --dialogues FILE --json` prints one line per dialogue with each turn's cited codes."""
    from assistant.cli import main

    monkeypatch.setenv("CDV_CACHE_DIR", str(index_cache))  # the default searcher's index is already there
    assert main(["eval", "--dialogues", str(DIALOGUES), "--split", "heldout", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == len(load_dialogues(DIALOGUES, "heldout"))
    first = lines[0]["turns"][0]
    assert set(first) == {"question", "gold", "cited", "abstain"}
