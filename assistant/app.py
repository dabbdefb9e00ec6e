"""The Gradio page: chat with cited objectives, a browsable contract, the raw ranking, and feedback."""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from assistant.answer import Answer, compose_answer
from assistant.feedback import FeedbackStore
from assistant.limits import BodySizeLimit, cut
from assistant.settings import Settings
from corpus import Contract
from index import MAX_QUERY_CHARS, Searcher, SearchResult, fold

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Server-side limits on what each event reads: the browser's max_length is only a courtesy, any client
# can post more. Past them the text is cut (and the user told), so every step costs a bounded amount.
MAX_HISTORY_MESSAGES = 40
MAX_MESSAGE_CHARS = 20_000  # a message of the history as sent back by the client (answers included)
MAX_FILTER_CHARS = 200
MAX_CODE_CHARS = 50
MAX_BODY_BYTES = 2_000_000  # one request body; a 10 MB post is refused before it is parsed
ANSWER_BUDGET_SECONDS = 5.0  # one question may not hold a worker longer than this

# shown when no loaded contract lists examples of its own (`examples` in the contract file)
DEFAULT_EXAMPLES = [
    "aide aux devoirs pour les collégiens du quartier",
    "chantier d'insertion",
    "aide aux victimes de violences conjugales",
    "which objective covers school absenteeism?",
]
ALL_AXES = "Tous les axes"
# After an answer: scroll the chat so that the question and the start of the answer (the cited code and
# its title) are in view, not its end; on a phone, also bring the chat itself into view.
SHOW_ANSWER = """
async () => {
  await new Promise((done) => setTimeout(done, 80));
  const wrap = document.querySelector('#chat .bubble-wrap');
  const answers = document.querySelectorAll('#chat .message-row.bot-row');
  if (!wrap || !answers.length) return;
  const answer = answers[answers.length - 1];
  const asked = answer.previousElementSibling;
  const target = asked && asked.classList.contains('user-row') ? asked : answer;
  wrap.scrollTop += target.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8;
  const chat = document.querySelector('#chat');
  const top = chat.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight / 2) chat.scrollIntoView({block: 'start'});
}
"""
CSS = """
.cdv-card {border:1px solid #d0d7de; border-radius:8px; padding:10px 12px; margin-bottom:10px;}
.cdv-card h4 {margin:0 0 4px 0;}
.cdv-path {color:#57606a; font-size:0.9em;}
.cdv-card mark {background:#fff3b0;}
.cdv-uncertain {color:#9a6700; font-size:0.9em;}
.cdv-ranking {width:100%; border-collapse:collapse; table-layout:fixed;}
.cdv-ranking th, .cdv-ranking td {padding:6px 4px; border-bottom:1px solid #d0d7de; vertical-align:top;
  text-align:left; overflow-wrap:anywhere;}
.cdv-ranking th:nth-child(1), .cdv-ranking td:nth-child(1) {width:3.5em;}
.cdv-ranking th:nth-child(2), .cdv-ranking td:nth-child(2) {width:4em;}
.cdv-ranking th:nth-child(4), .cdv-ranking td:nth-child(4) {width:22%;}
.cdv-bar {height:0.8em; background:#6b8afd; border-radius:4px; margin-top:0.4em;}
"""


