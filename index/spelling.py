"""Query spelling repair: misspelt words are mapped to the contract's own vocabulary.

Field workers type fast, without accents, and misspell (`insersion`, `absenteisme`, `acompagnement`).
A misspelt word matches nothing in the lexical index and blurs the sentence embedding. A word is left
alone when it is a known French or English word (pyspellchecker's dictionaries), an acronym, a number or
a proper noun; otherwise it is replaced by the most frequent contract word within a small edit distance.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import combinations

import numpy as np

from index.text import fold

_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
MIN_LENGTH = 4  # shorter words are too ambiguous to repair
MAX_WORD = 40  # longer "words" are pasted codes, links or noise: never repaired, whatever the contract holds


class SpellingFixer:
    """Repairs the misspelt words of a query against a vocabulary.

    Args:
        texts: the indexed texts; their words are the repair targets.
        known_words: words that are correct even though the texts lack them (a general dictionary);
            folded before use. None loads pyspellchecker's French and English dictionaries.
    """

    def __init__(self, texts: Iterable[str], known_words: Iterable[str] | None = None) -> None:
        counts: Counter[str] = Counter()
        spellings: Counter[str] = Counter()
        short: set[str] = set()
        for text in texts:
            every = _TOKEN.findall(text)
            found = [w.lower() for w in every if len(w) >= MIN_LENGTH]
            counts.update(fold(w) for w in found)
            spellings.update(found)
            short.update(fold(w) for w in every if len(w) < MIN_LENGTH)
        self._targets = counts
        self._short = frozenset(short)  # the texts' words too short to repair (MLV, ACI, PLH…)
        # the repair is written with the accents the contract uses
        self._spelling: dict[str, str] = {}
        for spelt, _ in spellings.most_common():
            self._spelling.setdefault(fold(spelt), spelt)
        self._default_known = known_words is None
        self._known = frozenset(fold(w) for w in known_words) if known_words is not None else _dictionary()
        # no contract word lies within the edit limit of a word longer than this: such a word is left
        # alone, which keeps the cost of a repair linear in the question's length (a pasted 2,000-letter
        # "word" would otherwise expand into millions of deletions)
        self._longest = max((len(w) for w in counts), default=0) + _max_distance(MAX_WORD)
        self._deletes: dict[str, list[str]] = {}
        for word in counts:
            for variant in _deletes(word, _max_distance(len(word))):
                self._deletes.setdefault(variant, []).append(word)

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The fixer as plain arrays (see `from_arrays`), names starting with `prefix`."""
        variants = list(self._deletes)
        targets = [word for variant in variants for word in self._deletes[variant]]
        arrays = {
            f"{prefix}.targets": np.array(list(self._targets), dtype=str),
            f"{prefix}.counts": np.array(list(self._targets.values()), dtype=np.int64),
            f"{prefix}.short": np.array(sorted(self._short), dtype=str),
            f"{prefix}.folded": np.array(list(self._spelling), dtype=str),
            f"{prefix}.spelt": np.array(list(self._spelling.values()), dtype=str),
            f"{prefix}.longest": np.array([self._longest]),
            f"{prefix}.variants": np.array(variants, dtype=str),
            f"{prefix}.variant_targets": np.array(targets, dtype=str),
            f"{prefix}.variant_counts": np.array([len(self._deletes[v]) for v in variants], dtype=np.int64),
        }
        if not self._default_known:
            arrays[f"{prefix}.known"] = np.array(sorted(self._known), dtype=str)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str) -> SpellingFixer:
        """The fixer `to_arrays` saved."""
        fixer = object.__new__(cls)
        words = arrays[f"{prefix}.targets"].tolist()
        fixer._targets = Counter(dict(zip(words, arrays[f"{prefix}.counts"].tolist(), strict=True)))
        fixer._short = frozenset(arrays[f"{prefix}.short"].tolist())
        fixer._spelling = dict(
            zip(arrays[f"{prefix}.folded"].tolist(), arrays[f"{prefix}.spelt"].tolist(), strict=True)
        )
        fixer._longest = int(arrays[f"{prefix}.longest"][0])
        fixer._default_known = f"{prefix}.known" not in arrays
        fixer._known = _dictionary() if fixer._default_known else frozenset(arrays[f"{prefix}.known"].tolist())
        flat = arrays[f"{prefix}.variant_targets"].tolist()
        ends = np.cumsum(arrays[f"{prefix}.variant_counts"]).tolist()
        starts = [0, *ends[:-1]]
        variants = arrays[f"{prefix}.variants"].tolist()
        fixer._deletes = {v: flat[a:b] for v, a, b in zip(variants, starts, ends, strict=True)}
        return fixer

    def repair(self, query: str) -> tuple[str, list[tuple[str, str]]]:
        """The query with each misspelt word replaced (everything else kept as typed), and the
        (typed, repaired) pairs."""
        pairs: list[tuple[str, str]] = []
        pieces: list[str] = []
        end = 0
        for match in _TOKEN.finditer(query):
            typed = match.group(0)
            fixed = self._fix_word(typed, match.start(), query)
            if fixed != typed:
                pairs.append((typed, fixed))
                pieces += [query[end : match.start()], fixed]
                end = match.end()
        return "".join(pieces) + query[end:], pairs

    def recognises(self, query: str) -> bool:
        """Whether the query holds a word: one of the texts', a dictionary word, or one close enough to
        a text word to be repaired. A keyboard mash ("asdfgh jkl", "zzzz", a pasted run of one letter)
        holds none. Stops at the first word found; each word costs at most a repair's bounded work."""
        for match in _TOKEN.finditer(query):
            whole = fold(match.group(0))
            for folded in (whole, *whole.split("-")) if "-" in whole else (whole,):
                if folded in self._short or folded in self._known:
                    return True
                repairable = MIN_LENGTH <= len(folded) <= min(self._longest, MAX_WORD) and "-" not in folded
                if repairable and (self._is_known(folded) or self._nearest(folded) is not None):
                    return True
        return False

    def fix(self, query: str) -> str:
        """The query with each misspelt word replaced."""
        return self.repair(query)[0]

    def corrections(self, query: str) -> list[tuple[str, str]]:
        """(typed, repaired) pairs for the words `fix` would change."""
        return self.repair(query)[1]

    def _fix_word(self, word: str, start: int, query: str) -> str:
        folded = fold(word)
        if not MIN_LENGTH <= len(folded) <= min(self._longest, MAX_WORD) or "-" in folded:
            return word
        if self._is_known(folded):
            return word
        if word.isupper() or (word[0].isupper() and start > 0 and not _sentence_start(query, start)):
            return word  # an acronym or a proper noun (Denain, Lourches): not a misspelling
        best = self._nearest(folded)
        return self._spelling[best] if best is not None else word

    def _is_known(self, word: str) -> bool:
        if word in self._targets or word in self._known:
            return True
        # inflections and derived forms the dictionary lacks (chantier/chantiers, reamenagement,
        # deconstruire) and British spellings (neighbours)
        for ending in _ENDINGS:
            if word + ending in self._targets or (word.endswith(ending) and word[: -len(ending)] in self._targets):
                return True
        for prefix in _PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= MIN_LENGTH:
                rest = word[len(prefix) :]
                if rest in self._targets or rest in self._known:
                    return True
        return any(a in word and word.replace(a, b) in self._known for a, b in _BRITISH)

    def _nearest(self, word: str) -> str | None:
        # cost: about len(word)² deletions, and len(word) ≤ MAX_WORD
        limit = _max_distance(len(word))
        candidates = {c for v in _deletes(word, limit) for c in self._deletes.get(v, ())}
        scored = sorted((_distance(word, c), -self._targets[c], c) for c in candidates)
        scored = [s for s in scored if s[0] <= limit]
        return scored[0][2] if scored else None


_ENDINGS = ("s", "x", "e", "es")
_PREFIXES = ("re", "de", "des", "dis", "in", "im", "pre", "co", "anti", "auto", "sur", "sous", "multi", "inter")
_BRITISH = (("our", "or"), ("ise", "ize"), ("isation", "ization"), ("tre", "ter"), ("ll", "l"))


def _max_distance(length: int) -> int:
    return 1 if length < 7 else 2


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in '.!?:;«"(-'


def _deletes(word: str, distance: int) -> set[str]:
    """Every string obtained by deleting up to `distance` letters (the symmetric-delete trick)."""
    found = {word}
    for n in range(1, distance + 1):
        if len(word) - n < 2:
            break
        for gone in combinations(range(len(word)), n):
            found.add("".join(letter for i, letter in enumerate(word) if i not in gone))
    return found


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein plus swaps of neighbouring letters)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    """pyspellchecker's French and English words, folded (read once per process)."""
    from spellchecker import SpellChecker

    words: set[str] = set()
    for language in ("fr", "en"):
        words.update(fold(w) for w in SpellChecker(language=language, distance=1).word_frequency.dictionary)
    return frozenset(words)
