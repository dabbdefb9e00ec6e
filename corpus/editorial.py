"""The contract as its source prints it: editorial additions removed.

The bundled contract carries fields written for retrieval (`vocabulary`, English renderings `*_en`,
`out_of_scope` topics). A contract added as data on the day it arrives has none of them, so quality is
always measured on this stripped form too (`cdv eval --form source-only`), and on the form most 2024-2030
contracts are published in: titles only (`--form titles-only`).
"""

from __future__ import annotations

from typing import Any

from corpus.schema import Contract

EDITORIAL_FIELDS = ("vocabulary", "out_of_scope")
FORMS = ("shipped", "source-only", "titles-only")


def source_only(contract: Contract) -> Contract:
    """`contract` without its editorial fields: codes, titles, measures, uncertain placements and the
    glossary's acronyms and meanings are kept; every `vocabulary`, `*_en` field and `out_of_scope` goes."""
    return Contract.model_validate(_strip(contract.model_dump()))


def contract_form(contract: Contract, form: str) -> Contract:
    """`contract` in one of the FORMS: as shipped, source-only, or titles-only; never with its filings
    (figures say which knowledge they used: examples are added explicitly).

    Raises:
        ValueError: an unknown form.
    """
    if form not in FORMS:
        raise ValueError(f"forme inconnue {form!r} : choisir parmi {', '.join(FORMS)}")
    if form == "shipped":
        return contract.model_copy(update={"filings": ()})  # a form is the contract alone: examples only when asked
    return source_only(contract) if form == "source-only" else titles_only(contract)


def titles_only(contract: Contract) -> Contract:
    """`contract` as most 2024-2030 contracts are published: `source_only`, and every objective without
    its measures and description (its code and title, under its axis and priority, are all that is left)."""
    stripped = source_only(contract).model_dump()
    for axis in stripped["axes"]:
        for priority in axis["priorities"]:
            for objective in priority["objectives"]:
                objective["measures"], objective["description"] = [], None
    return Contract.model_validate(stripped)


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _strip(item) for key, item in value.items() if key not in EDITORIAL_FIELDS and not key.endswith("_en")
        }
    if isinstance(value, list | tuple):
        return [_strip(item) for item in value]
    return value