def build_app(searcher: Searcher, store: FeedbackStore) -> gr.Blocks:
    """The whole page; models and indexes are already loaded in `searcher`."""
    names = ", ".join(c.name or f"{c.title} ({c.period.label()})" for c in searcher.contracts)
    examples = list(dict.fromkeys(e for c in searcher.contracts for e in c.examples)) or DEFAULT_EXAMPLES
    with gr.Blocks(title=f"Assistant — {names}"[:120], analytics_enabled=False) as app:
        gr.Markdown(
            "# Assistant du contrat de ville\n"
            f"{_contract_line(searcher.contracts)}. Décrivez votre action ou posez votre question : "
            "l'assistant cite les objectifs opérationnels du contrat qui la couvrent."
        )
        last = gr.State(None)
        # several contracts loaded: the user picks one, and every answer, tree and ranking stays within it
        ids = [c.id for c in searcher.contracts]
        chosen = gr.State(ids[0])
        contract_choice = gr.Dropdown(
            [(c.name or f"{c.title} ({c.period.label()})", c.id) for c in searcher.contracts],
            value=ids[0],
            label="Contrat",
            elem_id="contract",
            visible=len(ids) > 1,
        )
        contract_choice.change(lambda value: value if value in ids else ids[0], contract_choice, chosen)
        with gr.Tab("Discussion"):
            with gr.Row():
                with gr.Column(scale=3):
                    # no math rendering: `$$…$$` typed by a user is shown as typed
                    chatbot = gr.Chatbot(
                        label="Discussion",
                        show_label=False,  # the tab already says it; the floating label hid the first line
                        height=560,
                        elem_id="chat",
                        latex_delimiters=[],
                        autoscroll=False,  # SHOW_ANSWER puts the start of the answer in view instead
                        buttons=[],  # Gradio's share/clear/copy icons sat over the cited code on a phone
                    )
                    question = gr.Textbox(
                        label="Votre question",
                        placeholder="ex. aide aux devoirs pour les collégiens du quartier",
                        elem_id="question",
                        max_length=MAX_QUERY_CHARS * 5,
                        submit_btn="Envoyer",
                    )
                    gr.Examples(examples, inputs=question, label="Exemples")
                with gr.Column(scale=2):
                    sources = gr.HTML(label="Sources", elem_id="sources", value=_empty_sources())
                    # plain text with a copy button, to paste into the application form as it is
                    funding = gr.Textbox(
                        label="Pour votre dossier",
                        buttons=["copy"],
                        elem_id="funding",
                        lines=8,
                        max_lines=30,
                        interactive=False,
                        autoscroll=False,
                    )
            with gr.Accordion("Cette réponse vous a-t-elle aidé ?", open=False, elem_id="feedback"):
                rating = gr.Radio(["👍 Oui", "👎 Non"], label="Votre avis", elem_id="rating")
                correct = gr.Textbox(
                    label="Si non : le code qui vous semble juste (ex. 5.1.3)",
                    elem_id="correct",
                    max_length=MAX_CODE_CHARS,
                )
                comment = gr.Textbox(label="Commentaire (facultatif)", elem_id="comment", max_length=5000)
                send = gr.Button("Envoyer mon avis", elem_id="send-feedback")
                status = gr.Markdown(elem_id="feedback-status")
        with gr.Tab("Parcourir"):
            with gr.Row():
                words = gr.Textbox(label="Filtrer par mots", elem_id="browse-words", max_length=MAX_FILTER_CHARS)
                axis_choice = gr.Dropdown(
                    [ALL_AXES, *_axis_labels(searcher.contracts)], value=ALL_AXES, label="Axe"
                )
            tree = gr.HTML(value=browse_html(searcher.contracts, "", None), elem_id="tree")
        with gr.Tab("Recherche"):
            raw_question = gr.Textbox(
                label="Question",
                elem_id="raw-question",
                max_length=MAX_QUERY_CHARS,
                placeholder="ex. marchands de sommeil (Entrée pour chercher)",
            )
            retriever = gr.Radio(
                [("les deux (recommandé)", "hybrid"), ("par les mots", "lexical"), ("par le sens", "dense")],
                value="hybrid",
                label="Chercher",
            )
            ranking = gr.HTML(elem_id="ranking", value=_empty_ranking())

        def respond(message: str, history: list[Any] | None, _last: Any, contract_id: str) -> tuple[Any, ...]:
            message, _ = cut(message, MAX_QUERY_CHARS * 5)  # compose_answer cuts further and says so
            history = normalise_history(history)
            earlier = [m["content"] for m in history if m["role"] == "user" and m["content"]]
            within = contract_id if contract_id in ids else ids[0]
            answer = within_budget(
                lambda: compose_answer(
                    message, [unescape_markdown(q) for q in earlier], searcher, contract_id=within
                ),
                ANSWER_BUDGET_SECONDS,
            )
            # the chat renders Markdown: escape the user's text so that markup in it shows as typed
            shown = escape_markdown(message[:MAX_QUERY_CHARS] + ("…" if len(message) > MAX_QUERY_CHARS else ""))
            if answer is None:
                history += [{"role": "user", "content": shown}, {"role": "assistant", "content": _TOO_SLOW}]
                return history, _empty_sources(), "", None, ""
            history += [{"role": "user", "content": shown}, {"role": "assistant", "content": answer.text}]
            state = {
                "question": answer.query or message,
                "typed": message,
                "codes": list(answer.cited_codes),
                "contract": within,
            }
            return history, sources_html(answer, searcher.contracts), answer.funding_block or "", state, ""

        answered = question.submit(
            respond, [question, chatbot, last, chosen], [chatbot, sources, funding, last, question], api_name="respond"
        )

        def reset_feedback() -> tuple[Any, ...]:
            # a new answer gets a fresh form: no thumb, code or "Merci" left from the previous one
            return None, "", "", ""

        answered.then(reset_feedback, None, [rating, correct, comment, status], api_visibility="private")
        answered.then(None, None, None, js=SHOW_ANSWER)

        known_codes = {c.id: {o.code for _, _, o in c.objectives()} for c in searcher.contracts}

        def save_feedback(choice: str | None, code: str, text: str, state: dict[str, Any] | None) -> str:
            if not state:
                return "Posez d'abord une question : l'avis porte sur la dernière réponse."
            if not choice:
                return "Choisissez 👍 ou 👎."
            vote = 1 if str(choice).startswith("👍") else -1
            code, _ = cut(code, MAX_CODE_CHARS)
            text, _ = cut(text, MAX_FEEDBACK_CHARS)
            try:
                store.add(
                    str(state["question"])[:MAX_FEEDBACK_CHARS],
                    [str(c) for c in state["codes"]][:10],
                    vote,
                    comment=text,
                    correct_code=code if vote == -1 else None,
                    typed=str(state.get("typed") or "")[:MAX_FEEDBACK_CHARS] or None,
                    known_codes=known_codes.get(str(state.get("contract")), set()),
                    contract=str(state.get("contract") or "") or None,
                )
            except (ValueError, KeyError, TypeError) as exc:
                return f"Avis non enregistré : {html.escape(str(exc))}"
            return "Merci, votre avis est enregistré."

        send.click(save_feedback, [rating, correct, comment, last], [status], api_name="feedback")

        def browse(text: str, axis_label: str, contract_id: str) -> str:
            words, was_cut = cut(text, MAX_FILTER_CHARS)
            shown = [c for c in searcher.contracts if c.id == contract_id] or searcher.contracts[:1]
            tree = browse_html(shown, words, _axis_number(axis_label))
            if was_cut:
                return f"<p>Filtre trop long : seuls ses {MAX_FILTER_CHARS} premiers caractères ont été lus.</p>{tree}"
            return tree

        words.change(browse, [words, axis_choice, chosen], [tree], api_name="browse")
        axis_choice.change(browse, [words, axis_choice, chosen], [tree], api_visibility="private")
        chosen.change(browse, [words, axis_choice, chosen], [tree], api_visibility="private")

        def rank(text: str, method: str, contract_id: str) -> str:
            text, _ = cut(text, MAX_QUERY_CHARS + 1)  # one more: the search sees it is long and says so
            if not text.strip() or method not in ("hybrid", "lexical", "dense"):
                return _empty_ranking()
            within = contract_id if contract_id in ids else ids[0]
            result = searcher.search(text, k=10, retriever=method, contract=within)  # type: ignore[arg-type]
            return ranking_html(result)

        raw_question.submit(rank, [raw_question, retriever, chosen], [ranking], api_name="rank")
        retriever.change(rank, [raw_question, retriever, chosen], [ranking], api_visibility="private")
        chosen.change(rank, [raw_question, retriever, chosen], [ranking], api_visibility="private")
    return app  # type: ignore[no-any-return]


