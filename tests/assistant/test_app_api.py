"""The chat page through its API (gradio_client) against a launched server."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from assistant.app import normalise_history, user_questions
from assistant.feedback import FeedbackStore
from assistant.render import unescape_markdown

pytestmark = pytest.mark.slow


def _own_server(searcher: Any, tmp_path: Path) -> tuple[str, Any]:
    """A page of its own on a free loopback port, built after the test's settings: its url and its app."""
    import socket

    from assistant import app as page
    from assistant.settings import Settings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    settings = Settings(port=port, feedback_db=tmp_path / "f.sqlite3")
    app = page.build_app(searcher, FeedbackStore(settings.feedback_db))
    page.launch(app, settings, block=False)
    return f"http://127.0.0.1:{port}/", app


def _client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False)


def test_answer_sources_and_funding_block(server: tuple[str, Path]) -> None:
    """A question returns the chat history with a cited answer, source cards and the funding block."""
    client = _client(server[0])
    history, sources, funding, cleared, use = client.predict(
        "les jeunes qui sechent les cours", [], api_name="/respond"
    )
    assert "**5.1.3**" in _text(history[-1]["content"])
    assert 'data-code="5.1.3"' in sources and "<mark>" in sources
    assert "Objectif opérationnel 5.1.3" in funding
    # the objective used for the funding text: the cited one, among the plausible ones
    assert cleared == "" and use["value"] == "5.1.3" and use["choices"][0][1] == "5.1.3"


def test_another_plausible_objective_can_be_used(server: tuple[str, Path]) -> None:
    """"Objectif retenu pour le dossier": choosing another cited objective rewrites the funding text."""
    client = _client(server[0])
    _, sources, funding, _, choice = client.predict("aide aux devoirs", [], api_name="/respond")
    use = choice["value"]
    other = next(code for code in re.findall(r'data-code="([^"]+)"', sources) if code != use)
    assert [other, other] in [[label.split(" — ")[0], code] for label, code in choice["choices"]]
    rewritten = client.predict(other, api_name="/use_objective")
    assert f"Objectif opérationnel {other}" in rewritten and f"Objectif opérationnel {use}" in funding
    assert rewritten != funding


def test_follow_up_through_the_api(server: tuple[str, Path]) -> None:
    """History sent back by the client (either shape) feeds the follow-up."""
    client = _client(server[0])
    history, *_ = client.predict("prévention de l'alcool chez les jeunes", [], api_name="/respond")
    history, *_ = client.predict("et pour les adolescents ?", history, api_name="/respond")
    assert "**3.2.4**" in _text(history[-1]["content"])


def test_an_independent_question_ignores_the_conversation(server: tuple[str, Path]) -> None:
    """"Question indépendante" ticked: the follow-up is read alone (no earlier question used, no notice)."""
    client = _client(server[0])
    history, *_ = client.predict("prévention de l'alcool chez les jeunes", [], False, api_name="/respond")
    followed, *_ = client.predict("et pour les adolescents ?", history, False, api_name="/respond")
    alone, *_ = client.predict("et pour les adolescents ?", history, True, api_name="/respond")
    assert "Compris avec votre question précédente" in _text(followed[-1]["content"])
    assert "Compris avec votre question précédente" not in _text(alone[-1]["content"])


def test_feedback_reaches_sqlite(server: tuple[str, Path]) -> None:
    """A thumbs-down with a corrected code and a comment is stored with the question and cited codes."""
    client = _client(server[0])
    client.predict("aide aux devoirs", [], api_name="/respond")
    status = client.predict("👎 Non", "5.1.3", "<script>alert(1)</script>", api_name="/feedback")
    assert status.startswith("Merci")
    last = FeedbackStore(server[1]).all()[-1]
    assert (last.question, last.rating, last.correct_code) == ("aide aux devoirs", -1, "5.1.3")
    assert last.comment == "<script>alert(1)</script>" and last.cited_codes
    assert last.typed == "aide aux devoirs" and last.contract == "caph-2015-2023"


