"""The contract as validated data: schema, loader and the bundled CAPH contract."""

from corpus.editorial import FORMS, contract_form, source_only, titles_only
from corpus.importer import Metadata, import_contract, import_table
from corpus.loader import DEFAULT_DATA_DIR, ContractError, contract_hash, load_contract, load_contracts
from corpus.schema import CODE_PATTERN, CODE_SHAPE, Axis, Contract, GlossaryEntry, Levels, Measure, Objective, Priority
from corpus.sheets import decode_csv

__all__ = [
    "CODE_PATTERN",
    "CODE_SHAPE",
    "DEFAULT_DATA_DIR",
    "FORMS",
    "Axis",
    "Contract",
    "ContractError",
    "GlossaryEntry",
    "Levels",
    "Measure",
    "Metadata",
    "Objective",
    "Priority",
    "contract_form",
    "contract_hash",
    "decode_csv",
    "import_contract",
    "import_table",
    "load_contract",
    "load_contracts",
    "source_only",
    "titles_only",
]
