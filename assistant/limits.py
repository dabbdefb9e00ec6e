"""Size limits on what users and clients send: text cut to a length, request bodies capped."""

from __future__ import annotations

import json
from typing import Any

# ASGI's message and callable types, kept loose: starlette's own aliases are not part of its public API
Message = dict[str, Any]
Scope = dict[str, Any]


def cut(text: object, limit: int) -> tuple[str, bool]:
    """`text` as a string of at most `limit` characters, and whether it was cut (None and non-strings
    count as empty: a client can send anything)."""
    if not isinstance(text, str):
        return "", False
    return text[:limit], len(text) > limit


class BodySizeLimit:
    """ASGI middleware refusing request bodies over `max_bytes` with a 413, before they are parsed.

    A declared Content-Length over the limit is refused at once; a body without one (chunked) is read
    here, counted as it arrives, and refused as soon as it passes the limit, so no client can make the
    server hold more than `max_bytes` of it.
    """

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _refuse(send, self.max_bytes)
            return
        if declared is not None:
            await self.app(scope, receive, send)
            return
        # no declared length (chunked): read the body here, counting, and hand it on only if it fits
        chunks: list[bytes] = []
        received = 0
        while True:
            message: Message = await receive()
            if message.get("type") != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await _refuse(send, self.max_bytes)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                later: Message = await receive()
                return later
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)


async def _refuse(send: Any, max_bytes: int) -> None:
    body = json.dumps(
        {"error": f"Requête trop volumineuse (plus de {max_bytes // 1_000_000} Mo) : raccourcissez le texte."},
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