def launch(app: gr.Blocks, settings: Settings, *, block: bool = True) -> None:
    """Serve on the configured host; loopback by default, never a share link, optional password.

    Args:
        block: wait for the server to stop (False returns once it is up, for tests and scripts).
    """
    auth = (settings.username, settings.password) if settings.password else None
    if not settings.is_loopback and auth is None:
        logger.warning(
            "\n%s\nWARNING: serving on %s WITHOUT A PASSWORD: anyone on the network can use the assistant.\n"
            "Set CDV_PASSWORD (and CDV_USERNAME) to require a login.\n%s",
            "!" * 72,
            settings.host,
            "!" * 72,
        )
    app.queue(default_concurrency_limit=4, max_size=256)
    try:
        _launch(app, settings, auth, block)
    except OSError as exc:
        raise OSError(
            f"Cannot serve on {settings.host}:{settings.port} ({exc}). Choose another port with --port or CDV_PORT."
        ) from exc


def _launch(app: gr.Blocks, settings: Settings, auth: tuple[str, str] | None, block: bool) -> None:
    from starlette.middleware import Middleware

    app.launch(
        app_kwargs={"middleware": [Middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)]},
        footer_links=[],  # Gradio's footer is in English and points to tools users do not need
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        auth=auth,
        show_error=False,
        blocked_paths=[str(settings.feedback_db.parent)],
        theme=gr.themes.Soft(),
        css=CSS,
        prevent_thread_lock=not block,
        quiet=True,
    )


