"""The search's tunable choices, fixed on the development questions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from index.abstention import AbstainRule

Retriever = Literal["lexical", "dense", "hybrid"]
RETRIEVERS: tuple[Retriever, ...] = get_args(Retriever)
Fusion = Literal["weighted", "rrf"]
MAX_QUERY_CHARS = 2000
# across all contracts of an approximate index: how many nearest passages the HNSW graph shortlists
SHORTLIST = 1000
# the cosine from which a past filing resembles a question enough to be shown (see `precedent_floor`)
PRECEDENT_FLOOR: dict[str, float] = {"e5-small": 0.86, "use-multilingual": 0.55}
PRECEDENT_FLOOR_DEFAULT = 0.6
# a measure of a cited objective is shown when the question is this much nearer to it than to the title
# (a cosine of e5-small: "grossesses précoces" +0.076 to its measure, "les ados boivent trop d'alcool"
# +0.053; a drug-dealing question +0.006 to the measure on alcohol under addictions), or when it names one
# of the question's words that at most RARE_IN_MEASURES of the contract's measures use
MEASURE_OVER_TITLE = 0.02
RARE_IN_MEASURES = 3


@dataclass(frozen=True)
class SearchSettings:
    """Tunable choices of the search, fixed on the development questions."""

    retriever: Retriever = "hybrid"
    fusion: Fusion = "weighted"
    dense_weight: float = 0.3  # nearest-passage cosine
    classifier_weight: float = 0.3  # objective classifier over the same embeddings; lexical gets the rest
    rrf_k: int = 60
    ngram_weight: float = 1.0
    bm25_b: float = 0.75  # BM25 length normalisation of the objective documents
    enriched: bool = True
    everyday: bool = True  # translate everyday words (boulot, ados…) into the contract's words, lexical side
    summary_title: bool = True  # a summary's title ("Maraude de nuit : …") counts twice, lexical and dense
    spelling: bool = True  # repair misspelt words against the contract's vocabulary before searching
    # the domain thesaurus (index/data/thesaurus-fr.yaml): its everyday situations are attached, when the
    # index is built, to the objectives whose own text the concept's terms match, and indexed with them
    thesaurus: bool = True
    # abstention (index/abstention.py, fitted by `python -m eval.tune` on dev questions only); the
    # out-of-scope requests are index/data/out-of-scope-fr.yaml plus the contract's own list if it has one.
    # None: the embedder's rule in ABSTAIN_RULE
    abstain_rule: AbstainRule | None = None
    # the lexical retriever alone has no embeddings: refuse when its best objectives' text holds less
    # than this share of the question's stems
    abstain_coverage: float = 0.167
    # a past filing is shown as a precedent when its cosine with the question reaches this (None: the
    # embedder's value in PRECEDENT_FLOOR, else PRECEDENT_FLOOR_DEFAULT)
    precedent_floor: float | None = None

    def __post_init__(self) -> None:
        if self.retriever not in RETRIEVERS:
            raise ValueError(f"Unknown retriever {self.retriever!r}: choose one of {', '.join(RETRIEVERS)}")
        if self.fusion not in get_args(Fusion):
            raise ValueError(f"Unknown fusion {self.fusion!r}: choose one of {', '.join(get_args(Fusion))}")
        if min(self.dense_weight, self.classifier_weight) < 0 or self.dense_weight + self.classifier_weight > 1:
            raise ValueError("dense_weight and classifier_weight must be non-negative and sum to at most 1")
