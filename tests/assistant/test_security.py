"""Safe defaults: loopback, a loud warning when exposed without a password, no analytics, no questions in logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from assistant.app import security_warning
from assistant.settings import Settings


def test_defaults_are_loopback_without_warning() -> None:
    """By default the page listens on 127.0.0.1 and needs no warning."""
    settings = Settings()
    assert settings.host == "127.0.0.1" and settings.is_loopback
    assert security_warning(settings) is None


def test_exposed_without_password_warns_loudly() -> None:
    """A non-loopback host without a password gets a warning naming the host and the fix."""
    warning = security_warning(Settings(host="0.0.0.0"))
    assert warning is not None and "0.0.0.0" in warning and "CDV_PASSWORD" in warning
    assert security_warning(Settings(host="0.0.0.0", password="s3cret")) is None


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """CDV_* variables configure the page; command-line values win; a bad port is refused."""
    monkeypatch.setenv("CDV_PORT", "8123")
    monkeypatch.setenv("CDV_PASSWORD", "pw")
    monkeypatch.setenv("CDV_FEEDBACK_DB", str(tmp_path / "f.sqlite3"))
    settings = Settings.from_env(host="10.0.0.5")
    assert (settings.port, settings.password, settings.host) == (8123, "pw", "10.0.0.5")
    assert settings.feedback_db == tmp_path / "f.sqlite3"
    monkeypatch.setenv("CDV_PORT", "99999")
    with pytest.raises(ValueError, match="port"):
        Settings.from_env()


@pytest.mark.slow
def test_analytics_off_and_questions_not_logged(server: tuple[str, Path], caplog: pytest.LogCaptureFixture) -> None:
    """Gradio analytics are disabled, and a question does not appear in the logs at the default level."""
    import os

    from gradio_client import Client

    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
    secret = "question-tres-personnelle-xyz"
    with caplog.at_level(logging.INFO):
        Client(server[0], verbose=False).predict(f"aide aux devoirs {secret}", [], api_name="/respond")
    assert secret not in caplog.text
