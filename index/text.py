"""French-first text normalisation for lexical search: folding, elisions, stopwords, stems, n-grams."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

import Stemmer
import yaml

_CODE = re.compile(r"(?<![\d.])([1-9]\d?)\s?[.\-]\s?([1-9]\d?)\s?[.\-]\s?([1-9]\d?)(?![\d])")
# a code with at least two parts, as sources write them (`2.3`, `II.C`, `OS2-OO3`)
_ANY_CODE = re.compile(r"(?<![\w.])[0-9A-Za-z]{1,8}(?:\s?[.\-]\s?[0-9A-Za-z]{1,8}){1,4}(?![\w])")
_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+\.[0-9]+)?")
_ELISION = re.compile(r"\b(?:l|d|qu|j|n|s|c|m|t|jusqu|lorsqu|puisqu)'")

# Folded (accent-free) French and English stopwords, plus question boilerplate field workers type.
STOPWORDS = frozenset(
    """
    a au aux avec ce ces cet cette dans de des du elle en et eux il ils je la le les leur leurs lui ma mais me
    meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un
    une vos votre vous y est sont ont etre avoir fait faire plus tres tout tous toute toutes comme si sans sous
    entre vers chez afin ainsi dont alors aussi bien cela ca quel quelle quels quelles quoi comment ou lequel
    laquelle objectif objectifs code codes rentre rentrer relever releve correspond existe peut veut veux
    voudrais cherche faut c est ce qu il y a on the of and or to in for on with at by from an is are be which
    what how who does do this that it its into about objective objectives cover covers covering code our we
    my their there want need
    """.split()
)


EVERYDAY_WORDS = Path(__file__).resolve().parent / "data" / "everyday-fr.yaml"
ENGLISH_WORDS = Path(__file__).resolve().parent / "data" / "english-fr.yaml"


def load_everyday(*paths: Path) -> dict[str, str]:
    """The everyday-word lists (by default everyday French, then English): word → the contract's words for
    it; a word in two lists gets both meanings.

    Raises:
        ValueError: a file is not a YAML mapping of words to non-empty texts (message names the file).
    """
    merged: dict[str, str] = {}
    for path in paths or (EVERYDAY_WORDS, ENGLISH_WORDS):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"{path}: cannot read the everyday-word list: {exc}") from exc
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip() for k, v in data.items()
        ):
            raise ValueError(f"{path}: expected lines of the form `word: the contract's words`")
        phrases = [k for k in data if len(words(k)) != 1]
        if phrases:  # only single words are looked up: such a key would silently never match
            raise ValueError(f"{path}: keys must be single words, not {', '.join(map(repr, phrases[:5]))}")
        for key, meaning in data.items():
            merged[key] = f"{merged[key]} {meaning}" if key in merged else meaning
    return merged


def fold(text: str) -> str:
    """Lower-case, strip accents, and normalise apostrophes and ligatures."""
    text = text.replace("’", "'").replace("`", "'").replace("œ", "oe").replace("Œ", "oe")
    text = text.replace("æ", "ae").replace("Æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


_TITLE = re.compile(r"^\s*([^:\n]{3,80}?)\s*:\s*(\S.*)$", re.DOTALL)
_GENERIC_TITLES = frozenset(
    "projet project action objet titre title resume summary description question objectif objective intitule".split()
)


def summary_title(text: str) -> str | None:
    """The title of a funding-application summary (`Maraude de nuit : une équipe va…`), or None when
    the text is not a title followed by a description of at least eight words."""
    match = _TITLE.match(text)
    if match is None:
        return None
    title, body = match.groups()
    if len(body.split()) < 8:
        return None
    content = [w for w in words(title) if w not in STOPWORDS and w not in _GENERIC_TITLES]
    return title if content else None


def find_codes(text: str, known: Mapping[str, str] | None = None) -> list[str]:
    """Objective codes written in a text, in order: three-part codes (`5.1.3`, `5-1-3`, `5. 1. 3`) in dotted
    form, and, given the loaded contracts' codes (`known`, from `code_lookup`), any of them as written by
    their source (`2.3`, `II.C`, `C.1.2`; case, dashes and spaces aside)."""
    found = [(m.start(), ".".join(m.groups())) for m in _CODE.finditer(text)]
    if known:
        for match in _ANY_CODE.finditer(text):
            code = known.get(code_key(match.group()))
            if code is not None and all(code != c for _, c in found):
                found.append((match.start(), code))
    return [code for _, code in sorted(found)]


def code_lookup(codes: Iterable[str]) -> dict[str, str]:
    """The codes of a contract by their `code_key`, for `find_codes` (built once, not per question)."""
    return {code_key(code): code for code in codes}


def code_key(code: str) -> str:
    """A code reduced to what identifies it: upper case, dots for dashes, no spaces (`ii - c` → `II.C`)."""
    return re.sub(r"\s*[.\-]\s*", ".", code.strip().upper()).rstrip(".")


def words(text: str) -> list[str]:
    """Folded words without elisions; codes such as `5.1.3` stay one token."""
    folded = _CODE.sub(lambda m: ".".join(m.groups()), fold(text))
    folded = _ELISION.sub(" ", folded)
    return _WORD.findall(folded)


class Analyzer:
    """Turns text into stemmed word tokens and character n-grams, expanding known acronyms.

    Args:
        acronyms: acronym → expansion, added to the tokens wherever the acronym occurs.
        everyday: everyday word → the contract's words for it, added to a query's tokens only
            (`query_tokens`); a one-word key matches any word with the same stem.
    """

    def __init__(self, acronyms: Mapping[str, str] | None = None, everyday: Mapping[str, str] | None = None) -> None:
        self._stemmer = Stemmer.Stemmer("french")
        self._acronyms = {fold(k): fold(v) for k, v in (acronyms or {}).items()}
        self._multiword = {k: v for k, v in self._acronyms.items() if " " in k or "-" in k}
        self._cache: dict[tuple[str, str], tuple[str, ...]] = {}
        self._everyday: dict[str, tuple[str, ...]] = {}
        for key, meaning in (everyday or {}).items():
            stem = str(self._stemmer.stemWord(fold(key)))
            self._everyday[stem] = self._everyday.get(stem, ()) + tuple(self._stems(words(meaning)))

    def __getstate__(self) -> dict[str, object]:
        # saved with the lexical indexes (index/searcher.py): the stemmer is a C object and the memo
        # only a speed-up, both made again on load
        return {k: v for k, v in self.__dict__.items() if k not in ("_stemmer", "_cache")}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._stemmer = Stemmer.Stemmer("french")
        self._cache = {}

    def query_tokens(self, text: str) -> list[str]:
        """`tokens`, plus the contract's words for the everyday words of the question."""
        return list(self._memo("query", text))

    def _query_tokens(self, text: str) -> tuple[str, ...]:
        out = list(self._memo("tokens", text))
        for word in self._memo("words", text):
            out.extend(self._everyday.get(str(self._stemmer.stemWord(word)), ()))
        return tuple(out)

    def tokens(self, text: str) -> list[str]:
        """Stemmed content words; acronyms are kept whole and followed by their expansion's words."""
        return list(self._memo("tokens", text))

    def _tokens(self, text: str) -> tuple[str, ...]:
        out: list[str] = []
        folded = fold(text)
        for phrase, expansion in self._multiword.items():
            if phrase in folded:
                out.extend(self._stems(words(expansion)))
        for word in self._memo("words", text):
            if word in self._acronyms:
                out.append(word)
                out.extend(self._stems(words(self._acronyms[word])))
            elif word not in STOPWORDS:
                out.extend(self._stems([word]))
        return tuple(out)

    def ngrams(self, text: str) -> list[str]:
        """Character 3- to 5-grams of each content word (with boundary marks), for typo tolerance."""
        return list(self._memo("ngrams", text))

    def _memo(self, kind: str, text: str) -> tuple[str, ...]:
        # one search analyses its question for several indexes: remember only the last few questions
        key = (kind, text)
        cached = self._cache.get(key)
        if cached is None:
            if kind == "words":
                cached = tuple(words(text))
            elif kind == "tokens":
                cached = self._tokens(text)
            elif kind == "query":
                cached = self._query_tokens(text)
            else:
                cached = self._ngrams(text)
            if len(self._cache) >= 16:
                self._cache.clear()
            self._cache[key] = cached
        return cached

    def _ngrams(self, text: str, sizes: Iterable[int] = (3, 4, 5)) -> tuple[str, ...]:
        grams: list[str] = []
        for word in self._memo("words", text):
            if word in STOPWORDS or "." in word:
                continue
            padded = f"<{word}>"
            for n in sizes:
                grams.extend(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))
        return tuple(grams)

    def _stems(self, items: list[str]) -> list[str]:
        # short words are mostly acronyms or numbers: stemming would only blur them
        return [
            str(self._stemmer.stemWord(w)) if len(w) > 3 and not w[0].isdigit() else w
            for w in items
            if w not in STOPWORDS
        ]
