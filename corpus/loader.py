"""Read and validate contract files (YAML or JSON), one file or a whole folder."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from corpus.schema import Contract

SUFFIXES = (".yaml", ".yml", ".json")
DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"


class ContractError(ValueError):
    """A contract file failed to load; `problems` holds one `file: path: message` per fault."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def load_contract(path: str | Path) -> Contract:
    """Load and validate one contract file.

    Raises:
        FileNotFoundError: the file does not exist.
        ContractError: the file is not valid YAML/JSON or does not match the schema.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: fichier de contrat introuvable")
    try:
        raw = _parse(path)
    except (yaml.YAMLError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ContractError([f"{path}: fichier YAML/JSON illisible : {exc}"]) from exc
    if not isinstance(raw, dict):
        kind = type(raw).__name__
        raise ContractError([f"{path}: le fichier doit décrire un contrat (des clés id, title, axes…), pas un {kind}"])
    try:
        return Contract.model_validate(raw)
    except ValidationError as exc:
        raise ContractError(_describe(path, exc)) from exc


def load_contracts(path: str | Path = DEFAULT_DATA_DIR) -> list[Contract]:
    """Load a contract file, or every contract file of a folder (sorted by name), each with the past
    filings kept beside it (`corpus.filings`).

    Every file is checked; all problems of all files are reported together.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file())
        if not files:
            raise FileNotFoundError(f"{path}: aucun fichier de contrat ({', '.join(SUFFIXES)}) dans ce dossier")
    elif path.exists():
        files = [path]
    else:
        raise FileNotFoundError(f"{path}: fichier ou dossier de contrats introuvable")
    contracts: list[Contract] = []
    problems: list[str] = []
    ids: dict[str, Path] = {}
    for file in files:
        try:
            contract = _with_filings(file, load_contract(file))
        except ContractError as exc:
            problems.extend(exc.problems)
            continue
        if contract.id in ids:
            other = ids[contract.id]
            problems.append(f"{file}: id: identifiant de contrat en double {contract.id!r} (déjà dans {other})")
            continue
        ids[contract.id] = file
        contracts.append(contract)
    if problems:
        raise ContractError(problems)
    return contracts


def _with_filings(file: Path, contract: Contract) -> Contract:
    """The contract with the past filings kept beside it, if any (`corpus.filings`)."""
    from corpus.filings import filings_path, load_filings, with_filings  # filings reads contracts: no cycle at import

    filings = load_filings(filings_path(file, contract.id), contract)
    return with_filings(contract, filings) if filings else contract


def contract_hash(contracts: list[Contract]) -> str:
    """A stable fingerprint of the contracts' content, for index manifests."""
    digest = hashlib.sha256()
    for contract in sorted(contracts, key=lambda c: c.id):
        digest.update(contract.model_dump_json().encode())
        for filing in contract.filings:  # excluded from the dump: a new example is a change too
            digest.update(filing.model_dump_json().encode())
    return digest.hexdigest()[:16]


def _parse(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    # libyaml's parser when PyYAML has it (CAPH's file: 7 ms instead of 69: 500 contracts load in seconds)
    return yaml.load(text, Loader=_UniqueKeyLoader)  # a safe loader


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, refusing a mapping that repeats a key (YAML would silently keep the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                repeated = key in seen
            except TypeError:  # an unhashable key: the base constructor reports it
                break
            if repeated:
                raise yaml.constructor.ConstructorError(
                    None, None, f"clé en double : {key!r} (une seule valeur par clé)", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)  # type: ignore[no-any-return]


def _describe(path: Path, exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if where:
            problems.append(f"{path}: {where}: {message}")
        else:
            # tree-wide checks report "path: message" lines themselves
            problems.extend(f"{path}: {line}" for line in message.splitlines())
    return problems
