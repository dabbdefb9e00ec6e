"""The Gradio page: chat with cited objectives, a browsable contract, the raw ranking, and feedback."""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from assistant.answer import compose_answer, funding_block
from assistant.feedback import FeedbackStore
from assistant.french import FrenchInterface
from assistant.limits import BodySizeLimit, ClosedRoutes, HistoryGuard, cut
from assistant.render import (
    ALL_AXES,
    axis_labels,
    axis_number,
    browse_html,
    contract_line,
    empty_ranking,
    empty_sources,
    escape_markdown,
    ranking_html,
    sources_html,
    unescape_markdown,
)
from assistant.settings import Settings
from index import MAX_QUERY_CHARS, MatchedMeasure, Searcher

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
# sessions whose state the server keeps (the oldest is dropped past it): a session holds its last answer
# (the question cut to MAX_FEEDBACK_CHARS, the cited objectives), a few kilobytes, so memory stays bounded
# however many anonymous clients come; the page library's default is 10,000
MAX_SESSIONS = 1_000
# and for how long: a session's last answer and contract choice are dropped this long after its last
# event (a vote after that asks for a question first); the conversation itself is kept in the browser
SESSION_SECONDS = 2 * 3600

# shown when no loaded contract lists examples of its own (`examples` in the contract file)
DEFAULT_EXAMPLES = [
    "aide aux devoirs pour les collégiens du quartier",
    "chantier d'insertion",
    "aide aux victimes de violences conjugales",
    "which objective covers school absenteeism?",
]
# After an answer: scroll the chat so that the question and the start of the answer (the cited code, its
# title and the confidence) are in view, not its end; a question taller than a third of the chat (a pasted
# summary) is scrolled past to the answer; on a phone, also bring the chat itself into view.
SHOW_ANSWER = """
async () => {
  await new Promise((done) => setTimeout(done, 80));
  const wrap = document.querySelector('#chat .bubble-wrap');
  const answers = document.querySelectorAll('#chat .message-row.bot-row');
  if (!wrap || !answers.length) return;
  const answer = answers[answers.length - 1];
  const asked = answer.previousElementSibling;
  const short = asked && asked.getBoundingClientRect().height < wrap.clientHeight / 3;
  const target = short && asked.classList.contains('user-row') ? asked : answer;
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
/* columns wide enough for their words: text wraps between words, never inside one */
.cdv-ranking th, .cdv-ranking td {padding:6px 4px; border-bottom:1px solid #d0d7de; vertical-align:top;
  text-align:left; overflow-wrap:break-word;}
.cdv-ranking th:nth-child(1), .cdv-ranking td:nth-child(1) {width:5em;}
.cdv-bar {height:0.8em; background:#6b8afd; border-radius:4px; margin-top:0.4em;}
.cdv-precedents {margin-top:6px; font-size:0.92em; color:#24292f;}
#funding:has(textarea:placeholder-shown) {display:none;}
/* the funding text's copy button says what it does, not an icon alone */
#funding button[aria-label^="Copi"] {width:auto; padding:2px 8px; gap:4px;}
#funding button[aria-label^="Copi"]::after {content:"Copier"; font-size:0.9em;}
/* the chat's own icons sat over the messages on a phone: its trash icon (which emptied the chat but not the
   cards; "Nouvelle conversation" does it all) and its floating scroll-down arrow (each answer is scrolled
   into view by the page itself) */
#chat .icon-button-wrapper.top-panel, #chat .scroll-down-button-container {display:none !important;}
/* on a phone the input, the welcome and the examples are in view on first load: a shorter chat box */
@media (max-width: 640px) {
  #chat {height:34vh !important; min-height:180px;}
  #intro h1 {font-size:1.35em; margin-bottom:2px;}
  #intro p {font-size:0.92em; line-height:1.3;}
}
"""
# shown in the empty chat: what to type, and what comes back
WELCOME = (
    "**Bonjour !** Décrivez votre action ou votre question en quelques mots (ou collez le résumé du projet).\n\n"
    "L'assistant cite l'objectif du contrat qui la couvre, avec un texte prêt à copier pour votre dossier."
)
SYSTEM_FONTS = ("system-ui", "-apple-system", "Segoe UI", "Roboto", "Noto Sans", "Arial", "sans-serif")


