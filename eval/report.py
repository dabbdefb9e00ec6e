"""Run a question set through search configurations and report the metrics side by side."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from eval.metrics import abstention_scores, answered_right, mrr_at_k, ndcg_at_k, recall_at_k
from eval.questions import Question
from index import Retriever, Searcher

RANKING = ("hit@1", "recall@3", "recall@5", "mrr@10", "ndcg@10")
COLUMNS = (*RANKING, "abstain_precision", "abstain_recall", "false_refusal", "ms/question")


@dataclass(frozen=True)
class QuestionOutcome:
    """What one configuration answered for one question."""

    id: str
    ranked: tuple[str, ...]
    abstained: bool
    gold: tuple[str, ...]
    style: str
    lang: str


@dataclass(frozen=True)
class ConfigReport:
    """Metrics of one configuration over a question set."""

    name: str
    metrics: dict[str, float]
    by_style: dict[str, dict[str, float]]
    count: int
    outcomes: tuple[QuestionOutcome, ...] = field(repr=False)


def evaluate(searcher: Searcher, questions: Sequence[Question], retriever: Retriever, name: str) -> ConfigReport:
    """Search every question (one at a time, timing each) and compute the metrics."""
    outcomes = []
    started = time.perf_counter()
    for question in questions:
        result = searcher.search(question.question, k=10, retriever=retriever)
        outcomes.append(
            QuestionOutcome(
                question.id,
                tuple(h.code for h in result.hits),
                result.abstain,
                question.gold,
                question.style,
                question.lang,
            )
        )
    elapsed = time.perf_counter() - started
    metrics = summarise(outcomes)
    metrics["ms/question"] = 1000 * elapsed / max(1, len(questions))
    by_style: dict[str, list[QuestionOutcome]] = defaultdict(list)
    for outcome in outcomes:
        by_style[outcome.style].append(outcome)
        by_style[f"lang:{outcome.lang}"].append(outcome)
    return ConfigReport(
        name,
        metrics,
        {style: summarise(items) for style, items in sorted(by_style.items())},
        len(outcomes),
        tuple(outcomes),
    )


def summarise(outcomes: Sequence[QuestionOutcome]) -> dict[str, float]:
    """Mean ranking metrics over in-scope questions, plus abstention scores over all."""
    scoped = [o for o in outcomes if o.gold]
    metrics: dict[str, float] = {"n": float(len(outcomes)), "n_in_scope": float(len(scoped))}
    if scoped:
        # a refused question is never right, whatever its closest objective
        metrics["hit@1"] = _mean(float(answered_right(o.ranked, o.gold, o.abstained)) for o in scoped)
        metrics["recall@3"] = _mean(recall_at_k(o.ranked, o.gold, 3) for o in scoped)
        metrics["recall@5"] = _mean(recall_at_k(o.ranked, o.gold, 5) for o in scoped)
        metrics["mrr@10"] = _mean(mrr_at_k(o.ranked, o.gold, 10) for o in scoped)
        metrics["ndcg@10"] = _mean(ndcg_at_k(o.ranked, o.gold, 10) for o in scoped)
    metrics.update(abstention_scores([o.abstained for o in outcomes], [bool(o.gold) for o in outcomes]))
    return metrics


def format_table(reports: Sequence[ConfigReport], columns: Sequence[str] = COLUMNS) -> str:
    """A Markdown table: one row per configuration, one column per metric."""
    header = "| configuration | n | " + " | ".join(columns) + " |"
    lines = [header, "|" + "---|" * (len(columns) + 2)]
    for report in reports:
        cells = [_cell(report.metrics.get(c)) for c in columns]
        lines.append(f"| {report.name} | {report.count} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_styles(report: ConfigReport) -> str:
    """A Markdown table of one configuration's figures per style and language."""
    columns = ("hit@1", "recall@3", "mrr@10", "abstain_recall", "false_refusal")
    lines = [f"| {report.name}: style | n | " + " | ".join(columns) + " |", "|" + "---|" * (len(columns) + 2)]
    for style, metrics in report.by_style.items():
        cells = [_cell(metrics.get(c)) for c in columns]
        lines.append(f"| {style} | {int(metrics['n'])} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if value > 2 else f"{value:.3f}"


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items) if items else 0.0
