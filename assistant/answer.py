"""Compose a cited answer from a question and the conversation so far (shared by CLI, UI and tests)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from assistant.conversation import part_asked, small_talk, with_context
from corpus import Contract
from corpus.schema import Axis
from index import (
    CONFIDENT_MARGIN,
    MAX_QUERY_CHARS,
    Confidence,
    Hit,
    MatchedMeasure,
    Precedent,
    Searcher,
    SearchResult,
    fold,
)
from index import confidence as index_confidence

Lang = Literal["fr", "en"]

_EN = frozenset(
    "the which what how does do is are for of and to with who young people help support about hello hi thanks thank "
    "please".split()
)
_FR = frozenset("le la les des du pour quel quelle quels et est qui aux une un dans sur avec comment jeunes".split())


class Answer(BaseModel):
    """What the assistant says, and the objectives it cites."""

    model_config = ConfigDict(frozen=True)

    question: str
    query: str
    lang: Lang
    abstain: bool
    confidence: Confidence
    best: Hit | None
    others: tuple[Hit, ...] = ()
    unknown_codes: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    handled_by: str = ""  # refused: the kind of service that usually handles such a request
    closest: Hit | None = None  # a request of the field this contract has no objective for: the nearest one
    unrecognised: bool = False  # no word of the question was recognised
    funding_block: str | None = None
    with_earlier: str = ""  # the earlier question this answer was read with (empty: read alone)
    text: str

    @property
    def cited_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in ([self.best] if self.best else []) + list(self.others))


def compose_answer(
    question: str, history: Sequence[str], searcher: Searcher, *, contract_id: str | None = None
) -> Answer:
    """Answer `question`; `history` holds the user's earlier questions, oldest first."""
    stripped = question.strip()
    lang = detect_language(stripped[:MAX_QUERY_CHARS])
    if not stripped or not any(ch.isalnum() for ch in stripped) or small_talk(stripped[:MAX_QUERY_CHARS]):
        # nothing to search for ("bonjour", "merci", "quel objectif ?"): a search would still cite something
        message = _EMPTY[lang]
        return Answer(question=question, query="", lang=lang, abstain=True, confidence="none", best=None, text=message)
    outline = _outline(stripped[:MAX_QUERY_CHARS], searcher.contracts, contract_id, lang)
    if outline is not None:
        # "axe 5", "priorité 5.1", "5.1": the part of the contract asked for, objective by objective
        return Answer(question=question, query="", lang=lang, abstain=False, confidence="none", best=None, text=outline)
    notices = []
    if len(stripped) > MAX_QUERY_CHARS:
        # cut before anything else reads the text: every later step then costs a bounded amount
        notices.append(_TRUNCATED[lang].format(n=MAX_QUERY_CHARS))
        stripped = stripped[:MAX_QUERY_CHARS]
    query, axis, result = with_context(stripped, history, searcher, contract_id)
    if result is None:
        result = searcher.search(query, k=4, axis=axis, contract=contract_id)
    if axis is not None and not result.hits:
        result = searcher.search(query, k=4, contract=contract_id)
    if contract_id is None and len(searcher.contracts) > 1 and result.hits:
        # several contracts and none chosen: answer within the one that fits best, never a mix
        result = searcher.search(query, k=4, axis=axis, contract=result.hits[0].contract_id)
    earlier = ""
    if query != stripped:
        # the answer leans on earlier questions: say which, so the user can ask again on its own
        earlier = query[: max(0, len(query) - len(stripped))].strip()
        notices.append(_WITH_CONTEXT[lang].format(earlier=earlier))
    if result.corrections:
        read_as = ", ".join(f"« {typed} » → « {fixed} »" for typed, fixed in result.corrections)
        notices.append(_READ_AS[lang].format(words=read_as))
    contract = _contract(searcher.contracts, result)
    citations = list(result.hits)
    best = None if result.abstain or not citations else citations[0]
    # other objectives only where they are plausible: with a margin of CONFIDENT_MARGIN or more the first
    # one was right 98% of the time on the development questions
    others = tuple(h for h in citations[1:3] if best and best.score - h.score < CONFIDENT_MARGIN)
    if earlier and best is not None:
        # a follow-up that lands where the earlier question did: say so, rather than seem to repeat itself
        before = searcher.search(earlier, k=1, contract=best.contract_id)
        if not before.abstain and before.hits and before.hits[0].code == best.code:
            notices.append(_SAME_AS_BEFORE[lang].format(code=best.code, earlier=earlier))
    confidence = index_confidence(result)
    funding = funding_block(best, contract) if best and contract else None
    if funding and confidence == "low":  # copied as it is, it must not pass for a settled choice
        funding += f"\n\n{_CHECK_CHOICE}"
    answer = Answer(
        question=question,
        query=query,
        lang=lang,
        abstain=result.abstain,
        confidence=confidence,
        best=best,
        others=others,
        unknown_codes=result.unknown_codes,
        notices=tuple(notices),
        handled_by=result.handled_by,
        closest=citations[0] if result.gap and citations else None,
        unrecognised=result.unrecognised,
        funding_block=funding,
        with_earlier=earlier,
        text="",
    )
    return answer.model_copy(update={"text": render_markdown(answer)})


