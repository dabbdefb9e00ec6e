"""The lexical index gives the scores of bm25s itself, and its analyzer keeps what matters."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest

from corpus import Contract
from index.lexical import _Bm25Table
from index.passages import objective_documents
from index.text import Analyzer, find_codes, load_everyday, summary_title


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
