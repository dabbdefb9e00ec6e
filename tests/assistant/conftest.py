"""A real chat server on a free loopback port, shared by the API and browser tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.app import build_app, launch
from assistant.feedback import FeedbackStore
from assistant.settings import Settings
from index import Searcher


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def server(default_searcher: Searcher, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """URL of a launched chat page and the path of its feedback database."""
    db = tmp_path_factory.mktemp("feedback") / "feedback.sqlite3"
    settings = Settings(port=_free_port(), feedback_db=db)
    app = build_app(default_searcher, FeedbackStore(db))
    launch(app, settings, block=False)
    yield f"http://127.0.0.1:{settings.port}/", db
    app.close()
