"""What the page shows, as HTML or escaped Markdown: source cards, the ranking, the contract tree."""

from __future__ import annotations

import html
from typing import Any

from assistant.answer import Answer, escape_markdown, unescape_markdown
from corpus import Contract
from index import MAX_QUERY_CHARS, SearchResult, fold

ALL_AXES = "Tous les axes"
__all__ = ["escape_markdown", "unescape_markdown"]  # with the functions below


def sources_html(answer: Answer, contracts: list[Contract]) -> str:
    """One card per cited objective: code, path, and its measures with the matching ones highlighted."""
    citations = ([answer.best] if answer.best else []) + list(answer.others)
    if not citations:
        return empty_sources()
    cards = []
    for rank, citation in enumerate(citations):
        # the cited objective's matching measures; for another lead only the one measure that makes it one
        matched = {m.text for m in (citation.measures if rank == 0 else citation.measures[:1])}
        objective = _objective(contracts, citation.contract_id, citation.code)
        items = []
        for measure in objective.measures if objective else citation.measures:
            text = html.escape(measure.text)
            if measure.text in matched:
                text = f"<mark>{text}</mark>"
            if measure.uncertain:
                text += (
                    f' <span class="cdv-uncertain">(placement incertain : pourrait aussi relever de '
                    f"{html.escape(', '.join(measure.candidates))})</span>"
                )
            items.append(f"<li>{text}</li>")
        precedents = "".join(f"<li>{html.escape(p.line())}</li>" for p in citation.precedents)
        if precedents:
            precedents = f'<div class="cdv-precedents">Déjà financé sous cet objectif :<ul>{precedents}</ul></div>'
        label = "Objectif cité" if rank == 0 else "Autre piste"
        cards.append(
            f'<div class="cdv-card" data-code="{html.escape(citation.code)}">'
            f"<h4>{label} : {html.escape(citation.code)} — {html.escape(citation.title)}</h4>"
            f'<div class="cdv-path">{html.escape(citation.where())} › {html.escape(citation.label)}</div>'
            f"<ul>{''.join(items)}</ul>{precedents}</div>"
        )
    return "<div>" + "".join(cards) + "</div>"


def ranking_html(result: SearchResult) -> str:
    """The ranked objectives in plain words: rank and code, then the title and how relevant each is next to
    the first (a bar; the scores themselves mean nothing to a reader). Two columns, so that on a phone the
    title's column is wide enough for its longest words."""
    if not result.hits:
        return empty_ranking()
    scores = [h.score for h in result.hits]
    top, low = max(scores), min(scores)
    rows = []
    for number, hit in enumerate(result.hits, start=1):
        share = 100 if top == low else round(100 * (hit.score - low) / (top - low))
        ranks = f"par les mots&nbsp;: {hit.lexical_rank}" + (
            f" · par le sens&nbsp;: {hit.dense_rank}" if hit.dense_rank is not None else ""
        )
        rows.append(
            f'<tr data-code="{html.escape(hit.code)}"><td><span class="cdv-path">{number}</span><br>'
            f"<b>{html.escape(hit.code)}</b></td><td>{html.escape(hit.title)}"
            f'<div class="cdv-path">rang {ranks}</div><div class="cdv-bar" style="width:{max(share, 4)}%"'
            f' title="pertinence"></div></td></tr>'
        )
    note = "<p>Aucun objectif ne semble couvrir cette question ; les plus proches :</p>" if result.abstain else ""
    if result.truncated:
        note = f"<p>Question très longue : seuls ses {MAX_QUERY_CHARS} premiers caractères ont été lus.</p>" + note
    return (
        f'{note}<table class="cdv-ranking"><thead><tr><th>rang, code</th><th>objectif, pertinence</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def browse_html(contracts: list[Contract], words: str, axis: int | None) -> str:
    """The contract as a nested tree, keeping only objectives that contain all the words."""
    needles = [fold(w) for w in (words or "").split() if w.strip()]
    blocks = []
    for contract in contracts:
        blocks.append(f"<h3>{html.escape(contract.title)} ({contract.period.label()})</h3>")
        for a in contract.axes:
            if axis is not None and a.number != axis:
                continue
            priorities = []
            path = contract.path(a, a.priorities[0])
            for p in a.priorities:
                objectives = []
                for o in p.objectives:
                    texts = [o.code, o.title, o.description or "", *(m.text for m in o.measures), *o.vocabulary]
                    haystack = fold(" ".join(texts))
                    if not all(n in haystack for n in needles):
                        continue
                    measures = "".join(f"<li>{html.escape(m.text)}</li>" for m in o.measures)
                    if o.description:
                        measures = f"<p>{html.escape(o.description)}</p>{measures}"
                    objectives.append(
                        f"<details{' open' if needles else ''}><summary><b>{o.code}</b> {html.escape(o.title)}"
                        f"</summary><ul>{measures}</ul></details>"
                    )
                if objectives and p.title is None:  # no middle level: objectives right under the axis
                    priorities.extend(objectives)
                elif objectives:
                    name, title = contract.path(a, p)[-1]
                    priorities.append(
                        f"<details open><summary>{html.escape(name)} : {html.escape(title)}</summary>"
                        f"<div style='margin-left:1em'>{''.join(objectives)}</div></details>"
                    )
            if priorities:
                blocks.append(
                    f"<details open><summary><b>{html.escape(path[0][0])} : {html.escape(a.title)}</b></summary>"
                    f"<div style='margin-left:1em'>{''.join(priorities)}</div></details>"
                )
    if len(blocks) == len(contracts):
        blocks.append("<p>Aucun objectif ne contient ces mots.</p>")
    return "".join(blocks)


def _objective(contracts: list[Contract], contract_id: str, code: str) -> Any:
    for contract in contracts:
        if contract.id == contract_id:
            found = contract.find(code)
            return found[2] if found else None
    return None


def empty_ranking() -> str:
    """The Recherche tab before a question."""
    return "<p>Tapez une question puis Entrée : les objectifs apparaissent ici, du plus au moins pertinent.</p>"


def empty_sources() -> str:
    """The sources panel before an answer."""
    return "<p>Les objectifs cités apparaîtront ici.</p>"


def contract_line(contracts: list[Contract]) -> str:
    """The loaded contracts, named as people write them, for the page's header."""
    return "; ".join(c.name or f"{c.title}, {c.territory}, période {c.period.label()}" for c in contracts)


def axis_labels(contracts: list[Contract]) -> list[str]:
    """The choices of the axis filter."""
    return list(_axis_choices(contracts))


def axis_number(label: str | None, contracts: list[Contract]) -> int | None:
    """The axis number of a filter choice (None for all axes, or a choice no loaded contract has)."""
    if not label or label == ALL_AXES:
        return None
    return _axis_choices(contracts).get(label)


def _axis_choices(contracts: list[Contract]) -> dict[str, int]:
    choices: dict[str, int] = {}
    for contract in contracts:
        for axis in contract.axes:
            choices.setdefault(f"{contract.path(axis, axis.priorities[0])[0][0]} : {axis.title}", axis.number)
    return choices
