"""Hostile input against the running page: huge bodies, long words, long histories, Markdown payloads."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.app import MAX_HISTORY_MESSAGES, within_budget
from assistant.limits import cut
from assistant.render import escape_markdown, unescape_markdown

pytestmark = pytest.mark.slow


def _client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False)


def _text(content: Any) -> str:
    if isinstance(content, list):
        return " ".join(_text(c) for c in content)
    if isinstance(content, dict):
        return str(content.get("text") or content.get("value") or "")
    return str(content)


def test_a_10_mb_body_is_refused_before_parsing(server: tuple[str, Path]) -> None:
    """A 10 MB post gets a 413 with a French message, and the page keeps answering."""
    body = b'{"data": ["' + b"a" * 10_000_000 + b'", []], "fn_index": 0, "session_hash": "x"}'
    response = httpx.post(f"{server[0]}gradio_api/queue/join", content=body, timeout=30)
    assert response.status_code == 413
    assert "trop volumineuse" in response.json()["error"]
    history, *_ = _client(server[0]).predict("marchands de sommeil", [], api_name="/respond")
    assert "**4.3.2**" in _text(history[-1]["content"])


def test_a_chunked_body_over_the_limit_is_refused(server: tuple[str, Path]) -> None:
    """A body sent without Content-Length is counted as it arrives and refused past the limit."""

    def chunks() -> Any:
        for _ in range(300):
            yield b"a" * 10_000

    response = httpx.post(f"{server[0]}gradio_api/queue/join", content=chunks(), timeout=30)
    assert response.status_code == 413


def test_a_long_word_and_a_long_text_are_answered_with_a_notice(server: tuple[str, Path]) -> None:
    """A 2,000-letter word and 100 KB of text come back as answers, the long one saying it was cut."""
    client = _client(server[0])
    history, *_ = client.predict("x" * 2000, [], api_name="/respond")
    assert len(history) == 2 and _text(history[-1]["content"])
    history, *_ = client.predict("absentéisme scolaire " * 5000, [], api_name="/respond")
    answer = _text(history[-1]["content"])
    assert "premiers caractères" in answer and "5.1.3" in answer
    assert len(_text(history[0]["content"])) < 5000  # the echo is cut too


def test_a_huge_history_is_cut_to_the_last_messages(server: tuple[str, Path]) -> None:
    """A client sending back thousands of messages gets a bounded history (and an answer)."""

    def message(role: str, text: str) -> dict[str, Any]:
        return {"role": role, "content": [{"type": "text", "text": text}]}

    history = [message("user", "aide aux devoirs"), message("assistant", "…")] * 2000
    returned, *_ = _client(server[0]).predict("marchands de sommeil", history, api_name="/respond")
    assert len(returned) <= MAX_HISTORY_MESSAGES + 2
    assert "**4.3.2**" in _text(returned[-1]["content"])


def test_malformed_history_costs_one_log_line_not_a_traceback_each(
    server: tuple[str, Path], caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """500 messages of a shape the page never sends (content an object, unknown roles, numbers) are
    dropped before the page library parses them: the question is answered, one log line says how many
    were dropped, and no validation traceback is written."""
    bad: list[Any] = [{"role": "user", "content": {"x": "y" * 1000}, "extra": [1] * 100}] * 400
    bad += [{"role": "system", "content": "z"}] * 50 + [7] * 50
    capfd.readouterr()
    with caplog.at_level(logging.WARNING, logger="assistant.limits"):
        response = httpx.post(
            f"{server[0]}gradio_api/run/respond",
            json={"data": ["marchands de sommeil", bad, None, "caph-2015-2023", False]},
            timeout=60,
        )
    assert response.status_code == 200
    assert "**4.3.2**" in _text(response.json()["data"][0][-1]["content"])
    lines = [r.getMessage() for r in caplog.records if "mal formé" in r.getMessage()]
    assert lines == ["Historique de discussion : 500 message(s) mal formé(s) écarté(s)"]
    assert "Traceback" not in capfd.readouterr().err


def test_history_guard_keeps_what_the_page_sends() -> None:
    """A history of the page's own shape goes through untouched (the same bytes); a bad one is cleaned,
    capped to the last messages, each text cut."""
    from assistant.limits import HistoryGuard

    guard = HistoryGuard(None, max_messages=3, max_chars=5)
    good = json.dumps({"data": ["q", [{"role": "user", "content": [{"type": "text", "text": "abc"}]}]]}).encode()
    assert guard.clean(good) is good
    mixed = [{"role": "user", "content": "0123456789"}, {"role": "bot", "content": "x"}, None]
    mixed += [{"role": "assistant", "content": f"r{n}"} for n in range(4)]
    cleaned = json.loads(guard.clean(json.dumps({"data": ["q", mixed]}).encode()))["data"][1]
    assert cleaned == [{"role": "assistant", "content": f"r{n}"} for n in (1, 2, 3)]
    first = json.loads(guard.clean(json.dumps({"data": ["q", mixed[:2]]}).encode()))["data"][1]
    assert first == [{"role": "user", "content": "01234"}]
    for raw in (b"not json", b"[" * 100_000, b'{"data": 3}'):
        assert guard.clean(raw) is raw


def test_markdown_typed_by_a_user_is_escaped_in_the_history(server: tuple[str, Path]) -> None:
    """Links, images and math typed by a user come back escaped, so the chat shows them as typed."""
    typed = "[cliquez](http://127.0.0.1:9/x) ![i](http://127.0.0.1:9/y.png) $$x^2$$ chantier d'insertion"
    history, *_ = _client(server[0]).predict(typed, [], api_name="/respond")
    shown = _text(history[0]["content"])
    assert "](" not in shown.replace("\\]\\(", "") and "\\[cliquez\\]" in shown and "\\$\\$" in shown
    assert unescape_markdown(shown) == typed


def test_an_overlong_correction_code_is_refused_cleanly(server: tuple[str, Path]) -> None:
    """A feedback code field of 100,000 characters is cut, and the vote refused with a message."""
    client = _client(server[0])
    client.predict("aide aux devoirs", [], api_name="/respond")
    status = client.predict("👎 Non", "x" * 100_000, "", api_name="/feedback")
    assert "non enregistré" in status.lower()


def test_escape_markdown_round_trip() -> None:
    """Every Markdown character is escaped and restored, nothing else changes."""
    text = r"*gras* _it_ `code` # titre [lien](u) ![img](v) <b> $x$ 5.1.3 \ fin"
    escaped = escape_markdown(text)
    assert "*gras*" not in escaped and "[lien](u)" not in escaped
    assert unescape_markdown(escaped) == text


def test_within_budget_frees_the_caller() -> None:
    """Work slower than its budget returns None after the budget, not after the work."""
    started = time.perf_counter()
    assert within_budget(lambda: time.sleep(2) or 1, 0.2) is None
    assert time.perf_counter() - started < 1.5
    assert within_budget(lambda: 42, 1.0) == 42


def test_cut_takes_anything() -> None:
    """A client can send None or a number where text is expected: it counts as empty."""
    assert cut(None, 5) == ("", False)
    assert cut(12, 5) == ("", False)
    assert cut("abcdefgh", 5) == ("abcde", True)


def test_routes_the_page_does_not_need_are_closed_and_nothing_is_resolved(
    server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Uploads, fetching a URL through the server, monitoring, the API schema: 404, before the page library
    sees them, and no host name is looked up (the server runs in this process: any lookup but the
    loopback's fails the test). The page itself still answers."""
    import socket

    looked_up: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host) not in ("127.0.0.1", "localhost", "::1"):
            looked_up.append(str(host))
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    base = server[0].rstrip("/")
    for method, path in [
        ("GET", "/gradio_api/file=http://example.com/x.png"),
        ("GET", "/gradio_api/file=https://example.com/x"),
        ("GET", "/gradio_api/file=//example.com/x"),
        ("GET", "/file=http://example.com/x"),
        ("POST", "/gradio_api/upload"),
        ("GET", "/gradio_api/upload_progress"),
        ("GET", "/monitoring"),
        ("GET", "/gradio_api/monitoring/summary"),
        ("GET", "/openapi.json"),
        ("GET", "/gradio_api/openapi.json"),
        ("GET", "/gradio_api/proxy=http://example.com/"),
    ]:
        response = httpx.request(method, base + path, files={"files": ("a.txt", b"x")} if method == "POST" else None)
        assert response.status_code == 404, (path, response.status_code)
    assert looked_up == []
    assert httpx.get(server[0]).status_code == 200
