"""A contract nobody tuned anything for (an invented table imported from a spreadsheet) is searched with
the same settings as CAPH's: its questions are answered and its out-of-scope requests refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import Metadata, import_table
from eval.questions import load_questions
from eval.report import evaluate
from index import DEFAULT_EMBEDDER, open_searcher

DATA = Path(__file__).parents[1] / "corpus" / "data"


@pytest.mark.slow
def test_an_invented_contract_answers_with_default_settings(index_cache: Path) -> None:
    """Hit@1 over its 10 in-scope questions and both out-of-scope refusals, with no per-contract value."""
    metadata = Metadata("valmont-2024-2030", "Contrat de ville de Valmont", "Valmont", 2024, 2030, "inventé")
    contract = import_table(DATA / "valmont-invented.csv", metadata)
    searcher = open_searcher([contract], DEFAULT_EMBEDDER, cache_dir=index_cache)
    report = evaluate(searcher, load_questions(DATA / "valmont-questions.jsonl"), "hybrid", "valmont")
    assert report.metrics["hit@1"] >= 0.8, report.metrics
    assert report.metrics["abstain_recall"] == 1.0 and report.metrics["false_refusal"] <= 0.1, report.metrics
