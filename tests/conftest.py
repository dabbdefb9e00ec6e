"""Shared fixtures: the bundled contract, loaded once."""

from __future__ import annotations

import pytest

from corpus import Contract, load_contracts


@pytest.fixture(scope="session")
def caph() -> Contract:
    """The bundled CAPH contract."""
    return load_contracts()[0]
