"""The default searcher still gives the recorded answers to every evaluation question (tests/index/snapshot.py)."""

from __future__ import annotations

import json

import pytest

from index import Searcher
from tests.index.snapshot import RECORD, answers, questions


@pytest.mark.slow
@pytest.mark.parametrize("form", ["shipped", "source-only"])
def test_answers_match_the_record(form: str, default_searcher: Searcher, source_only_searcher: Searcher) -> None:
    """Refusal, the first code and its matched measures for each of ~830 questions are as recorded."""
    recorded = json.loads(RECORD.read_text(encoding="utf-8"))[form]
    searcher = default_searcher if form == "shipped" else source_only_searcher
    now = json.loads(json.dumps(answers(searcher, questions())))
    changed = [key for key in recorded if recorded[key] != now.get(key)]
    assert len(recorded) == len(now) > 800
    assert not changed, (
        f"{len(changed)} answers changed, e.g. {changed[:5]}: python -m tests.index.snapshot rewrites the record"
    )
