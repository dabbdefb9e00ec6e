"""The answers of the default searcher to every evaluation question, as a fixed record.

`python -m tests.index.snapshot` writes `tests/index/data/answers.json`; `test_snapshot.py` checks that the
code still gives the same answers. A refactoring must leave the record unchanged; a change of retrieval
rewrites it on purpose (and says so in its commit).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from corpus import Contract, load_contracts, source_only
from eval.dialogues import load_dialogues
from eval.questions import load_questions
from index import DEFAULT_EMBEDDER, Searcher, open_searcher

RECORD = Path(__file__).resolve().parent / "data" / "answers.json"
DATA = Path(__file__).resolve().parents[2] / "eval" / "data"
FILES = ("questions", "situations", "fresh")


def questions() -> dict[str, str]:
    """Every question of the evaluation files and every dialogue turn taken alone, by id."""
    found = {q.id: q.question for name in FILES for q in load_questions(DATA / f"{name}.jsonl")}
    for dialogue in load_dialogues(DATA / "dialogues.jsonl"):
        for n, turn in enumerate(dialogue.turns):
            found[f"{dialogue.id}.{n}"] = turn.question
    return found


def answers(searcher: Searcher, asked: dict[str, str]) -> dict[str, list[object]]:
    """For each question: refused or not, the first code, and the first hit's matched measures.

    The ranks below the first are left out: the embedding engine's arithmetic differs slightly from one
    processor to another, enough to swap two close objectives at ranks 2-3 (19 of 826 between two
    machines), never the first."""
    results = searcher.search_many(list(asked.values()), k=1)
    return {
        key: [r.abstain, [h.code for h in r.hits], [m.text[:40] for m in r.hits[0].measures] if r.hits else []]
        for key, r in zip(asked, results, strict=True)
    }


def record(contract: Contract, cache: Path) -> dict[str, dict[str, list[object]]]:
    """The answers of the shipped and the source-only forms of `contract`."""
    asked = questions()
    return {
        form: answers(open_searcher([c], DEFAULT_EMBEDDER, cache_dir=cache), asked)
        for form, c in (("shipped", contract), ("source-only", source_only(contract)))
    }


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        made = record(load_contracts()[0], Path(folder))
    RECORD.write_text(json.dumps(made, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    sys.stdout.write(f"{RECORD}: {sum(len(v) for v in made.values())} answers\n")