def _outline(text: str, contracts: Sequence[Contract], contract_id: str | None, lang: Lang) -> str | None:
    """The objectives of the axis or priority the text asks for ("axe 5", "priorité 5.1", "5.1"), as
    Markdown; None when the text asks something else, or names no single contract to read it in."""
    asked = part_asked(text)
    if asked is None or (contract_id is None and len(contracts) != 1):
        return None
    axis_label, priority_code = asked
    t = _TEXT[lang]
    contract = next(c for c in contracts if contract_id is None or c.id == contract_id)
    if priority_code is not None and (contract.levels.priority is None or contract.find(priority_code)):
        return None  # "2.3" is an objective's code in a contract of two levels: searched as a code
    axis = _find_axis(contract, axis_label)
    axis_word = contract.levels.axis.capitalize() if lang == "fr" else str(t["axis"])
    priority_word = (contract.levels.priority or "").capitalize() if lang == "fr" else str(t["priority"])
    if priority_code is None:
        name, heading = f"{axis_word} {axis.label if axis else axis_label.upper()}", axis.title if axis else ""
        priorities = list(axis.priorities) if axis else []
    else:
        name = f"{priority_word} {priority_code}"
        priorities = []
        if axis is not None:
            priorities = [p for p in axis.priorities if priority_code in (p.label_in(axis), f"{axis.label}.{p.number}")]
        heading = f"{priorities[0].title} ({axis_word} {axis.label} : {axis.title})" if axis and priorities else ""
    if not priorities:
        return str(t["no_part"]).format(name=name)
    lines = [f"**{name}** — {heading}"]
    for priority in priorities:
        if priority_code is None and priority.title and axis is not None:
            lines.append(f"\n{priority_word} {priority.label_in(axis)} — {priority.title}")
        lines += [f"- **{o.code}** — {o.title}" for o in priority.objectives]
    lines.append(f"\n{t['outline_next']}")
    return "\n".join(lines)


def _find_axis(contract: Contract, label: str) -> Axis | None:
    """The axis a user names: by the label the source gives it ("II", "C"), else, in a contract numbering
    its axes in Roman numerals, by their value ("axe 2" for axis II), else by its position."""
    axes = contract.axes
    found = next((a for a in axes if a.label.casefold() == label.casefold()), None)
    if found is None and label.isdigit():
        if any(a.label.upper() in _ROMAN_OF.values() for a in axes):
            return next((a for a in axes if a.label.upper() == _ROMAN_OF.get(int(label))), None)
        found = next((a for a in axes if a.number == int(label)), None)
    return found


_ROMAN_OF = {n: r for n, r in enumerate(("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"), start=1)}


def detect_language(text: str) -> Lang:
    """English when the question has more English than French function words, French otherwise."""
    words = fold(text).replace("?", " ").split()
    english = sum(w in _EN for w in words)
    french = sum(w in _FR for w in words)
    return "en" if english > french else "fr"


_CHECK_CHOICE = "À vérifier avant envoi : réponse peu sûre, comparez avec les autres objectifs proposés."


def funding_block(best: Hit, contract: Contract) -> str:
    """A ready-to-paste block for a funding application (always in French, like the application): the
    contract as people name it, then axis, priority, objective and the matching measures, in plain text."""
    name = contract.name or f"{contract.title} ({contract.period.label()})"
    lines = [
        name,
        *(f"{name} : {title}" for name, title in best.path),
        f"{best.label or 'Objectif ' + best.code} : {best.title}",
    ]
    if best.measures:
        lines.append(f"{contract.levels.measures.capitalize()} concernées :")
        lines.extend(f"- {m.text}" for m in best.measures)
    return "\n".join(lines)


