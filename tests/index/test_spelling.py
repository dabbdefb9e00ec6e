"""Spelling repair of questions against the contract's own words."""

from __future__ import annotations

import pytest

from index.spelling import SpellingFixer

TEXTS = ["Chantiers d'insertion", "Lutter contre l'illettrisme", "marchands de sommeil", "absentéisme scolaire"]


@pytest.fixture(scope="module")
def fixer() -> SpellingFixer:
    """A fixer over a few contract phrases, with a small stand-in dictionary of ordinary words."""
    return SpellingFixer(TEXTS, known_words=["jardin", "ecole", "piscine", "construire", "neighbor"])


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("chantier d'insersion", "chantier d'insertion"),  # one letter replaced
        ("ilettrisme adulte", "illettrisme adulte"),  # one letter missing
        ("marchand de someil", "marchand de sommeil"),
        ("absenteisme scolere", "absenteisme scolaire"),  # two edits in a long word
    ],
)
def test_misspelt_words_are_repaired(fixer: SpellingFixer, typed: str, read: str) -> None:
    """Each misspelt word becomes the contract's word, accents included; the rest is kept as typed."""
    assert fixer.fix(typed) == read


def test_known_words_names_and_acronyms_are_kept(fixer: SpellingFixer) -> None:
    """Ordinary words, derived forms, British spellings, proper nouns and acronyms are not misspellings."""
    for text in ["jardin de l'ecole", "deconstruire", "neighbour", "projet à Lourches", "le PLIE", "QPV"]:
        assert fixer.fix(text) == text
        assert fixer.corrections(text) == []


def test_corrections_list_what_changed(fixer: SpellingFixer) -> None:
    """The (typed, read) pairs let the interface say how the question was read."""
    assert fixer.corrections("Ilettrisme et insersion") == [("Ilettrisme", "illettrisme"), ("insersion", "insertion")]


def test_far_words_are_left_alone(fixer: SpellingFixer) -> None:
    """A word far from every contract word stays as typed (no forced match)."""
    assert fixer.fix("trottinette") == "trottinette"


def test_default_dictionary_knows_french_and_english() -> None:
    """With the bundled dictionaries, everyday French and English words are never 'repaired'."""
    fixer = SpellingFixer(TEXTS)
    assert fixer.fix("boulangerie fermée, school dropout") == "boulangerie fermée, school dropout"
    assert fixer.fix("insersion") == "insertion"


@pytest.mark.parametrize("word", ["a" * 2000, "abcdefghij" * 200, "insertion" * 30])
def test_a_huge_word_is_left_alone_without_expanding_it(
    fixer: SpellingFixer, word: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A word far longer than any contract word is not repaired, and no deletion set is built for it
    (the enumeration costs the cube of the word's length: 71 s for 1,000 letters)."""
    import index.spelling

    real = index.spelling._deletes

    def guarded(typed: str, distance: int) -> set[str]:
        if len(typed) > index.spelling.MAX_WORD:
            raise AssertionError(f"deletions enumerated for a {len(typed)}-letter word")
        return real(typed, distance)

    monkeypatch.setattr(index.spelling, "_deletes", guarded)
    assert fixer.fix(f"chantier {word} jardin") == f"chantier {word} jardin"


def test_words_up_to_the_longest_contract_word_are_still_repaired(fixer: SpellingFixer) -> None:
    """The length cut keeps repairs of long contract words (illettrisme has 11 letters)."""
    assert fixer.fix("ilettrismee") == "illettrisme"


@pytest.mark.parametrize(
    ("typed", "recognised"),
    [
        ("asdfgh jkl", False),  # a keyboard mash
        ("zzzz zzzz", False),
        ("a" * 2000, False),  # a pasted run of one letter, longer than any word
        ("qsdkjqsd-mlkqsd", False),
        ("piscine", True),  # a dictionary word
        ("insersion", True),  # close enough to a contract word to be repaired
        ("de", True),  # a short word of the texts
        ("xxxx-jardin", True),  # one part of a hyphenated word
    ],
)
def test_recognises_words_not_keyboard_mashes(fixer: SpellingFixer, typed: str, recognised: bool) -> None:
    """A question holds a word when one of its words is a contract word, a dictionary word or a repairable
    misspelling of a contract word."""
    assert fixer.recognises(typed) is recognised
