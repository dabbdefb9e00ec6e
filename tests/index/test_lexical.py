"""The lexical index gives the scores of bm25s itself, and its analyzer keeps what matters."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest
import yaml

from corpus import Contract
from index.lexical import _Bm25Table
from index.passages import objective_documents
from index.text import ENGLISH_WORDS, EVERYDAY_WORDS, Analyzer, find_codes, load_everyday, summary_title


def test_table_scores_equal_bm25s(caph: Contract) -> None:
    """For real objective texts and queries (repeated and unknown tokens included), the table is bm25s."""
    analyzer = Analyzer()
    corpus = [analyzer.tokens(t) for t in objective_documents([caph]).values()]
    table = _Bm25Table(corpus)
    reference = bm25s.BM25()
    reference.index(corpus, show_progress=False)
    for query in ["absentéisme scolaire des élèves élèves", "logement indigne marchands de sommeil", "zzzz emploi"]:
        tokens = analyzer.tokens(query)
        expected = reference.get_scores(tokens)
        assert np.allclose(table.scores(tokens), expected, atol=1e-5)
    assert not table.scores(["mot-inconnu-xyz"]).any()
    assert not table.scores([]).any()


def test_analyzer_keeps_codes_acronyms_and_folds_before_stemming() -> None:
    """Codes stay whole, acronyms are kept and expanded, accents are folded, elisions and stopwords go."""
    analyzer = Analyzer({"CCAS": "centre communal d'action sociale"})
    tokens = analyzer.tokens("L'absentéisme et le CCAS, objectif 5.1.3")
    assert "5.1.3" in tokens and "ccas" in tokens and "communal" in tokens
    assert analyzer.tokens("absentéisme") == analyzer.tokens("absenteisme")
    assert "l" not in tokens and "le" not in tokens and "et" not in tokens
    assert find_codes("objectif 5-1-3 ou 2.1.1") == ["5.1.3", "2.1.1"]


def test_everyday_words_translate_the_query_only() -> None:
    """'boulot' (any form with the same stem) adds the contract's words to a query, never to a document."""
    analyzer = Analyzer(everyday={"boulot": "emploi travail", "ados": "adolescents"})
    assert "emploi" not in analyzer.tokens("trouver un boulot")
    query = analyzer.query_tokens("des boulots pour les ados")
    assert set(analyzer.tokens("emploi travail adolescents")) <= set(query)


def test_the_fields_acronyms_are_read_without_a_contract_glossary() -> None:
    """A terse contract has no glossary: the acronyms of the politique de la ville still bring their words
    to a question, and no acronym is an ordinary French word ("près" is not the PRE, "café" not the CAF)."""
    analyzer = Analyzer(everyday=load_everyday())
    for acronym, meaning in (("CLAS", "aide aux devoirs"), ("ACI", "chantier d'insertion"), ("GUP", "gestion urbaine")):
        assert set(analyzer.tokens(meaning)) <= set(analyzer.query_tokens(f"des actions {acronym}"))
    nearby = "un café près du pré, à côté de chez moi"
    assert analyzer.query_tokens(nearby) == analyzer.tokens(nearby)


def test_bundled_everyday_list_loads_and_a_broken_one_is_named(tmp_path: Path) -> None:
    """The shipped list is a mapping of words to texts; a malformed list is reported with its path."""
    assert load_everyday()["boulot"]
    broken = tmp_path / "everyday.yaml"
    broken.write_text("- boulot\n- emploi\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"everyday.yaml: expected lines"):
        load_everyday(broken)
    broken.write_text("boulot: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"cannot read the everyday-word list"):
        load_everyday(broken)
    broken.write_text("boulot: emploi\npetit boulot: emploi précaire\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"keys must be single words, not 'petit boulot'"):
        load_everyday(broken)


def test_english_words_meet_a_french_only_contract_and_leave_french_questions_alone(tmp_path: Path) -> None:
    """An English question also searches for the French terms of its words; no English key has the stem
    of a word of a French contract or of the everyday list (a French question would change), and a word in
    both lists gets both meanings."""
    analyzer = Analyzer(everyday=load_everyday())
    assert set(analyzer.tokens("absentéisme scolaire")) <= set(analyzer.query_tokens("school absenteeism"))
    assert set(analyzer.tokens("logement locataires")) <= set(analyzer.query_tokens("housing for tenants"))
    french = Path(__file__).resolve().parents[2] / "corpus" / "sources" / "caph-2015-2023.txt"
    french_stems = set(Analyzer().tokens(french.read_text(encoding="utf-8")))
    everyday = yaml.safe_load(EVERYDAY_WORDS.read_text(encoding="utf-8"))
    french_stems |= {s for word in everyday for s in Analyzer().tokens(word)}
    english = yaml.safe_load(ENGLISH_WORDS.read_text(encoding="utf-8"))
    shared = sorted(word for word in english if set(Analyzer().tokens(word)) & french_stems)
    assert not shared, f"English keys that are also French words: {shared}"
    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    one.write_text("boulot: emploi\n", encoding="utf-8")
    two.write_text("boulot: travail\n", encoding="utf-8")
    assert load_everyday(one, two) == {"boulot": "emploi travail"}


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Maraude de nuit : une équipe d'éducateurs va à la rencontre des jeunes sans domicile", "Maraude de nuit"),
        ("Café des parents: rencontres mensuelles entre parents et enseignants du collège voisin", "Café des parents"),
        ("Projet : rencontres mensuelles entre parents et enseignants du collège voisin", None),  # generic title
        ("Maraude de nuit : trois soirs par semaine", None),  # too short to be a summary
        ("les jeunes qui sèchent les cours", None),  # no title
    ],
)
def test_summary_title(text: str, title: str | None) -> None:
    """Only a real title followed by a description of eight words or more counts as a summary title."""
    assert summary_title(text) == title
