"""The assistant's settings, read once from `CDV_*` environment variables at the edge."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from index import DEFAULT_EMBEDDER, default_cache_dir


class Settings(BaseModel):
    """Where to serve, which model, where feedback goes, and the optional password."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=7860, ge=1, le=65535)
    embedder: str = DEFAULT_EMBEDDER
    feedback_db: Path = Field(default_factory=lambda: default_cache_dir() / "feedback.sqlite3")
    username: str = "cdv"
    password: str | None = None

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from `CDV_HOST`, `CDV_PORT`, `CDV_EMBEDDER`, `CDV_FEEDBACK_DB`, `CDV_USERNAME`, `CDV_PASSWORD`."""
        values: dict[str, object] = {}
        for name in ("host", "port", "embedder", "feedback_db", "username", "password"):
            value = os.environ.get(f"CDV_{name.upper()}")
            if value:
                values[name] = value
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)

    @property
    def is_loopback(self) -> bool:
        return self.host in {"127.0.0.1", "localhost", "::1"} or self.host.startswith("127.")