def build_app(searcher: Searcher, store: FeedbackStore) -> gr.Blocks:
    """The whole page; models and indexes are already loaded in `searcher`."""
    names = ", ".join(c.name or f"{c.title} ({c.period.label()})" for c in searcher.contracts)
    examples = list(dict.fromkeys(e for c in searcher.contracts for e in c.examples)) or DEFAULT_EXAMPLES
    with gr.Blocks(title=f"Assistant — {names}"[:120], analytics_enabled=False) as app:
        gr.Markdown(
            elem_id="intro",
            value=f"# Assistant du contrat de ville\n{contract_line(searcher.contracts)}.",
        )
        last = gr.State(None, time_to_live=SESSION_SECONDS)
        # the conversation kept in this browser (encrypted by the page library), so that a reload does not
        # lose it; read back through normalise_history like any history a client sends
        saved = gr.BrowserState([], storage_key="cdv-conversation")
        # several contracts loaded: the user picks one, and every answer, tree and ranking stays within it
        ids = [c.id for c in searcher.contracts]
        chosen = gr.State(ids[0], time_to_live=SESSION_SECONDS)
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
                        height=470,  # with the input and three examples below it on a 900 px screen
                        elem_id="chat",
                        latex_delimiters=[],
                        autoscroll=False,  # SHOW_ANSWER puts the start of the answer in view instead
                        buttons=[],  # Gradio's share/clear/copy icons sat over the cited code on a phone
                        placeholder=WELCOME,
                    )
                    # shown when the answer was read with an earlier question: one tap asks it again on its own
                    alone_again = gr.Button("Question indépendante", elem_id="ask-alone", visible=False, size="sm")
                    # right under the answer, so that on a phone it is on the answer's first screen: plain text
                    # with a copy button, to paste into the application form as it is (hidden while empty)
                    funding = gr.Textbox(
                        label="Pour votre dossier",
                        placeholder="Le texte pour votre dossier apparaîtra ici.",
                        buttons=["copy"],
                        elem_id="funding",
                        lines=5,
                        max_lines=30,
                        interactive=False,
                        autoscroll=False,
                    )
                    # the cited objective or another plausible one: the funding text follows the choice
                    use = gr.Radio([], label="Objectif retenu pour le dossier", elem_id="use-objective", visible=False)
                    # the measures quoted in the funding text: untick one to leave it out
                    quoted = gr.CheckboxGroup(
                        [], label="Mesures citées dans le dossier", elem_id="quoted-measures", visible=False
                    )
                    question = gr.Textbox(
                        label="Votre question",
                        placeholder="ex. aide aux devoirs pour les collégiens du quartier",
                        elem_id="question",
                        max_length=MAX_QUERY_CHARS * 5,
                        submit_btn="Envoyer",
                    )
                    gr.Examples(examples, inputs=question, label="Exemples")
                    # a new subject: read the question alone, whatever the conversation before it
                    independent = gr.Checkbox(
                        False, label="Ne pas reprendre les questions précédentes", elem_id="independent"
                    )
                    # starting over empties every panel: the chat, the sources, the funding text, the vote
                    new_conversation = gr.Button("Nouvelle conversation", elem_id="new-conversation", size="sm")
                with gr.Column(scale=2):
                    sources = gr.HTML(label="Sources", elem_id="sources", value=empty_sources())
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
                # side by side on a desktop, one above the other on a phone: the axis list then has the
                # screen's width, and its titles wrap between words
                words = gr.Textbox(
                    label="Filtrer par mots", elem_id="browse-words", max_length=MAX_FILTER_CHARS, min_width=280
                )
                axis_choice = gr.Dropdown(
                    [ALL_AXES, *axis_labels(searcher.contracts)],
                    value=ALL_AXES,
                    label="Axe",
                    elem_id="browse-axis",
                    min_width=280,
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
            ranking = gr.HTML(elem_id="ranking", value=empty_ranking())

        def respond(
            message: str, history: list[Any] | None, _last: Any, contract_id: str, alone: bool = False
        ) -> tuple[Any, ...]:
            message, _ = cut(message, MAX_QUERY_CHARS * 5)  # compose_answer cuts further and says so
            history = normalise_history(history)
            earlier = [] if alone is True else [m["content"] for m in history if m["role"] == "user" and m["content"]]
            within = contract_id if contract_id in ids else ids[0]
            answer = within_budget(
                lambda: compose_answer(message, [unescape_markdown(q) for q in earlier], searcher, contract_id=within),
                ANSWER_BUDGET_SECONDS,
            )
            # the chat renders Markdown: escape the user's text so that markup in it shows as typed
            shown = escape_markdown(message[:MAX_QUERY_CHARS] + ("…" if len(message) > MAX_QUERY_CHARS else ""))
            if answer is None:
                history += [{"role": "user", "content": shown}, {"role": "assistant", "content": _TOO_SLOW}]
                return history, empty_sources(), "", None, "", _NO_CHOICE, _HIDDEN
            history += [{"role": "user", "content": shown}, {"role": "assistant", "content": answer.text}]
            cited = [answer.best, *answer.others] if answer.best else []
            state: dict[str, Any] = {
                "answer": secrets.token_hex(8),  # a second vote on this answer replaces the first
                "question": (answer.query or message)[:MAX_FEEDBACK_CHARS],
                "typed": message[:MAX_FEEDBACK_CHARS],
                "codes": list(answer.cited_codes),
                "contract": within,
                "hits": cited,  # for "Objectif retenu pour le dossier"
            }
            choice = gr.update(
                choices=[(f"{h.code} — {h.title}"[:90], h.code) for h in cited],
                value=cited[0].code if cited else None,
                visible=len(cited) > 1,
            )
            again = gr.update(visible=bool(answer.with_earlier))
            funding_text = answer.funding_block or ""
            return history, sources_html(answer, searcher.contracts), funding_text, state, "", choice, again

        def ask_alone(history: list[Any] | None, state: Any, contract_id: str) -> tuple[Any, ...]:
            """The last question asked again without the conversation, in place of its answer."""
            history = normalise_history(history)
            typed = state.get("typed", "") if isinstance(state, dict) else ""
            if not typed or len(history) < 2 or history[-2]["role"] != "user":
                return (history, gr.skip(), gr.skip(), state, gr.skip(), gr.skip(), _HIDDEN)
            return respond(typed, history[:-2], state, contract_id, alone=True)

        answered = question.submit(
            respond,
            [question, chatbot, last, chosen, independent],
            [chatbot, sources, funding, last, question, use, alone_again],
            api_name="respond",
        )
        asked_alone = alone_again.click(
            ask_alone,
            [chatbot, last, chosen],
            [chatbot, sources, funding, last, question, use, alone_again],
            api_visibility="private",
        )

        def chosen_hit(code: str | None, state: dict[str, Any] | None) -> Any:
            hits = (state or {}).get("hits") or []
            return next((h for h in hits if h.code == code), hits[0] if hits else None)

        def contract_of(hit: Any) -> Any:
            return next((c for c in searcher.contracts if hit and c.id == hit.contract_id), None)

        def all_measures(hit: Any) -> tuple[MatchedMeasure, ...]:
            """Every measure of the hit's objective, in the contract's order."""
            contract = contract_of(hit)
            found = contract.find(hit.code) if contract is not None else None
            if found is None:
                return ()
            return tuple(MatchedMeasure(m.text, 0.0, m.uncertain, tuple(m.candidates)) for m in found[2].measures)

        def use_objective(code: str | None, state: dict[str, Any] | None, ticked: list[str] | None = None) -> str:
            hit = chosen_hit(code, state)
            contract = contract_of(hit)
            if hit is None or contract is None:
                return ""
            if ticked is not None:  # any measure of the objective, matched or not, as the user ticked them
                hit = dataclasses.replace(hit, measures=tuple(m for m in all_measures(hit) if m.text in ticked))
            return funding_block(hit, contract)

        def measures_of(code: str | None, state: dict[str, Any] | None) -> Any:
            # every measure of the cited objective, those matching the question ticked: the user may quote
            # another one, or none
            hit = chosen_hit(code, state)
            choices = [m.text for m in all_measures(hit)]
            ticked = [m.text for m in hit.measures] if hit else []
            return gr.update(choices=choices, value=ticked, visible=bool(choices))

        use.input(use_objective, [use, last], [funding], api_name="use_objective").then(
            measures_of, [use, last], [quoted], api_visibility="private"
        )
        quoted.input(use_objective, [use, last, quoted], [funding], api_visibility="private")

        def reset_feedback() -> tuple[Any, ...]:
            # a new answer gets a fresh form: no thumb, code or "Merci" left from the previous one
            return None, "", "", ""

        for event in (answered, asked_alone):  # a new answer, or the last question asked again on its own
            event.then(measures_of, [use, last], [quoted], api_visibility="private")
            event.then(reset_feedback, None, [rating, correct, comment, status], api_visibility="private")
            event.then(lambda: False, None, independent, api_visibility="private")  # for one question only
            event.then(None, None, None, js=SHOW_ANSWER)
            event.then(lambda history: normalise_history(history), chatbot, saved, api_visibility="private")
        emptied = [chatbot, sources, funding, last, question, rating, correct, comment, status, use, saved, quoted]
        new_conversation.click(
            lambda: ([], empty_sources(), "", None, "", None, "", "", "", _NO_CHOICE, [], _NO_CHOICE, _HIDDEN),
            None,
            [*emptied, alone_again],
            api_visibility="private",
        )
        app.load(lambda kept: normalise_history(kept), saved, chatbot, api_visibility="private")

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
                    answer=str(state.get("answer") or "") or None,
                )
            except (ValueError, KeyError, TypeError) as exc:
                # shown as typed: a "code" such as ![](http://…) is never drawn nor fetched
                return f"Avis non enregistré : {escape_markdown(str(exc))}"
            except (sqlite3.Error, OSError) as exc:  # a read-only or full disk: the answer still came
                logger.error("Avis non enregistré dans %s : %s", store.path, exc)
                return "Avis non enregistré : la base des avis n'est pas accessible en écriture sur le serveur."
            return "Merci, votre avis est enregistré (un nouvel envoi le remplace)."

        send.click(save_feedback, [rating, correct, comment, last], [status], api_name="feedback")

        def browse(text: str, axis_label: str, contract_id: str) -> str:
            words, was_cut = cut(text, MAX_FILTER_CHARS)
            shown = [c for c in searcher.contracts if c.id == contract_id] or searcher.contracts[:1]
            tree = browse_html(shown, words, axis_number(axis_label, shown))
            if was_cut:
                return f"<p>Filtre trop long : seuls ses {MAX_FILTER_CHARS} premiers caractères ont été lus.</p>{tree}"
            return tree

        words.change(browse, [words, axis_choice, chosen], [tree], api_name="browse")
        axis_choice.change(browse, [words, axis_choice, chosen], [tree], api_visibility="private")
        chosen.change(browse, [words, axis_choice, chosen], [tree], api_visibility="private")

        def rank(text: str, method: str, contract_id: str) -> str:
            text, _ = cut(text, MAX_QUERY_CHARS + 1)  # one more: the search sees it is long and says so
            if not text.strip() or method not in ("hybrid", "lexical", "dense"):
                return empty_ranking()
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
        app_kwargs={
            "middleware": [
                Middleware(ClosedRoutes),
                Middleware(FrenchInterface),
                Middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES),
                Middleware(HistoryGuard, max_messages=MAX_HISTORY_MESSAGES, max_chars=MAX_MESSAGE_CHARS),
            ],
            "openapi_url": None,
        },
        enable_monitoring=False,
        footer_links=[],  # Gradio's footer is in English and points to tools users do not need
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        auth=auth,
        show_error=False,
        blocked_paths=[str(settings.feedback_db.parent)],
        state_session_capacity=MAX_SESSIONS,
        # the system's own fonts: the theme's bundled one draws E and z as Ɛ and ƶ ("Ɛnvoyer"), which reads as typos
        theme=gr.themes.Soft(font=SYSTEM_FONTS, font_mono=("ui-monospace", "monospace")),
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
    return [unescape_markdown(m["content"]) for m in normalise_history(history) if m["role"] == "user" and m["content"]]


def within_budget(work: Callable[[], T], seconds: float) -> T | None:
    """`work()`, or None when it takes longer than `seconds` (the worker is then free again; the late
    result is dropped)."""
    future = _BUDGET_POOL.submit(work)
    try:
        return future.result(timeout=seconds)
    except FutureTimeout:
        logger.warning("Une question a pris plus de %.0f s : réponse avec un avertissement", seconds)
        return None


_BUDGET_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="cdv-answer")


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("value") or "")
    if isinstance(content, list | tuple):
        return " ".join(_text(part) for part in content).strip()
    return ""


MAX_FEEDBACK_CHARS = 5000
_NO_CHOICE = gr.update(choices=[], value=None, visible=False)
_HIDDEN = gr.update(visible=False)
_TOO_SLOW = (
    "La recherche a pris trop de temps et a été interrompue. Reformulez votre question plus brièvement, "
    "ou réessayez dans un instant."
)
