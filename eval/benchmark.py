"""Speed and memory figures of each embedder and retriever (a benchmark, not a test).

Run: `.venv/bin/python -m eval.benchmark` (or `make bench`). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from corpus import load_contracts
from index import E5_NAME, MINILM_NAME, RETRIEVERS, USE_NAME, Searcher, load_embedder

QUESTION = "which objective covers school absenteeism?"


def main(argv: Sequence[str] | None = None) -> None:
    """Measure every embedder in its own process and print one table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embedders", default=f"{E5_NAME},{USE_NAME},{MINILM_NAME}")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--cold", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, cold=args.cold)
        return
    rows = []
    for embedder in args.embedders.split(","):
        with tempfile.TemporaryDirectory() as cache:
            figures = json.loads(_run([f"--child={embedder}"], cache))
            started = time.perf_counter()
            _run([f"--child={embedder}", "--cold"], cache)
            cold = time.perf_counter() - started
        for retriever, stats in figures["retrievers"].items():
            rows.append((embedder, retriever, figures, stats, cold))
    print(
        "| embedder | retriever | build s | cold start s | p50 ms | p95 ms | encode p50 ms | encode p95 ms"
        " | p50 / encode | batch q/s | peak MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for embedder, retriever, figures, stats, cold in rows:
        ratio = stats["p50"] / figures["encode_p50"] if retriever != "lexical" and figures["encode_p50"] else None
        print(
            f"| {embedder} | {retriever} | {figures['build']:.1f} | {cold:.1f}"
            f" | {stats['p50']:.1f} | {stats['p95']:.1f}"
            f" | {figures['encode_p50']:.1f} | {figures['encode_p95']:.1f} | {'–' if ratio is None else f'{ratio:.2f}'}"
            f" | {stats['throughput']:.0f} | {figures['peak_mb']:.0f} |"
        )


def _run(arguments: list[str], cache: str) -> str:
    env = {"CDV_CACHE_DIR": cache, "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "eval.benchmark", *arguments],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return done.stdout


def _child(name: str, *, cold: bool) -> None:
    contracts = load_contracts()
    if cold:
        Searcher(contracts, load_embedder(name)).search(QUESTION)
        return
    from eval.questions import load_questions

    questions = [q.question for q in load_questions()]
    embedder = load_embedder(name)
    started = time.perf_counter()
    searcher = Searcher(contracts, embedder, rebuild=True)
    build = time.perf_counter() - started
    searcher.search(QUESTION)  # warm-up
    encode = _latencies(lambda q: embedder.encode_queries([q]), questions)
    retrievers = {}
    for retriever in RETRIEVERS:
        latencies = _latencies(lambda q, r=retriever: searcher.search(q, retriever=r), questions)  # type: ignore[misc]
        started = time.perf_counter()
        searcher.search_many(questions, retriever=retriever)
        throughput = len(questions) / (time.perf_counter() - started)
        retrievers[retriever] = {
            "p50": float(np.percentile(latencies, 50)),
            "p95": float(np.percentile(latencies, 95)),
            "throughput": throughput,
        }
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "build": build,
                "encode_p50": float(np.percentile(encode, 50)),
                "encode_p95": float(np.percentile(encode, 95)),
                "retrievers": retrievers,
                "peak_mb": peak_mb,
            }
        )
    )


def _latencies(call: object, questions: list[str]) -> list[float]:
    out = []
    for question in questions:
        started = time.perf_counter()
        call(question)  # type: ignore[operator]
        out.append(1000 * (time.perf_counter() - started))
    return out


if __name__ == "__main__":
    main()
