"""The query pipeline: one question in, the objectives that cover it out (code look-up, lexical and dense
evidence, fusion, abstention, matched measures). What it searches is built by the other modules: the
layout (`index.layout`), the text side (`index.textside`), the dense index (`index.dense`), the classifier
(`index.classifier`) and the placement of the domain resources (`index.placement`)."""

from __future__ import annotations

import itertools
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from corpus import Contract
from index.abstention import ABSTAIN_RULE, ABSTAIN_RULE_DEFAULT, AbstainRule
from index.cache import check_private, default_cache_dir
from index.denseside import DenseSide
from index.embedders import Embedder
from index.fusion import ranks
from index.hits import Hit, MatchedMeasure, Precedent, SearchResult
from index.layout import Layout, Scope
from index.passages import Passage, build_passages
from index.placement import place_thesaurus
from index.settings import (
    MAX_QUERY_CHARS,
    MEASURE_OVER_TITLE,
    PRECEDENT_FLOOR,
    PRECEDENT_FLOOR_DEFAULT,
    RARE_IN_MEASURES,
    RETRIEVERS,
    Retriever,
    SearchSettings,
)
from index.signals import fuse
from index.text import Analyzer, find_codes, fold, load_everyday, summary_title
from index.textside import text_side

logger = logging.getLogger(__name__)
PRECEDENTS = 3  # past filings shown under a cited objective, at most


class _Embedded(NamedTuple):
    """What the embedding side found for one question."""

    passages: np.ndarray | None  # cosine with each passage of the scope
    classes: np.ndarray | None  # classifier log-probabilities of the scope's objectives
    outside: float  # cosine with the closest out-of-scope request
    vector: np.ndarray | None  # the question's vector (with its title's, for a summary)
    moments: tuple[float, float] | None  # the dense scores' (mean, spread) when `passages` is partly estimated


