"""Placement of the domain resources on a contract: the thesaurus's situations on the objectives that each
contract's own search finds for them, and the out-of-scope requests every search compares against."""

from __future__ import annotations

import itertools
import json
import logging
import re
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from corpus import Contract, Objective, source_only
from index.cache import build_lock, content_key, default_cache_dir, read_verified, slug, write_verified
from index.embedders import Embedder
from index.passages import PlacedKind, build_passages, placed_texts
from index.settings import SearchSettings
from index.textside import text_key
from index.thesaurus import load_out_of_scope, load_thesaurus
from index.vectors import VectorCache

logger = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent
# the code a placement decision depends on: any edit decides again
_SOURCES = ("classifier.py", "dense.py", "fusion.py", "embedders.py", "searcher.py", "placement.py", "layout.py")


def outside_requests(contracts: list[Contract]) -> tuple[list[str], list[str]]:
    """The requests no contrat de ville covers (shipped with the index) and the contracts' own, with who
    usually handles each (to say so when a question is refused; unknown for a contract's own topics)."""
    generic = load_out_of_scope()
    outside = [*(request for _, request in generic), *(topic for c in contracts for topic in c.out_of_scope)]
    return outside, [kind for kind, _ in generic] + [""] * (len(outside) - len(generic))


Placed = dict[tuple[str, str], list[tuple[PlacedKind, str]]]  # objective key → what the thesaurus gives it
ATTACH_COVERAGE = 0.2  # share of a concept's term stems the chosen objective's own text must hold
# on a terse contract, a theme's stems named by the objective's own words, its priority's, its axis's: the
# nearer the objective, the more they say (dev titles-only situations 0.54 with the title alone deciding,
# 0.60 with every level counting the same, 0.615 from (1, 0.7, 0.4) to (1, 0.9, 0.8))
LEVEL_WEIGHTS = (1.0, 0.8, 0.6)


def place_thesaurus(
    contracts: list[Contract], embedder: Embedder, settings: SearchSettings, cache_dir: Path | None
) -> Placed:
    """The thesaurus situations of each objective: each concept's situations go, in each contract, to the
    objective the contract's own hybrid search ranks first for the concept's terms, searching its source
    text alone (no editorial field, no thesaurus), provided that objective's text holds at least
    ATTACH_COVERAGE of the terms' stems (otherwise the contract does not speak of the concept).

    The words of the terms alone put a concept on the objectives with the most words in common, often a
    neighbour of the right one; the search adds what the embeddings and the classifier know. Saved per
    embedder (later starts read the decision instead of building the search it needs); one process
    decides at a time.
    """
    bare_settings = replace(settings, thesaurus=False)
    # keyed by the contracts as given (an editorial edit decides again, needlessly but cheaply): stripping
    # every contract of its editorial fields only to compute a key would slow every start
    key = content_key(
        text_key(contracts, bare_settings),
        embedder.name,
        repr(bare_settings),
        f"coverage={ATTACH_COVERAGE}",
        files=[*(_HERE / name for name in _SOURCES), _HERE.parent / "corpus" / "schema.py"],  # names_theme
    )
    root = cache_dir or default_cache_dir()
    path = root / "attach" / f"{slug(embedder.name)}-{key}.json"
    saved = _read_attachment(path)
    if saved is not None:
        return saved
    with build_lock(path.with_suffix("")):
        saved = _read_attachment(path)  # another process may have decided meanwhile
        if saved is not None:
            return saved
        logger.info("Placement du thésaurus sur %d contrat(s) par leur propre recherche", len(contracts))
        attached = _decide_attachment([source_only(c) for c in contracts], embedder, bare_settings, root)
        try:
            rows = [[cid, code, texts] for (cid, code), texts in attached.items()]
            write_verified(path, json.dumps(rows, ensure_ascii=False).encode())
        except OSError as exc:
            logger.warning("Impossible d'enregistrer le placement du thésaurus dans %s : %s", path.parent, exc)
    return attached


def _read_attachment(path: Path) -> Placed | None:
    """The attachment saved in `path`, or None (absent, or unreadable: logged)."""
    if not path.is_file():
        return None
    try:
        rows = json.loads(read_verified(path).decode("utf-8"))
        if not isinstance(rows, list) or not all(
            isinstance(row, list) and len(row) == 3 and isinstance(row[2], list) for row in rows
        ):
            raise ValueError("expected a list of [contract, code, [[kind, text]…]]")
        return {(str(cid), str(code)): placed_texts(texts) for cid, code, texts in rows}
    except (OSError, ValueError, TypeError) as exc:
        logger.warning("Placement du thésaurus illisible %s (%s) : il est refait", path, exc)
        return None