def render_markdown(answer: Answer) -> str:
    """The answer as Markdown for the chat and the terminal."""
    t = _TEXT[answer.lang]
    # on a cited objective, what it is and how sure come first (on a phone the chat shows a few lines)
    parts = list(answer.notices) if answer.best is None else []
    if answer.unknown_codes:
        parts.append(t["unknown"].format(codes=", ".join(answer.unknown_codes)))
    if answer.best is None:
        if answer.unrecognised:
            parts.append(t["unrecognised"])
        elif answer.closest is not None:
            closest = answer.closest
            parts.append(t["gap"].format(code=closest.code, title=closest.title, path=_path_line(closest)))
            parts.append(t["browse"])
        elif not answer.unknown_codes:
            parts.append(t["abstain"])
            if answer.handled_by:
                parts.append(t["handled_by"].format(kind=answer.handled_by))
            parts.append(t["browse"])
        return "\n\n".join(parts)
    best = answer.best
    parts.append(f"{t['best']} **{best.code}** — {best.title}")
    parts.append(t["confidence"][answer.confidence])
    parts.extend(answer.notices)
    parts.append(_path_line(best))
    if best.measures:
        parts.append(t["measures"] + "\n" + "\n".join(_measure_line(m, answer.lang) for m in best.measures))
    if best.precedents:
        lines = [f"- *{escape_markdown(p.title)}*" + _about(p) for p in best.precedents]
        parts.append(t["precedents"] + "\n" + "\n".join(lines))
    if answer.others:
        lines = [
            f"- **{c.code}** — {c.title} ({t['why']} « {c.measures[0].text} »)"
            if c.measures
            else f"- **{c.code}** — {c.title}"
            for c in answer.others
        ]
        parts.append(t["others"] + "\n" + "\n".join(lines))
    parts.append(t["funding"])
    return "\n\n".join(parts)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$<>])")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~$<>])")


def escape_markdown(text: str) -> str:
    """`text` as the chat shows it: every Markdown and HTML character escaped, so that a link, an image,
    a heading or math typed by a user is shown as typed and never rendered (or fetched)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def unescape_markdown(text: str) -> str:
    """The inverse of `escape_markdown` (the history comes back escaped)."""
    return _ESCAPED.sub(r"\1", text)


def plain_text(markdown: str) -> str:
    """An answer's Markdown as plain text for a terminal: no bold or italic marks, escapes undone."""
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", markdown)
    text = re.sub(r"(?<!\w)_\((.+?)\)_(?!\w)", r"(\1)", text)
    text = re.sub(r"(?<![\\*])\*([^*]+?)(?<!\\)\*", r"\1", text)  # a precedent's title in italics
    text = _ESCAPED.sub(r"\1", text)
    # in a terminal the contract is browsed with a command, not a tab
    text = text.replace("dans l'onglet « Parcourir »", "avec la commande « cdv corpus »")
    return text.replace("in the “Parcourir” tab", "with the command “cdv corpus”")


def _contract(contracts: Sequence[Contract], result: SearchResult) -> Contract | None:
    if not result.hits:
        return None
    return next((c for c in contracts if c.id == result.hits[0].contract_id), None)


def _about(precedent: Precedent) -> str:
    return f" ({escape_markdown(precedent.about())})" if precedent.about() else ""


def _path_line(c: Hit) -> str:
    return " › ".join([*(f"{name} ({title})" for name, title in c.path), c.label or f"Objectif {c.code}"])


def _measure_line(measure: MatchedMeasure, lang: Lang) -> str:
    line = f"- {measure.text}"
    if measure.uncertain:
        also = ", ".join(measure.candidates)
        line += (
            f" _(placement incertain dans la source : cette mesure pourrait aussi relever de {also})_"
            if lang == "fr"
            else f" _(uncertain placement in the source: this measure could also belong to {also})_"
        )
    return line


