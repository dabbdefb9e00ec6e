"""The domain thesaurus: everyday situations mapped to the terms contrats de ville use.

A contract's objectives are written in administrative French ("Accompagner les élèves en situation
d'absentéisme scolaire"); people describe situations ("il sèche les cours"). The thesaurus bridges the
two for any contract: when its index is built, each concept's situations are attached to the objectives
whose own text matches the concept's terms, and indexed with them (lexical and dense), as hand-written
vocabulary would be, but from a resource that no contract was written for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from index.passages import PlacedKind
from index.text import Analyzer

THESAURUS = Path(__file__).resolve().parent / "data" / "thesaurus-fr.yaml"
OUT_OF_SCOPE = Path(__file__).resolve().parent / "data" / "out-of-scope-fr.yaml"


_KEYS = {"terms", "situations", "theme", "action"}


@dataclass(frozen=True)
class Concept:
    """One public-policy concept: the contracts' `terms` for it and the everyday `situations` meaning it."""

    terms: str
    situations: tuple[str, ...]
    # the shared themes of contracts (emploi, santé, cadre de vie…) the concept belongs to: on a terse
    # contract, a title or its axis's title naming the theme is enough to place the concept
    theme: str = ""
    # a kind of action (épicerie solidaire, chantier éducatif…) rather than a situation: a contract with
    # measures names the actions it funds, so an action goes only to objectives that name nothing but a theme
    action: bool = False

    @property
    def placed(self) -> tuple[tuple[PlacedKind, str], ...]:
        """What the concept gives the objective it is placed on: its terms (a keyword question names the
        concept as contracts do: "grossesses précoces", "aide aux victimes") and its situations."""
        return (("terms", self.terms), *(("situation", s) for s in self.situations))


def load_thesaurus(path: Path = THESAURUS) -> list[Concept]:
    """The concepts of the thesaurus file.

    Raises:
        ValueError: the file is unreadable or not a list of `{terms, situations}` entries (the message
            names the file and the entry).
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read the thesaurus: {exc}") from exc
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of entries with `terms` and `situations`")
    concepts = []
    for number, entry in enumerate(data):
        if not isinstance(entry, dict) or not {"terms", "situations"} <= set(entry) <= _KEYS:
            raise ValueError(f"{path}: entry {number}: expected `terms`, `situations`, optionally `theme` and `action`")
        terms, situations = entry["terms"], entry["situations"]
        if not isinstance(terms, str) or not terms.strip():
            raise ValueError(f"{path}: entry {number}: terms: expected a non-empty text")
        if not isinstance(situations, list) or not all(isinstance(s, str) and s.strip() for s in situations):
            raise ValueError(f"{path}: entry {number}: situations: expected a list of non-empty texts")
        if not situations:
            raise ValueError(f"{path}: entry {number}: situations: at least one is needed")
        theme = entry.get("theme", "")
        if not isinstance(theme, str):
            raise ValueError(f"{path}: entry {number}: theme: expected a text")
        action = entry.get("action", False)
        if not isinstance(action, bool):
            raise ValueError(f"{path}: entry {number}: action: expected true or false")
        concepts.append(Concept(terms.strip(), tuple(s.strip() for s in situations), theme.strip(), action))
    return concepts


def assign_concepts(
    concepts: Sequence[Concept],
    documents: Mapping[tuple[str, str], str],
    analyzer: Analyzer,
    *,
    coverage: float = 0.2,
    closeness: float = 0.75,
    most: int = 2,
) -> dict[tuple[str, str], list[tuple[PlacedKind, str]]]:
    """The terms and everyday situations each objective gets from the thesaurus, for one contract's source text.

    A concept goes to the objectives whose text its terms match best (BM25 over the objectives' own
    titles and measures): the best one, and up to `most` whose score is within `closeness` of it. A
    concept whose terms barely occur in the best objective (under `coverage` of its stems) goes nowhere:
    that contract does not speak of it. Nothing here is fitted to a contract.

    Returns:
        objective key → the concepts' terms and situations placed on it (thesaurus order).
    """
    from index.lexical import LexicalIndex  # the lexical index is only needed while assigning

    keys = list(documents)
    if not keys:
        return {}
    lexical = LexicalIndex([documents[k] for k in keys], analyzer, ngram_weight=0.0)
    stems_of = [set(analyzer.tokens(documents[k])) for k in keys]
    attached: dict[tuple[str, str], list[tuple[PlacedKind, str]]] = {}
    for concept in concepts:
        scores = lexical.word_scores(concept.terms)
        best = int(np.argmax(scores))
        terms = set(analyzer.tokens(concept.terms))
        if scores[best] <= 0 or not terms or len(terms & stems_of[best]) / len(terms) < coverage:
            continue
        order = np.argsort(-scores, kind="stable")[:most]
        for position in order:
            if scores[position] >= closeness * scores[best]:
                attached.setdefault(keys[int(position)], []).extend(concept.placed)
    return attached


def load_out_of_scope(path: Path = OUT_OF_SCOPE) -> list[tuple[str, str]]:
    """The generic out-of-scope requests, as (kind of service that handles them, request) pairs.

    Raises:
        ValueError: the file is unreadable or not a mapping of kinds to lists of texts.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read the out-of-scope requests: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected `kind of service:` keys, each with a list of requests")
    requests: list[tuple[str, str]] = []
    for kind, items in data.items():
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise ValueError(f"{path}: {kind}: expected a list of non-empty texts")
        requests.extend((str(kind), i.strip()) for i in items)
    return requests


def field_situations(path: Path = THESAURUS) -> list[str]:
    """Every situation of the thesaurus: what requests of the politique de la ville sound like, whatever
    the contract (a refused question nearer these than the out-of-scope requests is of the field)."""
    return list(dict.fromkeys(s for concept in load_thesaurus(path) for s in concept.situations))
