"""The command line speaks French: every --help, with examples, and argparse's own errors."""

from __future__ import annotations

import pytest

from assistant.cli import main

COMMANDS = [
    [],
    ["corpus"],
    ["search"],
    ["eval"],
    ["ask"],
    ["classify"],
    ["chat"],
    ["contract", "import"],
    ["contract", "check"],
    ["feedback", "export"],
    ["index", "build"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "cdv")
def test_every_help_is_in_french_with_examples(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """No argparse English is left ("usage", "positional arguments", "show this help message")."""
    with pytest.raises(SystemExit) as stopped:
        main([*command, "--help"])
    assert stopped.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("utilisation : ") and "afficher cette aide" in text
    for english in ("usage:", "positional arguments", "show this help message", "options:\n  -h, --help  show"):
        assert english not in text
    assert "exemples :" in text


def test_a_usage_error_is_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    """A missing argument is named in French, with exit code 2."""
    with pytest.raises(SystemExit) as stopped:
        main(["classify", "appel.csv"])
    assert stopped.value.code == 2
    assert "erreur : il manque : --column" in capsys.readouterr().err
