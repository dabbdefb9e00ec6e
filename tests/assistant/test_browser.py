"""End to end in headless Chromium (Debian's package): type a question, see the cited objective."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def page(server: tuple[str, Path]) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: install Debian's chromium package (.ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server[0])
        page.wait_for_selector("#question textarea", timeout=30_000)
        yield page
        browser.close()


def test_school_absenteeism_in_the_browser(page: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """An English question shows 5.1.3 in the answer and in the sources panel; a screenshot is saved."""
    page.fill("#question textarea", "which objective covers school absenteeism?")
    page.press("#question textarea", "Enter")
    page.wait_for_selector("#chat >> text=5.1.3", timeout=30_000)
    page.wait_for_selector("#sources [data-code='5.1.3']", timeout=30_000)
    assert "Best matching objective" in page.inner_text("#chat")
    assert "Objectif opérationnel 5.1.3" in page.inner_text("#funding")
    page.locator("#chat >> text=Best matching objective").scroll_into_view_if_needed()
    target = Path(os.environ.get("CDV_SCREENSHOT_DIR") or tmp_path_factory.mktemp("shots"))
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / "screenshot-chat.png"), full_page=True)
    assert (target / "screenshot-chat.png").stat().st_size > 10_000


def test_html_in_a_question_is_shown_as_text(page: Any) -> None:
    """Markup typed by a user is displayed, never executed."""
    attack = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> chantier'
    page.fill("#question textarea", attack)
    page.press("#question textarea", "Enter")
    page.wait_for_selector("#chat >> text=window.__xss=2", timeout=30_000)
    page.wait_for_timeout(1000)
    assert page.evaluate("window.__xss") is None
    assert page.locator("#chat img[src='x']").count() == 0


def test_markdown_links_images_and_math_are_shown_as_typed(page: Any) -> None:
    """A Markdown link, image or formula typed by a user is neither rendered, fetched nor clickable."""
    typed = "[cliquez ici](http://127.0.0.1:9/piege) ![logo](http://127.0.0.1:9/logo.png) $$x^2$$ jardin partagé"
    page.fill("#question textarea", typed)
    page.press("#question textarea", "Enter")
    page.wait_for_selector("#chat >> text=[cliquez ici]", timeout=30_000)
    assert page.locator("#chat a[href*='127.0.0.1:9']").count() == 0
    assert page.locator("#chat img[src*='127.0.0.1:9']").count() == 0
    assert page.locator("#chat .katex").count() == 0
    assert page.locator("#chat >> text=$$x^2$$").count() >= 1


def test_markup_in_a_feedback_comment_is_not_run(page: Any, server: tuple[str, Path]) -> None:
    """A feedback comment with a script is stored as text and nothing runs in the page."""
    from assistant.feedback import FeedbackStore

    page.click("#feedback")
    page.click("#rating label:has-text('Non')")
    page.fill("#correct textarea, #correct input", "2.1.1")
    page.fill("#comment textarea, #comment input", '<img src=y onerror="window.__xss=3">')
    page.click("#send-feedback")
    page.wait_for_selector("#feedback-status >> text=enregistré", timeout=30_000)
    assert page.evaluate("window.__xss") is None
    assert FeedbackStore(server[1]).all()[-1].comment == '<img src=y onerror="window.__xss=3">'