def test_a_correction_to_a_code_the_contract_lacks_is_refused(server: tuple[str, Path]) -> None:
    """9.9.9 is not stored as the right answer: the page says, in French, that the code does not exist."""
    client = _client(server[0])
    client.predict("aide aux devoirs", [], api_name="/respond")
    before = len(FeedbackStore(server[1]).all())
    status = unescape_markdown(html.unescape(client.predict("👎 Non", "9.9.9", "", api_name="/feedback")))
    assert "non enregistré" in status.lower() and "9.9.9 n'existe pas" in status
    assert len(FeedbackStore(server[1]).all()) == before
    # a "code" made of Markdown is shown as typed: never an image the browser would fetch, nor maths
    raw = client.predict("👎 Non", "![](http://h/x.png)$$x$$", "", api_name="/feedback")
    assert "\\!\\[\\]\\(http" in raw and "\\$\\$x" in raw and "![](" not in raw


def test_browse_and_rank(server: tuple[str, Path]) -> None:
    """The browse tab filters the tree by words; the search tab ranks objectives in plain words."""
    client = _client(server[0])
    tree = client.predict("sommeil", "Tous les axes", api_name="/browse")
    assert "4.3.2" in tree and "2.1.1" not in tree
    ranking = client.predict("marchands de sommeil", "hybrid", api_name="/rank")
    first = ranking.index("<tr data-code=")
    assert ranking[first:].startswith('<tr data-code="4.3.2">')
    assert "pertinence" in ranking and "rang" in ranking and "hybrid" not in ranking


def test_feedback_database_is_not_served(server: tuple[str, Path]) -> None:
    """The SQLite file cannot be downloaded through the web app."""
    import httpx

    url, db = server
    for path in (f"gradio_api/file={db}", f"file={db}", f"gradio_api/file={db.parent}/feedback.sqlite3"):
        response = httpx.get(url + path)
        assert response.status_code in (403, 404), path


def test_history_shapes_are_normalised() -> None:
    """Browser history (lists of text blocks) and client history (plain strings) read the same."""
    browser = [
        {"role": "user", "content": [{"type": "text", "text": "bonjour"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "réponse"}]},
    ]
    client = [{"role": "user", "content": "bonjour"}, {"role": "assistant", "content": "réponse"}]
    assert normalise_history(browser) == normalise_history(client)
    assert user_questions(browser) == ["bonjour"]


def _text(content: Any) -> str:
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def test_busy_port_is_a_clear_error(server: tuple[str, Path], default_searcher: Any, tmp_path: Path) -> None:
    """Starting a second page on a taken port fails with a message naming the port and the fix."""
    from assistant.app import build_app, launch
    from assistant.settings import Settings

    port = int(server[0].rstrip("/").rsplit(":", 1)[1])
    settings = Settings(port=port, feedback_db=tmp_path / "f.sqlite3")
    with pytest.raises(OSError, match=f"127.0.0.1:{port}.*--port or CDV_PORT"):
        launch(build_app(default_searcher, FeedbackStore(settings.feedback_db)), settings, block=False)


def test_the_server_keeps_a_bounded_number_of_sessions(
    default_searcher: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every anonymous client gets a session on the server; past MAX_SESSIONS the oldest are dropped, so
    memory stays bounded however many clients come (each client here asks one question)."""
    from assistant import app as page

    monkeypatch.setattr(page, "MAX_SESSIONS", 3)
    url, app = _own_server(default_searcher, tmp_path)
    try:
        for n in range(6):
            _client(url).predict(f"aide aux devoirs {n}", [], api_name="/respond")
        assert 0 < len(app.state_holder.session_data) <= 3
    finally:
        app.close()


def test_a_session_state_expires(default_searcher: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session's last answer is dropped SESSION_SECONDS after it was written, even if the client never
    comes back nor closes its tab; a vote after that asks for a question first."""
    import time

    from assistant import app as page

    monkeypatch.setattr(page, "SESSION_SECONDS", 1)
    url, app = _own_server(default_searcher, tmp_path)

    def answers_kept() -> int:
        return sum(
            isinstance(value, dict) and "answer" in value
            for session in list(app.state_holder.session_data.values())
            for value in list(session.state_data.values())
        )

    try:
        client = _client(url)
        client.predict("aide aux devoirs", [], api_name="/respond")
        assert answers_kept() == 1
        deadline = time.monotonic() + 10
        while answers_kept() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert answers_kept() == 0
        said = client.predict("👍 Oui", "", "", api_name="/feedback")
        assert said.startswith("Posez d'abord une question")
    finally:
        app.close()
