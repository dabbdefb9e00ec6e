"""Shared fixtures: the bundled contract and the real default searchers, each loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import Contract, load_contracts, source_only, titles_only
from index import DEFAULT_EMBEDDER, Searcher, open_searcher


@pytest.fixture(scope="session")
def caph() -> Contract:
    """The bundled CAPH contract."""
    return load_contracts()[0]


@pytest.fixture(scope="session")
def index_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One temporary index cache for the session: passage vectors embedded once serve every searcher."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def default_searcher(caph: Contract, index_cache: Path) -> Searcher:
    """The real default searcher (multilingual e5-small), its index built once in a temporary cache."""
    return open_searcher([caph], DEFAULT_EMBEDDER, cache_dir=index_cache)


@pytest.fixture(scope="session")
def source_only_searcher(caph: Contract, index_cache: Path) -> Searcher:
    """The default searcher over the contract stripped of its editorial fields (as a new contract is)."""
    return open_searcher([source_only(caph)], DEFAULT_EMBEDDER, cache_dir=index_cache)


@pytest.fixture(scope="session")
def titles_only_searcher(caph: Contract, index_cache: Path) -> Searcher:
    """The default searcher over the contract as most 2024-2030 contracts are published: titles only."""
    return open_searcher([titles_only(caph)], DEFAULT_EMBEDDER, cache_dir=index_cache)