_EMPTY: dict[Lang, str] = {
    "fr": (
        "Posez une question en quelques mots : le public, l'action, le quartier (ex. « aide aux devoirs au collège »)."
    ),
    "en": "Please type a question in a few words: the public, the action (e.g. “homework help for pupils”).",
}
_READ_AS: dict[Lang, str] = {
    "fr": "Lu comme : {words}.",
    "en": "Read as: {words}.",
}
_SAME_AS_BEFORE: dict[Lang, str] = {
    "fr": "Votre précision ne change pas l'objectif : c'est toujours le {code}, comme pour « {earlier} ».",
    "en": "What you added does not change the objective: still {code}, as for “{earlier}”.",
}
_WITH_CONTEXT: dict[Lang, str] = {
    "fr": "Compris avec votre question précédente : « {earlier} ». Pour une question indépendante, posez-la en entier.",
    "en": "Read with your earlier question: “{earlier}”. For a question on its own, ask it in full.",
}
_TRUNCATED: dict[Lang, str] = {
    "fr": "Votre texte est très long : seuls les {n} premiers caractères ont été utilisés.",
    "en": "Your text is very long: only its first {n} characters were used.",
}
_TEXT: dict[Lang, dict[str, Any]] = {
    "fr": {
        "best": "Objectif le plus adapté :",
        "measures": "Mesures du contrat qui correspondent :",
        "precedents": "Déjà financé sous cet objectif :",
        "others": "Autres objectifs possibles :",
        "why": "car",
        "funding": "Le texte « Pour votre dossier » est prêt à copier dans votre demande de subvention.",
        "abstain": "Aucun objectif du contrat de ville ne semble couvrir cette demande.",
        "gap": (
            "Ce contrat n'a pas d'objectif dédié à cette demande ; le plus proche : **{code}** — {title}"
            " ({path}). À vérifier avec le chef de projet politique de la ville avant de le citer."
        ),
        "axis": "Axe",
        "priority": "Priorité",
        "no_part": "{name} n'existe pas dans le contrat : parcourez-le dans l'onglet « Parcourir ».",
        "outline_next": "Demandez un code (ex. 5.1.3) pour ses mesures, ou décrivez votre action.",
        "unrecognised": (
            "Je n'ai reconnu aucun mot dans votre question. Écrivez-la en quelques mots : le public, l'action, "
            "le quartier (ex. « aide aux devoirs au collège »)."
        ),
        "handled_by": "Ce type de demande relève plutôt d'un autre service : {kind}.",
        "browse": (
            "Si votre action vise bien les habitants des quartiers prioritaires, décrivez-la autrement "
            "ou parcourez le contrat dans l'onglet « Parcourir »."
        ),
        "unknown": (
            "Le code {codes} n'existe pas dans le contrat : vérifiez le numéro "
            "(forme axe.priorité.objectif, ex. 5.1.3)."
        ),
        "confidence": {
            "high": "Confiance : **sûr**.",
            "medium": "Confiance : **assez sûr** ; vérifiez aussi les autres pistes ci-dessous.",
            "low": "Confiance : **peu sûr** ; plusieurs objectifs sont proches, comparez les pistes ci-dessous.",
            "none": "",
        },
    },
    "en": {
        "best": "Best matching objective:",
        "measures": "Matching measures of the contract (quoted in French):",
        "precedents": "Already funded under this objective:",
        "others": "Other possible objectives:",
        "why": "because of",
        "funding": "The “Pour votre dossier” text is ready to paste into the (French) funding application.",
        "abstain": "No objective of the contract seems to cover this request.",
        "gap": (
            "This contract has no objective dedicated to this request; the closest is **{code}** — {title}"
            " ({path}). Check with the urban-policy project lead before citing it."
        ),
        "axis": "Axis",
        "priority": "Priority",
        "no_part": "{name} does not exist in the contract: browse it in the “Parcourir” tab.",
        "outline_next": "Ask for a code (e.g. 5.1.3) to see its measures, or describe your action.",
        "unrecognised": (
            "I did not recognise any word in your question. Please type it in a few words: the public, the "
            "action (e.g. “homework help for pupils”)."
        ),
        "handled_by": "This kind of request is usually handled by another service: {kind}.",
        "browse": (
            "If your action does serve the residents of priority neighbourhoods, describe it differently "
            "or browse the contract in the “Parcourir” tab."
        ),
        "unknown": (
            "Code {codes} does not exist in the contract: check the number (axis.priority.objective, e.g. 5.1.3)."
        ),
        "confidence": {
            "high": "Confidence: **sure**.",
            "medium": "Confidence: **fairly sure**; check the other options below too.",
            "low": "Confidence: **unsure**; several objectives are close, compare the options below.",
            "none": "",
        },
    },
}