def security_warning(settings: Settings) -> str | None:
    """The loud warning for a page open to the network without a password, else None."""
    if settings.is_loopback or settings.password:
        return None
    bar = "!" * 72
    return (
        f"\n{bar}\nWARNING: serving on {settings.host} WITHOUT A PASSWORD: anyone on the network can use the"
        f" assistant and send feedback.\nSet CDV_PASSWORD (and CDV_USERNAME) to require a login.\n{bar}"
    )


def normalise_history(history: list[Any] | None) -> list[dict[str, str]]:
    """Chat history as role/content dicts with plain-text content (the last messages only, each cut).

    The browser sends content as a list of text blocks, gradio_client as plain strings.
    """
    messages = []
    items = history if isinstance(history, list) else []
    for item in items[-MAX_HISTORY_MESSAGES:]:
        if isinstance(item, dict):
            role, content = item.get("role", "user"), item.get("content", "")
        elif isinstance(item, list | tuple) and len(item) == 2:
            messages.append({"role": "user", "content": _text(item[0])})
            role, content = "assistant", item[1]
        else:
            continue
        messages.append({"role": str(role), "content": _text(content)[:MAX_MESSAGE_CHARS]})
    return messages


def user_questions(history: list[Any] | None) -> list[str]:
    """The user's earlier questions, oldest first (as typed: the display escaping is undone)."""
    return [
        unescape_markdown(m["content"]) for m in normalise_history(history) if m["role"] == "user" and m["content"]
    ]


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$<>])")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~$<>])")


