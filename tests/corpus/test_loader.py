"""The loader validates contract files and names the file and the field of every fault."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from corpus import DEFAULT_DATA_DIR, ContractError, load_contract, load_contracts

BUNDLED = DEFAULT_DATA_DIR / "caph-2015-2023.yaml"


def _raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    return data


def _write(tmp_path: Path, data: dict[str, Any], name: str = "contract.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(ContractError) as info:
        load_contract(path)
    return info.value.problems


def test_unknown_field_is_named(tmp_path: Path) -> None:
    """A misspelt field fails with the file and the dotted path of the field."""
    data = _raw()
    data["axes"][2]["priorities"][0]["objectives"][1]["titel"] = "oops"
    path = _write(tmp_path, data)
    problems = _problems(path)
    assert any(p.startswith(f"{path}: axes.2.priorities.0.objectives.1.titel:") for p in problems)


def test_duplicate_code_is_named(tmp_path: Path) -> None:
    """Two objectives with the same code are reported at the second one."""
    data = _raw()
    objectives = data["axes"][4]["priorities"][0]["objectives"]
    objectives[1]["code"] = objectives[0]["code"]
    path = _write(tmp_path, data)
    problems = _problems(path)
    assert f"{path}: axes.4.priorities.0.objectives.1.code: duplicate code 5.1.1" in problems


def test_code_disagreeing_with_axis_is_named(tmp_path: Path) -> None:
    """A code whose axis or priority number is not its parent's is reported with the expected prefix."""
    data = _raw()
    data["axes"][0]["priorities"][1]["objectives"][0]["code"] = "2.2.9"
    path = _write(tmp_path, data)
    problems = _problems(path)
    assert any(
        p.startswith(f"{path}: axes.0.priorities.1.objectives.0.code: code 2.2.9 disagrees") and "1.2.N" in p
        for p in problems
    )


def test_empty_title_is_named(tmp_path: Path) -> None:
    """A blank title fails at its own field."""
    data = _raw()
    data["axes"][6]["priorities"][1]["objectives"][0]["title"] = "   "
    path = _write(tmp_path, data)
    problems = _problems(path)
    assert any(p.startswith(f"{path}: axes.6.priorities.1.objectives.0.title:") for p in problems)


def test_candidate_code_must_exist(tmp_path: Path) -> None:
    """An uncertain measure cannot point at a code the contract does not have (never invent a code)."""
    data = _raw()
    measure = data["axes"][0]["priorities"][1]["objectives"][1]["measures"][2]
    measure["candidates"] = ["1.2.3"]
    path = _write(tmp_path, data)
    problems = _problems(path)
    assert any("candidates: 1.2.3 is not another objective" in p for p in problems)


def test_broken_yaml_is_reported(tmp_path: Path) -> None:
    """A file that is not YAML gets a message naming the file, not a traceback."""
    path = tmp_path / "broken.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    problems = _problems(path)
    assert problems[0].startswith(f"{path}: fichier YAML/JSON illisible")


def test_folder_with_several_contracts(tmp_path: Path) -> None:
    """A folder loads every contract file; JSON works as well as YAML."""
    data = _raw()
    _write(tmp_path, data, "a.yaml")
    data["id"] = "other-contract"
    (tmp_path / "b.json").write_text(json.dumps(data), encoding="utf-8")
    contracts = load_contracts(tmp_path)
    assert [c.id for c in contracts] == ["caph-2015-2023", "other-contract"]


def test_duplicate_contract_ids_in_a_folder(tmp_path: Path) -> None:
    """Two files with the same contract id are refused, naming both files."""
    data = _raw()
    _write(tmp_path, data, "a.yaml")
    _write(tmp_path, data, "b.yaml")
    with pytest.raises(ContractError) as info:
        load_contracts(tmp_path)
    assert "identifiant de contrat en double 'caph-2015-2023'" in str(info.value)
    assert "a.yaml" in str(info.value)


def test_missing_path(tmp_path: Path) -> None:
    """A path that does not exist raises FileNotFoundError naming it."""
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_contracts(tmp_path / "nowhere")


def test_a_repeated_key_is_refused(tmp_path: Path) -> None:
    """YAML keeps the last of two equal keys silently; a contract file repeating one is refused, with its line."""
    path = tmp_path / "double.yaml"
    path.write_text("id: a\ntitle: x\nid: b\n", encoding="utf-8")
    with pytest.raises(ContractError, match="clé en double : 'id'"):
        load_contract(path)
