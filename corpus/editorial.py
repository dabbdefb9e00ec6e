"""The contract as its source prints it: editorial additions removed.

The bundled contract carries fields written for retrieval (`vocabulary`, English renderings `*_en`,
`out_of_scope` topics). A contract added as data on the day it arrives has none of them, so quality is
always measured on this stripped form too (`cdv eval --source-only`).
"""

from __future__ import annotations

from typing import Any

from corpus.schema import Contract

EDITORIAL_FIELDS = ("vocabulary", "out_of_scope")


def source_only(contract: Contract) -> Contract:
    """`contract` without its editorial fields: codes, titles, measures, uncertain placements and the
    glossary's acronyms and meanings are kept; every `vocabulary`, `*_en` field and `out_of_scope` goes."""
    return Contract.model_validate(_strip(contract.model_dump()))


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _strip(item)
            for key, item in value.items()
            if key not in EDITORIAL_FIELDS and not key.endswith("_en")
        }
    if isinstance(value, list | tuple):
        return [_strip(item) for item in value]
    return value
