"""Shared fixtures: the bundled contract and the real default searcher, each loaded once."""

from __future__ import annotations

import pytest

from corpus import Contract, load_contracts
from index import DEFAULT_EMBEDDER, Searcher, open_searcher


@pytest.fixture(scope="session")
def caph() -> Contract:
    """The bundled CAPH contract."""
    return load_contracts()[0]


@pytest.fixture(scope="session")
def default_searcher(caph: Contract, tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    """The real default searcher (multilingual e5-small), its index built once in a temporary cache."""
    return open_searcher([caph], DEFAULT_EMBEDDER, cache_dir=tmp_path_factory.mktemp("cache"))