def escape_markdown(text: str) -> str:
    """`text` as the chat shows it: every Markdown and HTML character escaped, so that a link, an image,
    a heading or math typed by a user is shown as typed and never rendered (or fetched)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def unescape_markdown(text: str) -> str:
    """The inverse of `escape_markdown` (the history comes back escaped)."""
    return _ESCAPED.sub(r"\1", text)


def within_budget(work: Callable[[], T], seconds: float) -> T | None:
    """`work()`, or None when it takes longer than `seconds` (the worker is then free again; the late
    result is dropped)."""
    future = _BUDGET_POOL.submit(work)
    try:
        return future.result(timeout=seconds)
    except FutureTimeout:
        logger.warning("A question took longer than %.0f s: answered with a notice", seconds)
        return None


_BUDGET_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="cdv-answer")


def sources_html(answer: Answer, contracts: list[Contract]) -> str:
    """One card per cited objective: code, path, and its measures with the matching ones highlighted."""
    citations = ([answer.best] if answer.best else []) + list(answer.others)
    if not citations:
        return _empty_sources()
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
        label = "Objectif cité" if rank == 0 else "Autre piste"
        cards.append(
            f'<div class="cdv-card" data-code="{html.escape(citation.code)}">'
            f"<h4>{label} : {html.escape(citation.code)} — {html.escape(citation.title)}</h4>"
            f'<div class="cdv-path">Axe {citation.axis_number} : {html.escape(citation.axis_title)} › '
            f"Priorité {citation.axis_number}.{citation.priority_number} : {html.escape(citation.priority_title)}</div>"
            f"<ul>{''.join(items)}</ul></div>"
        )
    return "<div>" + "".join(cards) + "</div>"


def ranking_html(result: SearchResult) -> str:
    """The ranked objectives in plain words: rank, code, title, and how relevant each is next to the first
    (a bar; the scores themselves mean nothing to a reader)."""
    if not result.hits:
        return _empty_ranking()
    scores = [h.score for h in result.hits]
    top, low = max(scores), min(scores)
    rows = []
    for number, hit in enumerate(result.hits, start=1):
        share = 100 if top == low else round(100 * (hit.score - low) / (top - low))
        ranks = f"par les mots : {hit.lexical_rank}" + (
            f" · par le sens : {hit.dense_rank}" if hit.dense_rank is not None else ""
        )
        rows.append(
            f'<tr data-code="{html.escape(hit.code)}"><td>{number}</td><td><b>{html.escape(hit.code)}</b></td>'
            f'<td>{html.escape(hit.title)}<div class="cdv-path">rang {ranks}</div></td>'
            f'<td><div class="cdv-bar" style="width:{max(share, 4)}%"></div></td></tr>'
        )
    note = "<p>Aucun objectif ne semble couvrir cette question ; les plus proches :</p>" if result.abstain else ""
    if result.truncated:
        note = f"<p>Question très longue : seuls ses {MAX_QUERY_CHARS} premiers caractères ont été lus.</p>" + note
    return (
        f'{note}<table class="cdv-ranking"><thead><tr><th>rang</th><th>code</th><th>objectif</th>'
        f"<th>pertinence</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
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
            for p in a.priorities:
                objectives = []
                for o in p.objectives:
                    haystack = fold(" ".join([o.code, o.title, *(m.text for m in o.measures), *o.vocabulary]))
                    if not all(n in haystack for n in needles):
                        continue
                    measures = "".join(f"<li>{html.escape(m.text)}</li>" for m in o.measures)
                    objectives.append(
                        f"<details{' open' if needles else ''}><summary><b>{o.code}</b> {html.escape(o.title)}"
                        f"</summary><ul>{measures}</ul></details>"
                    )
                if objectives:
                    priorities.append(
                        f"<details open><summary>Priorité {a.number}.{p.number} : {html.escape(p.title)}</summary>"
                        f"<div style='margin-left:1em'>{''.join(objectives)}</div></details>"
                    )
            if priorities:
                blocks.append(
                    f"<details open><summary><b>Axe {a.number} : {html.escape(a.title)}</b></summary>"
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


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("value") or "")
    if isinstance(content, list | tuple):
        return " ".join(_text(part) for part in content).strip()
    return ""


MAX_FEEDBACK_CHARS = 5000
_TOO_SLOW = (
    "La recherche a pris trop de temps et a été interrompue. Reformulez votre question plus brièvement, "
    "ou réessayez dans un instant."
)


def _empty_ranking() -> str:
    return "<p>Tapez une question puis Entrée : les objectifs apparaissent ici, du plus au moins pertinent.</p>"


def _empty_sources() -> str:
    return "<p>Les objectifs cités apparaîtront ici.</p>"


def _contract_line(contracts: list[Contract]) -> str:
    return "; ".join(c.name or f"{c.title}, {c.territory}, période {c.period.label()}" for c in contracts)


def _axis_labels(contracts: list[Contract]) -> list[str]:
    return list(dict.fromkeys(f"Axe {a.number} : {a.title}" for c in contracts for a in c.axes))


def _axis_number(label: str | None) -> int | None:
    if not label or label == ALL_AXES:
        return None
    return int(label.split(":")[0].removeprefix("Axe").strip())
