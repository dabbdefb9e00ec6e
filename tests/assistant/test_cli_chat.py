"""`cdv chat` as a user starts it: it says what it loads, then the address, once the page answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from index import Searcher

pytestmark = pytest.mark.slow


def test_cdv_chat_prints_its_address_when_ready(default_searcher: Searcher, index_cache: Path, tmp_path: Path) -> None:
    """The first line says what is loading; a later one gives the address, which then serves the page."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {**os.environ, "CDV_CACHE_DIR": str(index_cache), "CDV_PORT": str(port)}
    env["CDV_FEEDBACK_DB"] = str(tmp_path / "feedback.sqlite3")
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "chat"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().decode()
        assert first.startswith("Chargement du contrat")
        deadline, ready = time.monotonic() + 120, ""
        while time.monotonic() < deadline and "Prêt" not in ready:
            ready = process.stdout.readline().decode()
        assert f"http://127.0.0.1:{port}/" in ready
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=30).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
