"""Evaluation text inside shipped resources: phrases of three content words or more found in both.

A shipped resource (`index/data/*`) that holds a phrase of an evaluation file turns that question into
a look-up: the figure measured on it says nothing of what the system does on a new question. This
compares every phrase (accents and case folded, stop words skipped) of the two sides.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from index.text import STOPWORDS, fold

RESOURCES = Path(__file__).resolve().parents[1] / "index" / "data"
EVALUATION = Path(__file__).resolve().parent / "data"
CONTENT_WORDS = 3


def shared_phrases(resources: Iterable[str], evaluation: Iterable[str], size: int = CONTENT_WORDS) -> set[str]:
    """The runs of `size` consecutive content words found in both collections of texts."""
    shipped = {gram for text in resources for gram in _grams(text, size)}
    return {gram for text in evaluation for gram in _grams(text, size) if gram in shipped}


def contract_texts() -> list[str]:
    """The bundled contracts' own words as their source prints them (a phrase of the source is the
    contract's, not the evaluation's)."""
    from corpus import load_contracts, source_only

    texts: list[str] = []
    for contract in load_contracts():
        texts.extend(_strings(source_only(contract).model_dump(mode="json")))
    return texts


def resource_texts(folder: Path = RESOURCES) -> list[str]:
    """Every string of every shipped YAML resource (keys and values, comments left out)."""
    texts: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        texts.extend(_strings(yaml.safe_load(path.read_text(encoding="utf-8"))))
    return texts


def evaluation_texts(folder: Path = EVALUATION) -> list[str]:
    """Every question, turn and request of the evaluation files (JSON lines and plain-text lists)."""
    texts: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    texts.extend(_strings(json.loads(line)))
        elif path.suffix == ".txt":
            texts.extend(line for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return texts


def _grams(text: str, size: int) -> Iterator[str]:
    folded = "".join(c if c.isalnum() else " " for c in fold(text)).split()
    words = [w for w in folded if len(w) > 1 and w not in STOPWORDS]  # "l'", "d'" leave single letters
    for start in range(len(words) - size + 1):
        yield " ".join(words[start : start + size])


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
