"""`cdv search`: single questions, JSON, and batch mode with bad lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main


def test_lexical_search_prints_a_ranked_list(capsys: pytest.CaptureFixture[str]) -> None:
    """The readable list shows code, title and path."""
    assert main(["search", "chantier d'insertion", "--retriever", "lexical", "--k", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. 2.1.1  Développer et qualifier les ateliers et chantiers d'insertion")
    assert "Axe 2 : " in out and " › Priorité 2.1 : " in out


def test_repaired_words_are_reported(capsys: pytest.CaptureFixture[str]) -> None:
    """Both outputs say how a misspelt word was read."""
    assert main(["search", "chantier d'insersion", "--retriever", "lexical", "--k", "1"]) == 0
    assert capsys.readouterr().out.startswith("Lu comme : « insersion » → « insertion »\n1. 2.1.1")
    assert main(["search", "chantier d'insersion", "--retriever", "lexical", "--k", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["read_as"] == {"insersion": "insertion"}
    assert data["results"][0]["code"] == "2.1.1"


def test_unknown_code_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown code is named as unknown."""
    assert main(["search", "objectif 9.9.9", "--retriever", "lexical", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {"abstain": True, "results": [], "unknown_codes": ["9.9.9"]}


def test_batch_mode_skips_bad_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Bad lines are reported with their number on stderr; good lines still produce strict JSON."""
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"id": "a", "question": "marchands de sommeil"}\n'
        "not json\n"
        '{"id": "b"}\n'
        '{"id": "c", "question": "   "}\n'
        + "[" * 100_000
        + "\n"
        + '{"id": NaN, "question": "illettrisme"}\n'
        + '{"id": 1' + "0" * 5000 + ', "question": "illettrisme"}\n'
        + '{"id": 4, "question": "illettrisme"}\n',
        encoding="utf-8",
    )
    code = main(["search", "--queries", str(queries), "--k", "3", "--json", "--retriever", "lexical"])
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [line["id"] for line in lines] == ["a", 4]
    assert lines[0]["results"][0]["code"] == "4.3.2" and len(lines[0]["results"]) == 3
    assert set(lines[0]) == {"id", "abstain", "results"}
    assert {"code", "title", "score", "measures"} <= set(lines[0]["results"][0])
    assert f"{queries}:2: ligne ignorée : JSON invalide" in captured.err
    assert f"{queries}:3: ligne ignorée" in captured.err and f"{queries}:4: ligne ignorée" in captured.err
    # a line nested 100,000 deep, a NaN, a number of 5,000 digits: each reported, the next line answered
    assert f"{queries}:5: ligne ignorée : JSON trop profondément imbriqué" in captured.err
    assert f"{queries}:6: ligne ignorée : JSON refusé (NaN n'est pas du JSON strict)" in captured.err
    assert f"{queries}:7: ligne ignorée : JSON refusé" in captured.err
    assert code == 1


def test_question_and_queries_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    """Giving neither a question nor a file is a clear error, not a traceback."""
    assert main(["search"]) == 2
    assert "donnez soit une question, soit --queries" in capsys.readouterr().err


def test_a_lone_surrogate_does_not_stop_the_batch(tmp_path: Path) -> None:
    """A line whose id or question holds a lone surrogate is answered as valid JSON; the others still run."""
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"id": "\\ud800", "question": "chantier d\'insertion"}\n'
        '{"id": "b", "question": "marchands de sommeil \\udfff"}\n'
        '{"id": "c", "question": "aide aux devoirs"}\n',
        encoding="utf-8",
    )
    # a real process: its standard output is an encoder that refuses surrogates, unlike pytest's capture
    command = [sys.executable, "-m", "assistant.cli", "search", "--queries", str(queries)]
    run = subprocess.run(
        [*command, "--json", "--retriever", "lexical"],
        capture_output=True,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    lines = [json.loads(line) for line in run.stdout.decode("utf-8").splitlines()]
    assert run.returncode == 0, run.stderr.decode()
    assert [line["id"] for line in lines] == ["\ud800", "b", "c"]
    assert lines[1]["results"][0]["code"] == "4.3.2"
