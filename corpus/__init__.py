"""The contract as validated data: schema, loader and the bundled CAPH contract."""

from corpus.editorial import source_only
from corpus.importer import Metadata, decode_csv, import_table
from corpus.loader import DEFAULT_DATA_DIR, ContractError, contract_hash, load_contract, load_contracts
from corpus.schema import CODE_PATTERN, Axis, Contract, GlossaryEntry, Measure, Objective, Priority

__all__ = [
    "CODE_PATTERN",
    "DEFAULT_DATA_DIR",
    "Axis",
    "Contract",
    "ContractError",
    "GlossaryEntry",
    "Measure",
    "Metadata",
    "Objective",
    "Priority",
    "contract_hash",
    "decode_csv",
    "import_table",
    "load_contract",
    "load_contracts",
    "source_only",
]
