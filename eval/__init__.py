"""Evaluation: question sets, metrics and side-by-side reports."""

__all__: list[str] = []
