"""Size limits on what users and clients send: text cut to a length, request bodies capped."""

from __future__ import annotations

import json
import logging
from typing import Any

logger = logging.getLogger(__name__)

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
        await self.app(scope, replaying(b"".join(chunks), receive), send)


def replaying(body: bytes, receive: Any) -> Any:
    """An ASGI `receive` that gives `body`, already read whole by a middleware, then defers to `receive`
    (for the disconnect that may follow)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            later: Message = await receive()
            return later
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


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


class HistoryGuard:
    """ASGI middleware cleaning the chat history a client posts to an event, before the page library
    parses it: only messages of the shape the page sends are kept (a role, and text or text blocks), the
    last `max_messages` of them, each text cut to `max_chars`. Whatever was dropped costs one log line, not
    one validation traceback per bad entry. Bodies are already bounded by BodySizeLimit."""

    EVENT_PATHS = ("/run/", "/call/", "/queue/join", "/api/")

    def __init__(self, app: Any, max_messages: int, max_chars: int) -> None:
        self.app = app
        self.max_messages = max_messages
        self.max_chars = max_chars

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        path = str(scope.get("path", "")).removeprefix("/gradio_api")
        if scope.get("type") != "http" or scope.get("method") != "POST" or not path.startswith(self.EVENT_PATHS):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message: Message = await receive()
            if message.get("type") != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        cleaned = self.clean(body)
        if cleaned is not body:
            headers = [(k, v) for k, v in scope.get("headers") or [] if k != b"content-length"]
            scope = {**scope, "headers": [*headers, (b"content-length", str(len(cleaned)).encode())]}
        await self.app(scope, replaying(cleaned, receive), send)

    def clean(self, body: bytes) -> bytes:
        """`body` with every chat history in its `data` cleaned (the same object when nothing changed)."""
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            return body  # not JSON: the page library answers it
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list):
            return body
        dropped = 0
        for i, value in enumerate(data):
            if isinstance(value, list) and any(isinstance(item, dict) and "role" in item for item in value):
                kept = [m for m in (self._message(item) for item in value) if m is not None]
                dropped += len(value) - len(kept)
                data[i] = kept[-self.max_messages :]
        if not dropped:
            return body
        logger.warning("Historique de discussion : %d message(s) mal formé(s) écarté(s)", dropped)
        return json.dumps(payload, ensure_ascii=False).encode()

    def _message(self, item: object) -> dict[str, Any] | None:
        if not isinstance(item, dict) or item.get("role") not in ("user", "assistant"):
            return None
        content = item.get("content")
        if isinstance(content, str):
            return {"role": item["role"], "content": content[: self.max_chars]}
        if (
            isinstance(content, list)
            and content
            and all(
                isinstance(block, dict) and block.get("type") == "text" and isinstance(block.get("text"), str)
                for block in content
            )
        ):
            return {
                "role": item["role"],
                "content": [{"type": "text", "text": b["text"][: self.max_chars]} for b in content],
            }
        return None