def _decide_attachment(
    sources: list[Contract], embedder: Embedder, settings: SearchSettings, root: Path
) -> Placed:
    """`_attach_by_search`'s decision. The search it needs serves this decision only: it is built in a
    scratch folder, its vectors taken from and given back to the shared vector cache (nothing is embedded
    twice)."""
    shared = VectorCache.in_folder(root, embedder.name, embedder.dimension)
    needed = [p.text for p in build_passages(sources, enriched=settings.enriched)]
    needed += outside_requests(sources)[0]
    concepts = load_thesaurus()
    attached: Placed = {}
    with tempfile.TemporaryDirectory(prefix="cdv-attach-") as scratch:
        scratch_cache = VectorCache.in_folder(Path(scratch), embedder.name, embedder.dimension)
        if shared.path.is_file():
            scratch_cache.put_many(shared.get_many(needed))
        from index.searcher import Searcher  # the placement is decided by a search of the contract itself

        bare = Searcher(sources, embedder, settings, cache_dir=Path(scratch))
        shared.put_many(scratch_cache.get_many(needed))
        fused = bare.scores_in_each_contract([concept.terms for concept in concepts])
        bounds = [*bare.contract_bounds(), len(bare.keys)]
        # the words an objective is named by, level by level: its own (title, sub-items), its priority's, its
        # axis's; and all of them together
        headings = _headings(sources)
        levels = [tuple(frozenset(bare.analyzer.tokens(_common_words(text))) for text in parts) for parts in headings]
        named = [frozenset().union(*words) for words in levels]
        terse = [_terse(o) for c in sources for _, _, o in c.objectives()]
        for concept, scores in zip(concepts, fused, strict=True):
            stems = frozenset(bare.analyzer.tokens(concept.terms))
            themes = [frozenset(bare.analyzer.tokens(theme)) for theme in concept.theme.split(",")]
            themes = [theme for theme in themes if theme]
            for first, stop in itertools.pairwise(bounds):
                if not stems:
                    continue
                # on a terse contract (objectives without measures or description), a concept with themes goes
                # to an objective whose title, priority or axis names one of its themes: there the headings say
                # most; where measures speak, they decide (placing by theme over them misled)
                # a theme named by most of the contract's objectives tells none apart (an axis "Intégrer
                # localement les enjeux…" above every objective does not make them about integration)
                telling = [t for t in themes if 2 * sum(t <= named[j] for j in range(first, stop)) <= stop - first]
                on_theme = [j for j in range(first, stop) if terse[j] and any(t <= named[j] for t in telling)]
                # the objective whose words name the most of the themes, its own words counting most: a title
                # saying "accès aux soins" says more than an axis saying "santé"
                specific = {j: _named_stems(telling, levels[j]) for j in on_theme}
                i = (
                    max(on_theme, key=lambda j: (specific[j], scores[j]))
                    if on_theme
                    else first + int(np.argmax(scores[first:stop]))
                )
                covered = len(stems & bare.document_stems[i]) / len(stems) >= ATTACH_COVERAGE
                if on_theme or (covered and not concept.action):
                    attached.setdefault(bare.keys[i], []).extend(concept.placed)
        del bare  # its memory-mapped index lives in the scratch folder
    return attached


def _terse(objective: Objective) -> bool:
    """Whether the objective says nothing beyond its headings: no description, and no measures, or only
    sub-items naming themes ("Autour de l'éducation", "En matière de santé"), which say what it is about
    as its title does but no action it funds."""
    return not objective.description and all(m.names_theme for m in objective.measures)


def _headings(contracts: list[Contract]) -> list[tuple[str, str, str]]:
    """The words each objective is named by, in the searcher's order: its title and sub-items, its
    priority's title, its axis's title."""
    return [
        (" ".join([objective.title, *(m.text for m in objective.measures)]), priority.title or "", axis.title)
        for contract in contracts
        for axis, priority, objective in contract.objectives()
    ]


# a capitalised word inside a sentence of lower-case words: a name ("la requalification urbaine du quartier
# d'Ar Santé Les Fontaines"), which names a place or a body, never a theme; in a heading written in title
# case ("Emploi et Insertion") every word counts
_INNER_WORD = re.compile(r"(?<=[\s’'])[^\W\d_]{4,}")
_CAPITALISED = re.compile(r"[A-ZÀ-Ý][a-zà-ÿ]+")


def _common_words(text: str) -> str:
    """The text without the names inside its sentences: a theme is named by common words."""
    inner = [m for m in _INNER_WORD.finditer(text) if not m.group().isupper()]
    names = [m for m in inner if _CAPITALISED.fullmatch(m.group())]
    if not names or 2 * len(names) >= len(inner):
        return text
    pieces, start = [], 0
    for m in names:  # one pass: the cost grows with the text, not with the text times its names
        pieces += [text[start : m.start()], " " * len(m.group())]
        start = m.end()
    return "".join([*pieces, text[start:]])


def _named_stems(themes: list[frozenset[str]], levels: tuple[frozenset[str], ...]) -> float:
    """How many stems of the themes an objective's words name whole, its own words counting most, then its
    priority's, then its axis's (LEVEL_WEIGHTS)."""
    return sum(
        weight * len(frozenset().union(*(t for t in themes if t <= words)))
        for weight, words in zip(LEVEL_WEIGHTS, levels, strict=True)
    )