class Searcher:
    """Searches the objectives of one or more contracts.

    Args:
        contracts: the validated contracts.
        embedder: needed for the dense and hybrid retrievers; None allows only lexical search.
        settings: retrieval choices.
        cache_dir: where the dense index is saved (default `.cdv/`).
        rebuild: rebuild the dense index even if a matching one is on disk.
    """

    def __init__(
        self,
        contracts: list[Contract],
        embedder: Embedder | None = None,
        settings: SearchSettings | None = None,
        *,
        cache_dir: Path | None = None,
        rebuild: bool = False,
    ) -> None:
        if not contracts:
            raise ValueError("Searcher needs at least one contract")
        ids = [c.id for c in contracts]
        if len(set(ids)) != len(ids):
            raise ValueError(f"Contract ids must be unique, got {', '.join(ids)}")
        self.contracts = contracts
        self.settings = settings or SearchSettings()
        self.embedder = embedder
        acronyms = {e.acronym: e.meaning for c in contracts for e in c.glossary}
        self.analyzer = Analyzer(acronyms, load_everyday() if self.settings.everyday else None)
        # saved beside the dense index when there is one (a lexical-only searcher writes nothing)
        text_cache = (cache_dir or default_cache_dir()) if embedder is not None else None
        if text_cache is not None:
            check_private(text_cache)
        placed = None
        if embedder is not None and self.settings.thesaurus:
            placed = place_thesaurus(contracts, embedder, self.settings, cache_dir)
        self._text = text_side(contracts, self.settings, self.analyzer, text_cache, placed)
        self._lexical = self._text.lexical
        self._measure_lexical = self._text.measure_lexical
        self._speller = self._text.speller
        passages = build_passages(contracts, enriched=self.settings.enriched, situations=self._text.attached)
        self._layout = Layout(contracts, passages)
        self._objectives = self._layout.objectives
        self._passages = passages
        self.keys = self._layout.keys
        self.document_stems = self._text.document_stems
        self._side = DenseSide(contracts, self._layout, embedder, self.settings, cache_dir, rebuild)
        self._dense, self._classifier = self._side.dense, self._side.classifier
        # whether this start built the passage index (first start, or a changed contract) or loaded it
        self.built = self._dense is not None and self._dense.built
        self._vector_row = self._side.vector_row
        self._outside, self._outside_kinds, self._field = self._side.outside, self._side.outside_kinds, self._side.field
        self._rare: dict[str, frozenset[str]] = {}  # per contract, the stems few of its measures use

    @property
    def passages(self) -> list[Passage]:
        return list(self._passages)

    def with_settings(self, **changes: object) -> Searcher:
        """A searcher sharing this one's indexes with other fusion or abstention settings."""
        settings = replace(self.settings, **changes)  # type: ignore[arg-type]
        for name in ("enriched", "ngram_weight", "everyday", "thesaurus", "bm25_b"):
            if getattr(settings, name) != getattr(self.settings, name):
                raise ValueError(f"{name} changes the indexes: build a new Searcher")
        clone = object.__new__(Searcher)
        clone.__dict__.update(self.__dict__)
        clone.settings = settings
        return clone

    def search(
        self,
        query: str,
        *,
        k: int = 5,
        retriever: Retriever | None = None,
        axis: int | None = None,
        contract: str | None = None,
    ) -> SearchResult:
        """The objectives covering `query`, best first (at most `k`).

        Raises:
            ValueError: empty query, k < 1, unknown retriever, axis or contract.
        """
        return self.search_many([query], k=k, retriever=retriever, axis=axis, contract=contract)[0]

    def search_many(
        self,
        queries: Sequence[str],
        *,
        k: int = 5,
        retriever: Retriever | None = None,
        axis: int | None = None,
        contract: str | None = None,
    ) -> list[SearchResult]:
        """`search` for several queries, embedding them in one batch."""
        retriever = retriever or self.settings.retriever
        self._check(queries, k, retriever, axis, contract)
        scope = self._layout.whole if contract is None else self._layout.scopes[contract]
        cut = [q.strip()[:MAX_QUERY_CHARS] for q in queries]
        repaired = [self._speller.repair(q) if self.settings.spelling else (q, []) for q in cut]
        read = [text for text, _ in repaired]
        fixes = [tuple(pairs) for _, pairs in repaired]
        # the title of a funding-application summary names its main action: it counts as much as the rest
        titles = [summary_title(q) if self.settings.summary_title else None for q in read]
        dense_scores = class_scores = outside_top = field_top = moments = None
        closest: list[str] = [""] * len(read)
        if retriever != "lexical":
            assert self._dense is not None and self._classifier is not None and self.embedder is not None
            # a model can return NaN for odd input: a NaN score would rank at random and break JSON output
            vectors = np.nan_to_num(self.embedder.encode_queries(read + [t for t in titles if t]))
            if self._outside is not None:
                outside_scores = self._dense.scores_at(vectors[: len(read)], self._outside)
                outside_top = outside_scores.max(axis=1)
                closest = [self._outside_kinds[int(j)] for j in outside_scores.argmax(axis=1)]
            if self._field is not None:
                field_top = self._dense.scores_at(vectors[: len(read)], self._field).max(axis=1)
            # a summary's title counts as much as its whole text: the mean of the two classifier scores,
            # and (cosines being linear in the question's vector) the cosines of the mean vector
            class_scores = self._classifier.log_proba(vectors, scope.first, scope.stop)
            row = len(read)
            vectors = vectors.copy()
            for i, title in enumerate(titles):
                if title:
                    vectors[i] = (vectors[i] + vectors[row]) / 2
                    class_scores[i] = (class_scores[i] + class_scores[row]) / 2
                    row += 1
            vectors, class_scores = vectors[: len(read)], class_scores[: len(read)]
            dense_scores, moments = self._side.passage_scores(vectors, scope)
        results = []
        for i, query in enumerate(read):
            passage_scores = dense_scores[i] if dense_scores is not None else None
            classes = class_scores[i] if class_scores is not None else None
            outside = float(outside_top[i]) if outside_top is not None else 0.0
            embedded = _Embedded(
                passage_scores,
                classes,
                outside,
                vectors[i] if dense_scores is not None else None,
                (float(moments[i, 0]), float(moments[i, 1])) if moments is not None else None,
            )
            lexical_text = f"{titles[i]}\n{query}" if titles[i] else query
            result = self._search_one(query, lexical_text, embedded, k, retriever, axis, scope)
            truncated = len(queries[i].strip()) > MAX_QUERY_CHARS
            # a keyboard mash still lands near some passage: with no word in it, nothing is cited
            unrecognised = not (result.codes or result.unknown_codes) and not self._recognises(query)
            results.append(
                replace(
                    result,
                    query=queries[i],
                    abstain=result.abstain or unrecognised,
                    unrecognised=unrecognised,
                    truncated=truncated,
                    corrections=fixes[i],
                    handled_by=closest[i] if result.abstain and not unrecognised else "",
                    # refused, yet nearer the field's situations than the requests no contract covers: a
                    # request of the politique de la ville this contract has no objective for
                    gap=bool(
                        result.abstain
                        and not unrecognised
                        and field_top is not None
                        and outside_top is not None
                        and field_top[i] > outside_top[i]
                    ),
                )
            )
        return results

    # -- internals -------------------------------------------------------------------------------

    def _check(self, queries: Sequence[str], k: int, retriever: str, axis: int | None, contract: str | None) -> None:
        if k < 1:
            raise ValueError(f"k doit valoir au moins 1 (reçu {k})")
        if retriever not in RETRIEVERS:
            raise ValueError(f"méthode inconnue {retriever!r} : choisir parmi {', '.join(RETRIEVERS)}")
        if retriever != "lexical" and self._dense is None:
            raise ValueError(f"la méthode {retriever} a besoin d'un modèle de plongement : aucun n'est chargé")
        for query in queries:
            if not query.strip():
                raise ValueError("question vide : écrivez quelques mots sur l'action ou le public concerné")
        axes = {o.axis_number for o in self._objectives}
        if axis is not None and axis not in axes:
            known = ", ".join(map(str, sorted(axes)))
            raise ValueError(f"axe inconnu {axis} : les contrats chargés ont les axes {known}")
        ids = [c.id for c in self.contracts]
        if contract is not None and contract not in ids:
            raise ValueError(f"contrat inconnu {contract!r} : contrats chargés {', '.join(ids)}")

    def _search_one(
        self,
        query: str,
        lexical_text: str,
        embedded: _Embedded,
        k: int,
        retriever: Retriever,
        axis: int | None,
        scope: Scope,
    ) -> SearchResult:
        first, stop = scope.first, scope.stop
        allowed = None if axis is None else self._layout.axis_of[first:stop] == axis
        named = find_codes(query, self._layout.code_lookup)
        with_code = self._layout.with_code
        known = tuple(dict.fromkeys(c for c in named if any(first <= i < stop for i in with_code.get(c, ()))))
        unknown = tuple(dict.fromkeys(c for c in named if c not in known))

        # embedding-side evidence: passage cosines, classifier log-probabilities, closest out-of-scope topic
        # (every array below is over the scope's objectives: index 0 is objective `first`)
        passage_scores, class_scores, outside_top, vector, moments = embedded
        lexical = self._lexical.scores(lexical_text)[first:stop]
        dense = self._aggregate(passage_scores, scope) if passage_scores is not None else None
        signals_scores = {"lexical": lexical, "dense": dense, "classifier": class_scores}
        fused = fuse(signals_scores, self.settings, retriever, {"dense": moments})

        signals = {
            "lexical_top": float(lexical.max()),
            "dense_top": float(dense.max()) if dense is not None else 0.0,
            "outside_top": outside_top,
            "coverage": self._coverage(lexical_text, fused, first),
        }
        abstain = not known and self._abstains(signals, retriever)
        if known:
            # a code named in the question goes first, whatever the scores
            top = fused.max()
            for code in known:
                for i in self._layout.with_code[code]:
                    if first <= i < stop:
                        fused[i - first] = top + 1.0 + (len(known) - known.index(code))
        order = [int(i) for i in np.argsort(-fused, kind="stable") if allowed is None or allowed[i]]
        if named and _is_code_only(query):
            # a bare code asks for that objective only; an unknown bare code has no answer
            order = [i for i in order if self.keys[first + i][1] in known]
            abstain = not known
        lexical_ranks = ranks(lexical)
        # "by the meaning": the rank the dense retriever gives (passage cosines and classifier fused), so that
        # in that mode the rows come in the order of the ranks they show
        dense_ranks = ranks(fuse(signals_scores, self.settings, "dense")) if dense is not None else None
        measure_lexical = self._measure_lexical.word_scores(query)
        asked = frozenset(self.analyzer.tokens(query))  # the question's own words, not their translations
        hits = tuple(
            self._hit(
                scope.first + i, float(fused[i]), measure_lexical, vector, asked, int(lexical_ranks[i]), dense_ranks, i
            )
            for i in order[:k]
        )
        return SearchResult(query, hits, abstain, known, unknown, signals=signals)

    def contract_bounds(self) -> list[int]:
        """The index of each contract's first objective."""
        return [int(i) for i in self._layout.contract_starts]

    def best_in_each_contract(self, queries: Sequence[str]) -> np.ndarray:
        """For each query, the objective (index) a hybrid search within each contract ranks first, shape
        (queries, contracts)."""
        fused = self.scores_in_each_contract(queries)
        bounds = [*self._layout.contract_starts.tolist(), len(self._objectives)]
        best = np.zeros((len(queries), len(self.contracts)), dtype=np.int64)
        for n, (first, stop) in enumerate(itertools.pairwise(bounds)):
            best[:, n] = first + np.argmax(fused[:, first:stop], axis=1)
        return best

    def scores_in_each_contract(self, queries: Sequence[str]) -> np.ndarray:
        """For each query, the fused score of every objective as `search(query, contract=…)` scores it
        within its own contract, shape (queries, objectives): computed for every contract at once (one
        pass per query, where searching each contract in turn costs contracts × queries searches)."""
        assert self._dense is not None and self._classifier is not None and self.embedder is not None
        read = [self._speller.repair(q.strip())[0] if self.settings.spelling else q.strip() for q in queries]
        vectors = np.nan_to_num(self.embedder.encode_queries(read))
        classes = self._classifier.log_proba(vectors)
        bounds = [*self._layout.contract_starts.tolist(), len(self._objectives)]
        fused = np.zeros((len(read), len(self._objectives)), dtype=np.float64)
        for i, text in enumerate(read):
            cosines = self._dense.scores(vectors[i : i + 1])[0, self._vector_row].astype(np.float64)
            dense = np.maximum.reduceat(cosines, self._layout.segment_starts)
            lexical = self._lexical.scores(text)
            for first, stop in itertools.pairwise(bounds):
                scores = {
                    "lexical": lexical[first:stop],
                    "dense": dense[first:stop],
                    "classifier": classes[i, first:stop],
                }
                fused[i, first:stop] = fuse(scores, self.settings, "hybrid")
        return fused

    def _recognises(self, text: str) -> bool:
        """Whether the text holds a word: of the contracts, of the dictionaries, or of the everyday
        lists (slang the dictionaries lack, such as *keufs*)."""
        if self._speller.recognises(text):
            return True
        return len(self.analyzer.query_tokens(text)) > len(self.analyzer.tokens(text))

    def _coverage(self, text: str, fused: np.ndarray, first: int) -> float:
        """Share of the question's stems found in the text of one of its three best objectives."""
        stems = set(self.analyzer.query_tokens(text))
        if not stems:
            return 0.0
        best = np.argsort(-fused, kind="stable")[:3]
        return max(len(stems & self.document_stems[first + int(i)]) / len(stems) for i in best)

    def _aggregate(self, passage_scores: np.ndarray, scope: Scope) -> np.ndarray:
        """Each objective's score: that of its closest passage."""
        starts = self._layout.segment_starts[scope.first : scope.stop] - scope.first_passage
        return np.maximum.reduceat(passage_scores.astype(np.float64), starts)

    def _abstains(self, signals: dict[str, float], retriever: Retriever) -> bool:
        if retriever == "lexical":
            return signals["coverage"] < self.settings.abstain_coverage
        return self.abstain_rule.refuses(signals)

    @property
    def abstain_rule(self) -> AbstainRule:
        """The abstention rule in force (the setting, else the embedder's default)."""
        if self.settings.abstain_rule is not None:
            return self.settings.abstain_rule
        name = self.embedder.name if self.embedder is not None else ""
        return ABSTAIN_RULE.get(name, ABSTAIN_RULE_DEFAULT)

    def _hit(
        self,
        i: int,
        score: float,
        measure_lexical: np.ndarray,
        vector: np.ndarray | None,
        asked: frozenset[str],
        lexical_rank: int,
        dense_ranks: np.ndarray | None,
        rank_index: int,
    ) -> Hit:
        """The hit for objective `i` (`rank_index` in the scope's rank arrays)."""
        objective = self._objectives[i]
        return Hit(
            contract_id=objective.contract.id,
            code=objective.code,
            title=objective.title,
            axis_number=objective.axis_number,
            axis_title=objective.axis_title,
            priority_number=objective.priority_number,
            priority_title=objective.priority_title,
            path=objective.path,
            label=objective.label,
            score=round(score, 4),
            measures=self._matched_measures(i, measure_lexical, vector, asked),
            precedents=self._precedents(i, vector),
            lexical_rank=lexical_rank,
            dense_rank=int(dense_ranks[rank_index]) if dense_ranks is not None else None,
        )

    def _matched_measures(
        self, i: int, lexical: np.ndarray, vector: np.ndarray | None, asked: frozenset[str]
    ) -> tuple[MatchedMeasure, ...]:
        """The measures of objective `i` that match the question, best first (three at most).

        Every measure of a cited objective is somewhat close to a question about it: a measure is shown
        only when it says more than the objective's title, because it names one of the question's own words
        that few measures of the contract use ("grossesses", "alcool", "marchands de sommeil"), or because
        the question is nearer to it than to the title by MEASURE_OVER_TITLE; an objective's only measure
        is its content and always shown. Otherwise none is (a drug-dealing question cited under addictions
        does not quote the measure on screen addiction)."""
        layout = self._layout.measures_of.get(i)
        if layout is None:
            return ()
        rows, passage_ids, starts, numbers = layout
        measures = self._objectives[i].measures
        scores = lexical[rows].astype(np.float64) / 10.0
        beyond_title = np.zeros(len(numbers), dtype=bool)
        if vector is not None and self._dense is not None:
            # exact cosines for this objective's measures, whatever the search's shortlist held
            cosines = self._dense.scores_at(vector[None, :], self._vector_row[passage_ids])[0]
            scores += cosines
            title_ids = self._layout.titles_of.get(i)
            if title_ids is not None:
                title = float(self._dense.scores_at(vector[None, :], self._vector_row[title_ids])[0].max())
                beyond_title = np.maximum.reduceat(cosines, starts) >= title + MEASURE_OVER_TITLE
        per_measure = np.maximum.reduceat(scores, starts)  # French and English passages of a measure
        wanted = asked & self._rare_measure_stems(self._objectives[i].contract.id)  # the question's rare words
        keep = [
            m
            for m in np.argsort(-per_measure, kind="stable")
            if len(numbers) == 1 or beyond_title[m] or wanted & self._measure_stems(measures[numbers[m]].text)
        ][:3]
        return tuple(replace(measures[numbers[m]], score=round(float(per_measure[m]), 4)) for m in keep)

    def _measure_stems(self, text: str) -> frozenset[str]:
        return frozenset(self.analyzer.tokens(text))

    def _rare_measure_stems(self, contract_id: str) -> frozenset[str]:
        """The stems found in at most RARE_IN_MEASURES of the contract's measures (computed once, over the
        contract's own objectives: the cost does not grow with the other contracts loaded)."""
        rare = self._rare.get(contract_id)
        if rare is None:
            scope = self._layout.scopes[contract_id]
            counts: Counter[str] = Counter()
            for objective in self._objectives[scope.first : scope.stop]:
                for measure in objective.measures:
                    counts.update(self._measure_stems(measure.text))
            rare = frozenset(stem for stem, n in counts.items() if n <= RARE_IN_MEASURES)
            self._rare[contract_id] = rare
        return rare

    def _precedents(self, i: int, vector: np.ndarray | None) -> tuple[Precedent, ...]:
        """Up to three past filings of objective `i` closest to the question, when close enough."""
        passage_ids = self._layout.filings_of.get(i)
        if passage_ids is None or vector is None or self._dense is None:
            return ()
        scores = self._dense.scores_at(vector[None, :], self._vector_row[passage_ids])[0]
        order = np.argsort(-scores, kind="stable")[:PRECEDENTS]
        contract = self._objectives[i].contract
        floor = self.settings.precedent_floor
        if floor is None:
            floor = PRECEDENT_FLOOR.get(self.embedder.name if self.embedder else "", PRECEDENT_FLOOR_DEFAULT)
        found = []
        for k in order:
            if scores[k] < floor:
                break
            filing = contract.filings[self._passages[int(passage_ids[k])].filing or 0]
            found.append(
                Precedent(filing.title, filing.year, filing.carrier, filing.origin, round(float(scores[k]), 4))
            )
        return tuple(found)


_ANY_CODE_OR_THREE = re.compile(r"[0-9a-z]{1,8}(?:\s?[.\-]\s?[0-9a-z]{1,8})+")


def _is_code_only(query: str) -> bool:
    """Whether the query is only codes, with at most the word "objectif" or "code" around them."""
    rest = _ANY_CODE_OR_THREE.sub(" ", fold(query))
    rest = "".join(ch if ch.isalnum() else " " for ch in rest)
    return all(
        word in {"objectif", "objectifs", "code", "codes", "objective", "et", "and", "ou"} or word.isdigit()
        for word in rest.split()
    )


def open_searcher(
    contracts: list[Contract],
    embedder: str | None,
    settings: SearchSettings | None = None,
    *,
    cache_dir: Path | None = None,
    rebuild: bool = False,
) -> Searcher:
    """A searcher with the named embedder loaded (None: lexical only), its index loaded or built."""
    from index.embedders import load_embedder

    model = load_embedder(embedder) if embedder else None
    return Searcher(contracts, model, settings, cache_dir=cache_dir, rebuild=rebuild)
