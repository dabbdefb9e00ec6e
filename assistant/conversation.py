"""The conversation: when a short question leans on the ones before it, and what it steers to.

A question is read on its own when it finds an answer surely on its own, or nothing at all; it leans on the
conversation when it says it follows up ("et pour les ados ?", "plutôt côté santé") or, short, only says
who or where ("au collège"). Greetings, thanks and look-ups of a part of the contract are no topic.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from index import MAX_QUERY_CHARS, Searcher, SearchResult, find_codes, fold, lead
from index.thesaurus import Concept, load_thesaurus

# greetings, thanks, assent and words about the tool: a question made only of these asks nothing
_SMALL_TALK = frozenset(
    "bonjour bonsoir salut coucou hello hi hey merci thanks thank you ok okay d accord oui non yes no test tester "
    "essai ca va comment allez vous au revoir bye ciao bien super cool parfait top svp stp please s il plait "
    "quel quelle quels quelles objectif objectifs objective objectives code codes question questions which what "
    "is the a le la les un une de des du et and".split()
)
_OUTLINE_TOKEN = re.compile(r"[a-z]+|\d+(?:\s*[.-]\s*\d+)*")
_PRIORITY_CODE = re.compile(r"\d{1,2}[.-]\d{1,2}")
_AXIS_WORDS = frozenset(("axe", "axis", "axes", "pilier", "orientation"))
_AXIS_LABEL = re.compile(r"\d{1,2}|[ivx]{1,5}|[a-h]")  # 5, II, C
_SHORT = 3  # content words: a question this short may lean on the conversation
_FOLLOW_UPS = 3  # follow-ups kept after the topic's question
# a question that starts like a follow-up ("and school dropout?") opens a new topic when its own answer leads
# the next objective by this fused-score margin (the "sûr" bound when the rule was chosen on the dev dialogues;
# the label's bound rose to 2.25 since, which would glue one more dev turn)
_NEW_TOPIC_MARGIN = 1.75
_FOLLOW_UP_STARTS = ("et ", "and ", "plutot", "rather", "what about", "aussi", "also", "ou bien", "mais ")
# Who and where, as people name them in this field (folded prefixes): a short question made only of these
# narrows the topic of the conversation ("au collège", "les retraités", "les mamans avec bébé"); a short
# question naming anything else opens a new one ("punaises de lit"). Contract-independent.
_WHO_AND_WHERE = (
    "jeune",
    "ado",
    "enfant",
    "bebe",
    "bambin",
    "tout-petit",
    "eleve",
    "collegien",
    "lyceen",
    "etudiant",
    "fille",
    "garcon",
    "femme",
    "homme",
    "mere",
    "maman",
    "pere",
    "papa",
    "parent",
    "famille",
    "senior",
    "retraite",
    "agee",
    "aine",
    "vieux",
    "personne",
    "habitant",
    "locataire",
    "proprietaire",
    "menage",
    "voisin",
    "benevole",
    "salarie",
    "demandeur",
    "chomeur",
    "migrant",
    "refugie",
    "primo",
    "handicap",
    "victime",
    "mineur",
    "majeur",
    "public",
    "college",
    "lycee",
    "ecole",
    "maternelle",
    "primaire",
    "creche",
    "quartier",
    "cite",
    "immeuble",
    "residence",
    "centre",
    "ville",
    "commune",
    "rural",
    "soir",
    "nuit",
    "week",
    "vacance",
    "mercredi",
    "young",
    "teen",
    "child",
    "kid",
    "girl",
    "boy",
    "women",
    "woman",
    "men",
    "mother",
    "father",
    "famil",
    "elderly",
    "resident",
    "tenant",
    "school",
    "neighbo",
)
_FILLERS = {
    "avec",
    "pour",
    "dans",
    "chez",
    "sans",
    "leur",
    "leurs",
    "tous",
    "toutes",
    "surtout",
    "seulement",
    "notamment",
    "uniquement",
    "meme",
    "plus",
    "moins",
    "petits",
    "petites",
    "grands",
    "grandes",
    "only",
    "with",
    "their",
    "especially",
}


def part_asked(text: str) -> tuple[str, str | None] | None:
    """(axis, priority or None) as the text writes them ("axe 5", "axe II", "pilier C": ("5", None);
    "priorité 5.1", "5.1": ("5", "5.1")) when it only asks for an axis or a priority by its number."""
    tokens = [t.replace(" ", "") for t in _OUTLINE_TOKEN.findall(fold(text))]
    tokens = [t for t in tokens if t not in _SMALL_TALK and t not in ("l", "dans")]
    if len(tokens) == 2 and tokens[0] in _AXIS_WORDS and _AXIS_LABEL.fullmatch(tokens[1]):
        return tokens[1], None
    if _PRIORITY_CODE.fullmatch(tokens[-1] if tokens else "") and (tokens[:-1] in ([], ["priorite"], ["priority"])):
        code = tokens[-1].replace("-", ".")
        return code.split(".")[0], code
    return None


def small_talk(text: str) -> bool:
    """Whether every word of the text is a greeting, a thanks or a word about the tool itself."""
    found = re.findall(r"[a-z]+", fold(text))
    return bool(found) and all(w in _SMALL_TALK for w in found) and not find_codes(text)


def with_context(
    question: str, history: Sequence[str], searcher: Searcher, contract_id: str | None
) -> tuple[str, int | None, SearchResult | None]:
    """The text to search for `question` in this conversation, the axis a follow-up steers to, and the
    search already made for the question alone when that settled it.

    A question is read on its own when it finds an answer surely on its own, or nothing at all (a short
    request the contract does not cover); it leans on the conversation when it says it follows up ("et
    pour les ados ?", "plutôt côté santé") or, short, finds only unsure answers alone. A follow-up is
    searched with the conversation's topic: the last question that was not itself a follow-up, and the
    follow-ups since (the last three).
    """
    if not history or find_codes(question):
        return question, None, None
    folded = fold(question)
    alone = searcher.search(question, k=4, contract=contract_id)
    content = [w for w in "".join(ch if ch.isalnum() else " " for ch in folded).split() if len(w) > 3]
    if folded.startswith(_FOLLOW_UP_STARTS):
        if (lead(alone) or 0.0) >= _NEW_TOPIC_MARGIN:
            return question, None, alone  # "and school dropout?": a new topic said as a follow-up
    elif len(content) > _SHORT or not _narrows(content):
        # a whole question, or a short one naming a subject of its own ("punaises de lit"): no gluing
        return question, None, alone
    # a follow-up that only says who or where ("au collège") narrows the topic: it steers to no axis
    axis = None if _narrows(content) else steered_axis(question, searcher, contract_id)
    topic = _topic(history)
    # the search reads MAX_QUERY_CHARS at most: the new question must fit whole
    earlier = " ".join(topic)[: max(0, MAX_QUERY_CHARS - len(question) - 1)]
    return f"{earlier} {question}".strip(), axis, None


def _narrows(content: Sequence[str]) -> bool:
    """Whether a short question's words only say who or where ("au collège", "les retraités"): it then
    narrows the conversation's topic rather than opening one."""
    return bool(content) and all(w in _FILLERS or w.startswith(_WHO_AND_WHERE) for w in content)


def steered_axis(question: str, searcher: Searcher, contract_id: str | None) -> int | None:
    """The axis a follow-up names by its theme ("plutôt côté santé", "more on the housing side"): the one
    axis whose title (or its priorities' titles) holds most of the follow-up's words, compared as whole
    stems, everyday and English words read as the contract's (so "besoin" never means "soin"); when none
    does, the same with the terms of the thesaurus concepts the words belong to ("école": scolaire).
    None when no axis or several do."""
    words = set(searcher.analyzer.query_tokens(question))
    axes = [
        (axis.number, set(searcher.analyzer.tokens(" ".join([axis.title, *(p.title or "" for p in axis.priorities)]))))
        for contract in searcher.contracts
        if contract_id is None or contract.id == contract_id
        for axis in contract.axes
    ]
    for stems in (words, _concept_terms(words, searcher)):
        found = {number: len(stems & titles) for number, titles in axes if stems & titles}
        best = max(found.values(), default=0)
        leaders = [number for number, shared in found.items() if shared == best]
        if leaders:
            return leaders[0] if len(leaders) == 1 else None
    return None


@functools.cache
def _thesaurus() -> tuple[Concept, ...]:
    return tuple(load_thesaurus())


def _concept_terms(words: set[str], searcher: Searcher) -> set[str]:
    """The stems of the terms of every thesaurus concept whose terms or situations hold one of the words."""
    found: set[str] = set()
    for concept in _thesaurus():
        terms = set(searcher.analyzer.tokens(concept.terms))
        if words & (terms | set(searcher.analyzer.tokens(" ".join(concept.situations)))):
            found |= terms
    return found


def _topic(history: Sequence[str]) -> list[str]:
    """The conversation's current topic: the last question that was not a follow-up, and those since."""
    chain: list[str] = []
    # greetings, thanks and look-ups of a code or a part of the contract were no question: no topic either
    asked = [q for q in history if not small_talk(q) and part_asked(q) is None and not find_codes(q)]
    for earlier in reversed(asked[-(_FOLLOW_UPS + 1) :]):
        chain.insert(0, earlier.strip())
        folded = fold(earlier)
        content = [w for w in folded.replace("?", " ").split() if len(w) > 3]
        if not folded.startswith(_FOLLOW_UP_STARTS) and len(content) > _SHORT - 1:
            break
    return chain
