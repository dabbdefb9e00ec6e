"""`cdv eval`: retrieval measured on a question set, per contract form and split, in one table.

Registered into `cdv` through the `cdv.commands` entry point: the assistant does not import the
evaluation.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

from corpus import FORMS, Contract, contract_form, load_contracts
from corpus.filings import read_filings, with_filings
from eval.metrics import answered_right
from eval.questions import DEFAULT_QUESTIONS, Split, load_questions
from eval.report import evaluate, format_styles, format_table
from index import DEFAULT_EMBEDDER, RETRIEVERS, Retriever, Searcher, open_searcher


def register(commands: Any, contracts_option: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add `cdv eval` to the `cdv` parser."""
    evaluate = commands.add_parser(
        "eval",
        help="mesurer la recherche sur un jeu de questions",
        epilog="exemples :\n"
        + "\n".join(
            f"  {line}"
            for line in (
                "cdv eval --split heldout --styles",
                "cdv eval --split dev,heldout --form shipped,source-only,titles-only --retriever hybrid",
                "cdv eval --queries eval/data/situations.jsonl --split heldout",
                "cdv eval --dialogues eval/data/dialogues.jsonl --split heldout",
            )
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    contracts_option(evaluate)
    evaluate.add_argument(
        "--retriever", choices=(*RETRIEVERS, "all"), default="all", help="méthode(s) à mesurer (all : les trois)"
    )
    evaluate.add_argument(
        "--embedder", default=DEFAULT_EMBEDDER, help="modèle(s) de plongement, séparés par des virgules"
    )
    evaluate.add_argument(
        "--split",
        help="partie(s) du jeu, séparées par des virgules : dev (réglages), heldout (contrôle, par défaut) ou all"
        " (tout ; défaut avec --queries)",
    )
    evaluate.add_argument("--queries", type=Path, help="fichier de questions (par défaut : eval/data/questions.jsonl)")
    evaluate.add_argument("--report", type=Path, default=Path("eval-report.json"), help="rapport JSON détaillé")
    evaluate.add_argument("--styles", action="store_true", help="détail par style de question")
    evaluate.add_argument(
        "--dialogues",
        type=Path,
        help="mesurer des conversations (une ligne JSON par dialogue) : objectif juste à chaque tour",
    )
    evaluate.add_argument("--json", action="store_true", help="avec --dialogues : une ligne JSON par dialogue")
    evaluate.add_argument(
        "--form",
        default="shipped",
        help="forme(s) du contrat, séparées par des virgules : shipped (tel que livré), source-only (sans ajouts"
        " éditoriaux : vocabulary, *_en, out_of_scope), titles-only (source-only sans mesures ni descriptions)",
    )
    evaluate.add_argument(
        "--with-examples",
        type=Path,
        metavar="TABLEAU",
        help="ajouter au contrat (un seul contrat chargé) ces actions passées (Intitulé ; Objectif…, comme"
        " cdv examples import) : sans cette option, aucune forme n'en utilise",
    )
    evaluate.set_defaults(run=_run_eval)


def _run_eval(args: argparse.Namespace) -> int:
    if args.dialogues is not None:
        return _run_dialogue_eval(args)

    splits = _choices(args.split or ("all" if args.queries else "heldout"), ("dev", "heldout", "all"), "--split")
    forms = _choices(args.form, FORMS, "--form")
    retrievers = RETRIEVERS if args.retriever == "all" else (args.retriever,)
    embedders = [e.strip() for e in args.embedder.split(",") if e.strip()]
    reports = []
    for form in forms:
        contracts = _with_examples([contract_form(c, form) for c in load_contracts(args.contracts)], args.with_examples)
        searchers: list[tuple[str, Searcher]] = []
        if "lexical" in retrievers:  # the lexical retriever does not depend on the embedder: one row for it
            searchers.append(("lexical", open_searcher(contracts, None)))
        dense_retrievers = [r for r in retrievers if r != "lexical"]
        for embedder in embedders if dense_retrievers else []:
            searchers.append((embedder, open_searcher(contracts, embedder)))
        for split in splits:
            questions = load_questions(args.queries or DEFAULT_QUESTIONS, cast(Split, split))
            for name, searcher in searchers:
                chosen: Sequence[Retriever] = ("lexical",) if name == "lexical" else dense_retrievers
                for retriever in chosen:
                    label = retriever if name == "lexical" else f"{retriever} ({name})"
                    known = f"{form} + {args.with_examples.name}" if args.with_examples else form  # the knowledge used
                    reports.append(evaluate(searcher, questions, retriever, f"{known} · {split} · {label}"))
    print(f"formes {', '.join(forms)} ; parties {', '.join(splits)}")
    print(format_table(reports))
    if args.styles:
        for report in reports:
            print()
            print(format_styles(report))
    payload = {
        "splits": splits,
        "forms": forms,
        "questions": str(args.queries or DEFAULT_QUESTIONS),
        "configurations": [
            {
                "name": r.name,
                "metrics": r.metrics,
                "by_style": r.by_style,
                "misses": [
                    {"id": o.id, "gold": o.gold, "ranked": o.ranked[:3], "abstained": o.abstained}
                    for o in r.outcomes
                    if not answered_right(o.ranked, o.gold, o.abstained)
                ],
            }
            for r in reports
        ],
    }
    args.report.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nRapport écrit dans {args.report}")
    return 0


def _with_examples(contracts: list[Contract], table: Path | None) -> list[Contract]:
    """The contracts, or the only one with the past filings of `table` attached."""
    if table is None:
        return contracts
    if len(contracts) != 1:
        raise ValueError("--with-examples : un seul contrat doit être chargé (--contracts FICHIER)")
    return [with_filings(contracts[0], read_filings(table, contracts[0]))]


def _choices(text: str, allowed: Sequence[str], option: str) -> list[str]:
    """The comma-separated values of an option, each checked."""
    values = [v.strip() for v in text.split(",") if v.strip()]
    wrong = [v for v in values if v not in allowed]
    if wrong or not values:
        raise ValueError(f"{option} {text!r} : valeurs possibles {', '.join(allowed)}")
    return values


def _run_dialogue_eval(args: argparse.Namespace) -> int:
    from assistant.answer import compose_answer
    from eval.dialogues import load_dialogues, run_dialogues, turn_accuracy

    split = cast(Split, _choices(args.split or "heldout", ("dev", "heldout", "all"), "--split")[0])
    dialogues = load_dialogues(args.dialogues, split)
    contracts = [contract_form(c, _choices(args.form, FORMS, "--form")[0]) for c in load_contracts(args.contracts)]
    searcher = open_searcher(contracts, args.embedder.split(",")[0].strip())

    def answer(question: str, history: Sequence[str]) -> tuple[tuple[str, ...], bool]:
        reply = compose_answer(question, history, searcher)
        return reply.cited_codes, reply.best is None

    outcomes = run_dialogues(dialogues, answer)
    if args.json:
        for dialogue in dialogues:
            turns = [o for o in outcomes if o.dialogue == dialogue.id]
            payload = {
                "id": dialogue.id,
                "turns": [
                    {"question": o.question, "gold": list(o.gold), "cited": list(o.cited), "abstain": o.abstained}
                    for o in turns
                ],
            }
            print(json.dumps(payload, ensure_ascii=False))
        return 0
    print(f"{len(dialogues)} dialogues, {len(outcomes)} turns, split {split}")
    for name, value in turn_accuracy(outcomes).items():
        print(f"{name}: Hit@1 {value:.3f}")
    for o in outcomes:
        if not o.right:
            print(f"  miss {o.dialogue} turn {o.turn}: {o.question!r} gold {list(o.gold)} cited {list(o.cited[:2])}")
    return 0
