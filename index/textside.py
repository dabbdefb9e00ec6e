"""The text side of a search: lexical indexes, objective stems and spelling repair, saved as plain arrays."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from corpus import Contract, contract_hash
from index.cache import content_key, read_verified, write_verified
from index.lexical import LexicalIndex
from index.passages import Attached, PlacedKind, build_passages, objective_documents, placed_texts
from index.spelling import SpellingFixer
from index.text import Analyzer
from index.thesaurus import assign_concepts, load_thesaurus

if TYPE_CHECKING:
    from index.settings import SearchSettings

logger = logging.getLogger(__name__)

FORMAT = 1
_HERE = Path(__file__).resolve().parent
# the code and resources the text side is made from: any edit builds it again
_SOURCES = ("textside.py", "text.py", "lexical.py", "spelling.py", "thesaurus.py", "passages.py")


@dataclass(frozen=True)
class TextSide:
    """What the lexical side of a search is built from the contracts' text (no embedder involved)."""

    attached: dict[tuple[str, str], list[tuple[PlacedKind, str]]]  # the thesaurus's terms and situations
    document_stems: list[frozenset[str]]  # each objective's stems
    lexical: LexicalIndex  # over objective documents
    measure_lexical: LexicalIndex  # over measure passages
    speller: SpellingFixer


def text_side(
    contracts: list[Contract],
    settings: SearchSettings,
    analyzer: Analyzer,
    cache_dir: Path | None,
    attached: Attached | None = None,
) -> TextSide:
    """The text side, from `cache_dir` if it was built before for the same contracts, settings, resources
    and code, else built (and saved there). Tokenising every contract in France takes minutes; loading
    the result, seconds. `attached`: the thesaurus situations of each objective when already decided
    (`index.placement`); None attaches them by the words of the concepts' terms (BM25).

    The cache holds plain arrays only (numpy's format, read without pickle): a damaged or foreign file
    is rebuilt with a log line, and can never run code.
    """
    key = text_key(contracts, settings, attached)
    path = cache_dir / "text" / f"{key}.npz" if cache_dir is not None else None
    if path is not None and path.is_file():
        try:
            return _load(path, analyzer)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
            logger.warning("Cache du texte illisible %s (%s) : il est reconstruit", path, exc)
    side = build_text_side(contracts, settings, analyzer, attached)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_verified(path, _dump(side))
        except OSError as exc:  # a read-only cache still answers, it just rebuilds next time
            logger.warning("Impossible d'enregistrer le cache du texte dans %s : %s", path.parent, exc)
    return side


def build_text_side(
    contracts: list[Contract], settings: SearchSettings, analyzer: Analyzer, attached: Attached | None = None
) -> TextSide:
    """The text side built from the contracts (see `text_side`)."""
    # without a decision from a search, the thesaurus's everyday situations go to the objectives whose own
    # text its terms match, contract by contract (each contract that speaks of a concept gets its situations)
    if attached is None:
        concepts = load_thesaurus() if settings.thesaurus else []
        by_words: dict[tuple[str, str], list[tuple[PlacedKind, str]]] = {}
        for contract in contracts if concepts else ():
            by_words.update(assign_concepts(concepts, objective_documents([contract], enriched=False), analyzer))
        attached = by_words
    documents = objective_documents(contracts, enriched=settings.enriched, situations=attached)
    keys = list(documents)
    passages = build_passages(contracts, enriched=settings.enriched, situations=attached)
    glossary = [f"{e.acronym} {e.meaning}" for c in contracts for e in c.glossary]
    return TextSide(
        attached={key: list(texts) for key, texts in attached.items()},
        # each objective's stems, to say how much of a question its text covers (a scale-free feature)
        document_stems=[frozenset(analyzer.tokens(documents[key])) for key in keys],
        lexical=LexicalIndex(
            [documents[key] for key in keys], analyzer, ngram_weight=settings.ngram_weight, length_norm=settings.bm25_b
        ),
        # a contract of titles alone has no measure: one empty document keeps the index's shape
        measure_lexical=LexicalIndex(
            [p.text for p in passages if p.kind == "measure"] or [""], analyzer, ngram_weight=0.0
        ),
        speller=SpellingFixer([*(p.text for p in passages), *glossary]),
    )


def text_key(contracts: list[Contract], settings: SearchSettings, attached: Attached | None = None) -> str:
    """Everything the text side depends on: contracts, settings, resource files, the code itself, and the
    attachment of the thesaurus when it was decided beforehand."""
    placed = json.dumps(sorted((list(k), list(v)) for k, v in attached.items())) if attached is not None else ""
    choices = [
        f"{name}={getattr(settings, name)}" for name in ("enriched", "everyday", "thesaurus", "ngram_weight", "bm25_b")
    ]
    return content_key(
        f"text-{FORMAT}",
        contract_hash(contracts),
        placed,
        *choices,
        files=[*(_HERE / name for name in _SOURCES), *sorted((_HERE / "data").glob("*.yaml"))],
        libraries=("PyStemmer", "pyspellchecker", "scipy", "numpy"),
    )


def _dump(side: TextSide) -> bytes:
    stems = [sorted(s) for s in side.document_stems]
    arrays: dict[str, np.ndarray] = {
        "format": np.array([FORMAT]),
        "attached": np.array([json.dumps([[c, o, t] for (c, o), t in side.attached.items()], ensure_ascii=False)]),
        "stems": np.array([stem for group in stems for stem in group], dtype=str),
        "stem_counts": np.array([len(group) for group in stems], dtype=np.int64),
        **side.lexical.to_arrays("lexical"),
        **side.measure_lexical.to_arrays("measures"),
        **side.speller.to_arrays("speller"),
    }
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    return buffer.getvalue()


def _load(path: Path, analyzer: Analyzer) -> TextSide:
    stored = np.load(io.BytesIO(read_verified(path)), allow_pickle=False)
    if not isinstance(stored, np.lib.npyio.NpzFile):
        raise ValueError("not an archive of arrays")
    with stored:
        arrays: Mapping[str, np.ndarray] = {name: stored[name] for name in stored.files}
    if int(arrays["format"][0]) != FORMAT:
        raise ValueError(f"format {int(arrays['format'][0])}, expected {FORMAT}")
    flat = arrays["stems"].tolist()
    ends = np.cumsum(arrays["stem_counts"]).tolist()
    stems = [frozenset(flat[a:b]) for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    rows = json.loads(str(arrays["attached"][0]))
    return TextSide(
        attached={(str(c), str(o)): placed_texts(texts) for c, o, texts in rows},
        document_stems=stems,
        lexical=LexicalIndex.from_arrays(arrays, "lexical", analyzer),
        measure_lexical=LexicalIndex.from_arrays(arrays, "measures", analyzer),
        speller=SpellingFixer.from_arrays(arrays, "speller"),
    )
