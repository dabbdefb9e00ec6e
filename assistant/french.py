"""The page library's own interface in French, whatever language the browser asks for.

The library picks its interface language from the browser (`navigator.language`) before the page's own
head is read, and writes a few messages in English in its code whatever the language. This ASGI
middleware rewrites the two responses that carry them: the page itself (`<html lang="fr">`, and the
browser's language read as French before the library starts) and the library's scripts (its English
messages replaced by French ones). Nothing else passes through it.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.limits import Message, Scope

# read before the library's first script: its interface strings are then taken from its French catalogue
FRENCH_FIRST = (
    b"<script>(() => {const fr = ['fr-FR', 'fr'];"
    b"Object.defineProperty(Navigator.prototype, 'language', {get: () => fr[0]});"
    b"Object.defineProperty(Navigator.prototype, 'languages', {get: () => fr});})();</script>"
)
# messages the library writes in English whatever the language (its catalogue has no key for them)
ENGLISH_IN_CODE = {
    b"Connection to the server was lost. Attempting reconnection...": (
        "La connexion au serveur a été perdue. Nouvelle tentative en cours…".encode()
    ),
    b"label:`Scroll down`": b"label:`Descendre`",  # the chat's scroll button
    b"`Copied`:`Copy`": "`Copié`:`Copier`".encode(),  # the copy buttons' tooltips
    b'aria-label="Copy"': b'aria-label="Copier"',
}
MAX_REWRITTEN_BYTES = 20_000_000  # the library's largest script is a few MB; anything larger passes as is
_SCRIPT = re.compile(r"^/(?:gradio_api/)?assets/[\w.-]+\.js$")


def french_page(html: bytes) -> bytes:
    """The page's HTML declared French, with the browser's language read as French."""
    html = re.sub(rb"<html([^>]*?)\blang=\"[^\"]*\"", rb'<html\1lang="fr"', html, count=1)
    return re.sub(rb"<head>", b"<head>" + FRENCH_FIRST, html, count=1)


def french_script(script: bytes) -> bytes:
    """The library's script with its English-only messages in French."""
    for english, french in ENGLISH_IN_CODE.items():
        script = script.replace(english, french)
    return script


class FrenchInterface:
    """ASGI middleware applying `french_page` to the page and `french_script` to the library's scripts."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        path = str(scope.get("path", ""))
        rewrite = french_page if path in ("/", "") else french_script if _SCRIPT.match(path) else None
        if scope.get("type") != "http" or scope.get("method") != "GET" or rewrite is None:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0

        async def rewriting(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers") or []}
                plain = message.get("status") == 200 and b"content-encoding" not in names
                start = message if plain else None
                if start is None:
                    await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > MAX_REWRITTEN_BYTES:  # too large to hold: sent as it came
                await send(start)
                await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": more})
                start = None
                return
            if more:
                return
            body = rewrite(b"".join(chunks))
            kept = [(k, v) for k, v in start.get("headers") or [] if k.lower() not in (b"content-length", b"etag")]
            await send({**start, "headers": [*kept, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            start = None

        await self.app(scope, receive, rewriting)
