"""The page library's interface rewritten in French (assistant.french), without a browser."""

from __future__ import annotations

from pathlib import Path

import gradio

from assistant.french import ENGLISH_IN_CODE, FRENCH_FIRST, french_page, french_script


def test_the_page_is_declared_french_and_reads_the_browser_as_french() -> None:
    html = b'<!doctype html>\n<html lang="en" style="x">\n\t<head>\n<meta charset="utf-8" /></head><body></body></html>'
    rewritten = french_page(html)
    assert b'lang="fr"' in rewritten and b'lang="en"' not in rewritten
    assert rewritten.index(FRENCH_FIRST) < rewritten.index(b"<meta")  # before any of the library's scripts


def test_english_messages_in_the_library_code_are_replaced() -> None:
    script = b"let a=`Connection to the server was lost. Attempting reconnection...`;f(label:`Scroll down`)"
    rewritten = french_script(script).decode()
    assert "La connexion au serveur a été perdue" in rewritten and "Descendre" in rewritten
    assert "Connection" not in rewritten and "Scroll down" not in rewritten


def test_each_replaced_message_is_still_in_the_installed_library() -> None:
    """A new version of the page library that rewords one of them would leave it in English: this says which."""
    assets = Path(gradio.__file__).parent / "templates" / "frontend" / "assets"
    scripts = [path.read_bytes() for path in assets.glob("*.js")]
    missing = [english for english in ENGLISH_IN_CODE if not any(english in script for script in scripts)]
    assert not missing, missing
