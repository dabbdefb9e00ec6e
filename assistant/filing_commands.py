"""`cdv examples` (a territory's past filings) and `cdv feedback` (votes from the page, and the project
lead's review of the corrections, whose accepted ones become filings)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus import Contract, ContractError, load_contracts
from corpus.filings import filings_path, filings_yaml, load_filings, merge, read_filings
from corpus.schema import Filing
from index import fold
from index.cache import write_atomically

if TYPE_CHECKING:
    from assistant.feedback import FeedbackStore

OptionAdder = Callable[[argparse.ArgumentParser], None]
EXPORT_COLUMNS = ("date", "question", "codes_cites", "avis", "code_propose", "commentaire", "contrat")
REVIEW_COLUMNS = ("id", "date", "question", "code_cite", "code_propose", "commentaire", "contrat", "decision")
_ACCEPT = {"accepter", "accepte", "acceptee", "oui", "o", "x", "1", "accept", "yes"}
_REJECT = {"rejeter", "rejete", "rejetee", "refuser", "refuse", "non", "n", "0", "reject", "no"}


def register(commands: Any, contracts_option: OptionAdder, examples: Callable[..., str], raw: type) -> None:
    """Add `examples` and `feedback` to the `cdv` parser."""
    group = commands.add_parser("examples", help="actions déjà financées (programmation) d'un contrat")
    sub = group.add_subparsers(dest="examples_command", required=True)
    importer = sub.add_parser(
        "import",
        help="lire un tableau d'actions passées (CSV, XLSX, ODS) et les garder comme exemples du contrat",
        epilog=examples(
            "cdv examples import programmation-2023.csv --contract lannion-2024-2030",
            "",
            "colonnes : Intitulé, Objectif (son code tel que le contrat l'écrit, ou son titre) ; facultatives :",
            "  Résumé/Description, Année, Porteur. Rien n'est écrit si une ligne est fausse.",
        ),
        formatter_class=raw,
    )
    contracts_option(importer)
    importer.add_argument("table", type=Path, help="le tableau des actions (.csv, .xlsx, .ods)")
    importer.add_argument("--contract", required=True, help="identifiant du contrat sous lequel elles ont été déposées")
    importer.add_argument("--replace", action="store_true", help="remplacer les exemples déjà importés de ce contrat")
    importer.set_defaults(run=_run_examples_import)

    feedback = commands.add_parser("feedback", help="avis enregistrés depuis la page")
    feedback_commands = feedback.add_subparsers(dest="feedback_command", required=True)
    export = feedback_commands.add_parser(
        "export",
        help="exporter les réponses corrigées comme questions d'évaluation (JSONL), ou tous les avis (CSV)",
        epilog=examples("cdv feedback export --out corrections.jsonl", "cdv feedback export --csv --out avis.csv"),
        formatter_class=raw,
    )
    export.add_argument("--db", type=Path, help=_DB_HELP)
    export.add_argument("--out", type=Path, help="fichier produit (par défaut : la sortie standard)")
    export.add_argument(
        "--csv", action="store_true", help="tous les avis, commentaires compris, en CSV (;) pour un tableur"
    )
    export.set_defaults(run=_run_feedback_export)

    review = feedback_commands.add_parser(
        "review",
        help="les corrections proposées (👎 + code) en attente : les accepter (elles deviennent des exemples du"
        " contrat) ou les rejeter",
        epilog=examples(
            "cdv feedback review",
            "cdv feedback review --accept 12 15 --reject 13",
            "cdv feedback review --out revue.csv      (puis remplir la colonne decision : accepter / rejeter)",
            "cdv feedback review --decisions revue.csv",
        ),
        formatter_class=raw,
    )
    contracts_option(review)
    review.add_argument("--db", type=Path, help=_DB_HELP)
    review.add_argument("--accept", type=int, nargs="+", default=[], metavar="ID", help="accepter ces avis")
    review.add_argument("--reject", type=int, nargs="+", default=[], metavar="ID", help="rejeter ces avis")
    review.add_argument("--out", type=Path, help="écrire les corrections en attente dans ce CSV (;) à remplir")
    review.add_argument("--decisions", type=Path, help="relire ce CSV rempli (colonnes id et decision)")
    review.set_defaults(run=_run_feedback_review)


_DB_HELP = "base des avis (par défaut : CDV_FEEDBACK_DB ou .cdv/feedback.sqlite3)"


def _run_examples_import(args: argparse.Namespace) -> int:
    contract = _contract(args.contracts, args.contract)
    path = filings_path(args.contracts, contract.id)
    new = read_filings(args.table, contract)
    kept = [] if args.replace else load_filings(path, contract)
    merged, duplicates = merge(kept, new)
    _save(path, contract, merged)
    added = len(merged) - len(kept)
    print(f"{path} : {added} actions ajoutées, {len(merged)} en tout pour {contract.id}")
    for filing in duplicates:
        print(f"  déjà présente, ignorée : {filing.origin} : {filing.title[:80]} ({filing.code})")
    print("L'index sera reconstruit au prochain démarrage (seules les nouvelles actions sont calculées).")
    return 0


def _run_feedback_export(args: argparse.Namespace) -> int:
    from assistant.classify import inert

    store = _store(args.db, read_only=True)
    if args.csv:
        table = store.export_table()
        stream = io.StringIO()
        writer = csv.DictWriter(stream, fieldnames=list(EXPORT_COLUMNS), delimiter=";")
        writer.writeheader()
        writer.writerows({key: inert(value) for key, value in row.items()} for row in table)
        text, what = stream.getvalue(), f"{len(table)} avis"
    else:
        rows = store.export_corrections()
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        what = f"{len(rows)} questions corrigées (une par question)"
    _write(args.out, text, what)
    return 0


def _run_feedback_review(args: argparse.Namespace) -> int:
    from assistant.classify import inert

    store = _store(args.db, read_only=False)
    accept, reject = set(args.accept), set(args.reject)
    if args.decisions:
        more_accept, more_reject = _read_decisions(args.decisions)
        accept |= more_accept
        reject |= more_reject
    both = sorted(accept & reject)
    if both:
        raise ValueError(f"avis {', '.join(map(str, both))} : à la fois accepté(s) et rejeté(s)")
    pending = {f.id: f for f in store.pending()}
    if not accept and not reject:
        rows = [
            {
                "id": str(f.id),
                "date": time.strftime("%Y-%m-%d", time.localtime(f.created_at)),
                "question": f.typed or f.question,
                "code_cite": f.cited_codes[0] if f.cited_codes else "",
                "code_propose": f.correct_code or "",
                "commentaire": f.comment,
                "contrat": f.contract or "",
                "decision": "",
            }
            for f in pending.values()
        ]
        if args.out:
            stream = io.StringIO()
            writer = csv.DictWriter(stream, fieldnames=list(REVIEW_COLUMNS), delimiter=";")
            writer.writeheader()
            writer.writerows({key: inert(value) for key, value in row.items()} for row in rows)
            _write(args.out, stream.getvalue(), f"{len(rows)} corrections en attente")
            return 0
        if not rows:
            print("Aucune correction en attente.")
        for row in rows:
            print(f"n° {row['id']} ({row['date']}, {row['contrat'] or 'contrat ?'}) « {row['question'][:120]} »")
            print(f"    cité {row['code_cite'] or '—'} → proposé {row['code_propose']}"
                  + (f" ; « {row['commentaire'][:120]} »" if row["commentaire"] else ""))  # fmt: skip
        if rows:
            print("\nDécider : cdv feedback review --accept N… --reject N…")
        return 0
    unknown = sorted((accept | reject) - set(pending))
    if unknown:
        raise ValueError(
            f"avis {', '.join(map(str, unknown))} : pas une correction en attente (voir cdv feedback review)"
        )
    contracts = {c.id: c for c in load_contracts(args.contracts)}
    chosen = [pending[i] for i in sorted(accept)]
    added: dict[str, list[Filing]] = {}
    for vote in chosen:
        contract = _vote_contract(vote.contract, contracts, vote.id)
        day = time.strftime("%Y-%m-%d", time.localtime(vote.created_at))
        assert vote.correct_code is not None  # pending corrections have one
        added.setdefault(contract.id, []).append(
            Filing(
                code=vote.correct_code, title=(vote.typed or vote.question)[:5000], origin=f"avis n° {vote.id} du {day}"
            )
        )
    # the filings first: if writing them fails, no decision is recorded and the review can be run again
    for contract_id, filings in added.items():
        contract = contracts[contract_id]
        path = filings_path(args.contracts, contract_id)
        merged, _ = merge(load_filings(path, contract), filings)
        _save(path, contract, merged)
    if accept:
        store.decide(accept, "accepted")
    if reject:
        store.decide(reject, "rejected")
    print(f"{len(accept)} acceptée(s), {len(reject)} rejetée(s)")
    for contract_id, filings in added.items():
        print(f"  {len(filings)} exemple(s) ajouté(s) à {contract_id} ({filings_path(args.contracts, contract_id)})")
    if added:
        print("L'index sera reconstruit au prochain démarrage.")
    return 0


def _read_decisions(path: Path) -> tuple[set[int], set[int]]:
    from corpus.sheets import read_rows

    rows = read_rows(path)
    header = [cell.strip().lower() for cell in rows[0]]
    if "id" not in header or "decision" not in header:
        raise ContractError([f"{path}: ligne 1: colonnes « id » et « decision » attendues"])
    where_id, where_decision = header.index("id"), header.index("decision")
    accept: set[int] = set()
    reject: set[int] = set()
    problems = []
    for number, row in enumerate(rows[1:], start=2):
        cell = row[where_decision].strip().lower() if where_decision < len(row) else ""
        ident = row[where_id].strip() if where_id < len(row) else ""
        if not cell:
            continue  # undecided: stays pending
        if not ident.isdigit():
            problems.append(f"{path}: ligne {number}: id: « {ident[:20]} » n'est pas un numéro d'avis")
        elif fold(cell) in _ACCEPT:
            accept.add(int(ident))
        elif fold(cell) in _REJECT:
            reject.add(int(ident))
        else:
            problems.append(f"{path}: ligne {number}: decision: « {cell[:20]} » (écrire accepter ou rejeter)")
    if problems:
        raise ContractError(problems)
    return accept, reject


def _save(path: Path, contract: Contract, filings: list[Filing]) -> None:
    """The contract's filings file, replaced whole and synced (a power cut leaves the old one or the new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, filings_yaml(contract, filings).encode("utf-8"))


def _vote_contract(contract_id: str | None, contracts: dict[str, Contract], vote: int) -> Contract:
    if contract_id in contracts:
        return contracts[contract_id]
    if contract_id is None and len(contracts) == 1:
        return next(iter(contracts.values()))
    raise ValueError(f"avis n° {vote} : contrat {contract_id or '?'} introuvable parmi {', '.join(contracts)}")


def _contract(path: Path, contract_id: str) -> Contract:
    contracts = {c.id: c for c in load_contracts(path)}
    if contract_id not in contracts:
        raise ValueError(f"contrat inconnu {contract_id!r} : contrats de {path} : {', '.join(contracts)}")
    return contracts[contract_id]


def _store(path: Path | None, *, read_only: bool) -> FeedbackStore:
    from assistant.feedback import FeedbackStore
    from assistant.settings import Settings

    return FeedbackStore(path or Settings.from_env().feedback_db, read_only=read_only)


def _write(out: Path | None, text: str, what: str) -> None:
    if out:
        out.write_text(text, encoding="utf-8")
        print(f"{what} → {out}")
    else:
        sys.stdout.write(text)
