"""Evaluation: question sets, metrics, side-by-side reports, tuning and benchmarks."""

from eval.questions import DEFAULT_QUESTIONS, SITUATIONS, SPLITS, Question, Split, load_questions
from eval.report import ConfigReport, evaluate, format_styles, format_table

__all__ = [
    "DEFAULT_QUESTIONS",
    "SITUATIONS",
    "SPLITS",
    "ConfigReport",
    "Question",
    "Split",
    "evaluate",
    "format_styles",
    "format_table",
    "load_questions",
]
