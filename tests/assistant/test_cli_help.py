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


def test_the_assistant_never_imports_the_evaluation() -> None:
    """The page, the answers and the command line load without the `eval` package; `cdv eval` comes from
    the `cdv.commands` entry point only when the parser is built."""
    import subprocess
    import sys

    code = (
        "import sys, assistant.app, assistant.answer, assistant.commands, assistant.classify, assistant.feedback\n"
        "print(sorted(m for m in sys.modules if m == 'eval' or m.startswith('eval.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
