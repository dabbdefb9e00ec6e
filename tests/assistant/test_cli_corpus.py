"""`cdv corpus` prints the contract as an outline or as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import main


def test_corpus_json_lists_the_whole_tree(capsys: pytest.CaptureFixture[str]) -> None:
    """The JSON has 7 axes, 20 priorities, 50 objectives with measures, and the glossary."""
    assert main(["corpus", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    priorities = [p for axis in data["axes"] for p in axis["priorities"]]
    objectives = [o for p in priorities for o in p["objectives"]]
    assert (len(data["axes"]), len(priorities), len(objectives)) == (7, 20, 50)
    assert sum(len(o["measures"]) for o in objectives) == 127
    first = objectives[0]["measures"][0]
    assert {"text", "uncertain", "candidates"} <= set(first)
    assert data["period"]["start"] == 2015 and data["period"]["end"] == 2023
    assert any(g["acronym"] == "GUP" for g in data["glossary"])


def test_corpus_outline(capsys: pytest.CaptureFixture[str]) -> None:
    """The outline shows codes with titles and marks uncertain measures."""
    assert main(["corpus"]) == 0
    out = capsys.readouterr().out
    assert "5.1.3  Accompagner les élèves en situation d'absentéisme scolaire" in out
    assert "[incertain : aussi" in out


def test_corpus_bad_file_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A malformed contract file gives exit code 2 and the precise problem on stderr."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n", encoding="utf-8")
    assert main(["corpus", "--contracts", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: title: Field required" in err
