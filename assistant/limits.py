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


# routes of the page library the page never uses: uploads, fetching a URL through the server, monitoring,
# API schema, profiling, run history, code editing (prefixes, after an optional "/gradio_api")
CLOSED_PREFIXES = (
    "/upload",
    "/monitoring",
    "/openapi.json",
    "/docs",
    "/redoc",
    "/proxy=",
    "/profiling",
    "/run-history",
    "/vibe-",
    "/undo-vibe-edit",
    "/dev/",
    "/process_recording",
)


class ClosedRoutes:
    """ASGI middleware answering 404 to every route the page does not need, before the page library sees
    the request: nothing is uploaded, and no URL is resolved or fetched on a client's behalf (`/file=` only
    serves local files the library allows)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope.get("type") == "http" and closed(str(scope.get("path", ""))):
            body = b'{"error": "Introuvable."}'
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 404, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def closed(path: str) -> bool:
    """Whether a request path is one of the closed routes (a `/file=` naming a URL included)."""
    path = path.removeprefix("/gradio_api")
    if path.startswith("/file="):
        target = path.removeprefix("/file=").lstrip("/").lower()
        return "://" in path or target.startswith(("http:", "https:", "ftp:", "file:")) or path.startswith("/file=//")
    return path.startswith(CLOSED_PREFIXES)
