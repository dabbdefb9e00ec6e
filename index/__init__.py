"""Retrieval over the contract: embedders, lexical and dense indexes, fusion."""

__all__: list[str] = []
