"""Speed and memory of a contract with many past filings (a benchmark, not a test).

Writes a table of N synthetic filings (default 10,000) for CAPH titles-only, imports it
(`corpus.filings.read_filings`), rebuilds the index from an empty cache, and measures search latency with
and without the filings; each step runs in its own process so that its peak memory is its own.

Run: `.venv/bin/python -m eval.filings_bench [--rows 10000]`.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

_ACTIONS = (
    "atelier", "permanence", "chantier", "sortie", "forum", "accompagnement", "formation", "café", "jardin",
    "médiation", "stage", "club", "rencontre", "maraude", "parcours", "exposition", "séjour", "soutien",
)  # fmt: skip
_TOPICS = (
    "cuisine", "numérique", "vélo", "emploi", "théâtre", "santé", "lecture", "devoirs", "sport", "couture",
    "logement", "budget", "mobilité", "français", "musique", "citoyenneté", "environnement", "parentalité",
)  # fmt: skip
_PUBLICS = ("jeunes", "habitants", "parents", "seniors", "femmes", "collégiens", "enfants", "demandeurs d'emploi")
_PLACES = ("de la Briqueterie", "du centre", "des Provinces", "de la gare", "du Faubourg", "de la Sucrerie")
_QUESTIONS = (
    "aide aux devoirs pour les collégiens",
    "un repair café au pied des immeubles",
    "recruter des adultes-relais",
)


def write_table(path: Path, rows: int, codes: Sequence[str], seed: int = 0) -> None:
    """A programmation of `rows` distinct synthetic actions, filed under random objectives."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Intitulé", "Résumé", "Objectif", "Année", "Porteur"])
        for n in range(rows):
            action, topic = rng.choice(_ACTIONS), rng.choice(_TOPICS)
            public, place = rng.choice(_PUBLICS), rng.choice(_PLACES)
            title = f"{action.capitalize()} {topic} pour les {public} {place} n° {n}"
            summary = (
                f"Un {action} autour de {topic} avec les {public} du quartier {place}, {rng.randint(5, 60)} places."
            )
            writer.writerow([title, summary, rng.choice(codes), rng.randint(2016, 2024), f"Association {n % 97}"])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(json.loads(args.child))))
        return
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        without = _run({"step": "search", "cache": str(work / "cache"), "rows": 0})
        built = _run({"step": "build", "cache": str(work / "cache"), "rows": args.rows, "folder": folder})
        searched = _run({"step": "search", "cache": str(work / "cache"), "rows": args.rows, "folder": folder})
    print(f"| step | {args.rows} filings |")
    print("|---|---|")
    print(f"| read and check the table | {built['read']:.1f} s |")
    print(f"| rebuild the index (empty cache) | {built['build']:.1f} s |")
    print(f"| import + rebuild, peak memory | {built['peak_mb']:.0f} MB |")
    print(f"| search p50 / p95 without filings | {without['p50']:.0f} / {without['p95']:.0f} ms |")
    print(f"| search p50 / p95 with filings | {searched['p50']:.0f} / {searched['p95']:.0f} ms |")
    print(f"| start with a built index, peak memory | {searched['peak_mb']:.0f} MB |")


def _run(task: dict[str, object]) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-m", "eval.filings_bench", f"--child={json.dumps(task)}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def _child(task: dict[str, object]) -> dict[str, float]:
    from corpus import contract_form, load_contracts
    from corpus.filings import read_filings, with_filings
    from index import DEFAULT_EMBEDDER, open_searcher

    contract = contract_form(load_contracts()[0], "titles-only")
    figures: dict[str, float] = {}
    rows = int(str(task["rows"]))
    if rows:
        table = Path(str(task["folder"])) / "programmation.csv"
        if not table.exists():
            write_table(table, rows, [o.code for _, _, o in contract.objectives()])
        started = time.perf_counter()
        contract = with_filings(contract, read_filings(table, contract))
        figures["read"] = time.perf_counter() - started
    started = time.perf_counter()
    searcher = open_searcher([contract], DEFAULT_EMBEDDER, cache_dir=Path(str(task["cache"])))
    figures["build"] = time.perf_counter() - started
    if task["step"] == "search":
        timings = []
        for variant in ("", " du quartier", " le samedi", " pour les familles", " avec une association"):
            for question in _QUESTIONS:  # each a new text: its embedding is computed, not remembered
                started = time.perf_counter()
                searcher.search(question + variant)
                timings.append(1000 * (time.perf_counter() - started))
        figures["p50"], figures["p95"] = float(np.percentile(timings, 50)), float(np.percentile(timings, 95))
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


if __name__ == "__main__":
    main()
