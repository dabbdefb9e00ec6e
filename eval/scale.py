"""Scale benchmark: every contrat de ville in France (about 500 contracts, 100,000 measures) in one index.

No such corpus exists as data, so it is generated: each contract takes the bundled contract's structure
without its editorial fields, four measures per objective drawn from the same axis, each objective title
and measure placed in an invented neighbourhood (so the vocabulary grows with the corpus as real place
names would, and no two contracts word an objective the same way). Embedding
hundreds of thousands of passages with a real model takes hours on this machine, so passages are embedded
by a hashing embedder (words and word pairs hashed into 384 signed dimensions, normalised): the index, the
classifiers, the lexical tables and the search are the real ones; only the vectors' meaning is not.
A real model adds its own encode time per question (e5-small about 9 ms here, `make bench`).

Run: `.venv/bin/python -m eval.scale` (default 500 contracts; `--contracts 50` for a quick look).
Prints a Markdown table: build time, index size on disk, peak memory of the build and of a fresh process
serving searches, search p50/p95 within one contract and across all, and the HNSW shortlist's recall@10
against exact search (passages and final objectives).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from corpus import Contract, load_contract, source_only
from corpus.loader import DEFAULT_DATA_DIR
from eval.questions import load_questions

DIMENSION = 384
MEASURES_PER_OBJECTIVE = 4
_SYLLABLES = "ba be bi bo bu ca co cu da de di do fa fe fi fo ga go la le li lo lu ma me mi mo mu na ne ni no".split()
_SYLLABLES += "pa pe pi po ra re ri ro ru sa se si so ta te ti to va ve vi vo".split()
_PLACES = ("dans le quartier", "à la cité", "au secteur", "sur le quartier prioritaire", "à la résidence")


class HashingEmbedder:
    """Bag of words and word pairs hashed into signed dimensions: fast, deterministic, model-free."""

    name = "hashing-384"
    dimension = DIMENSION

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for row, text in enumerate(texts):
            words = "".join(ch if ch.isalnum() else " " for ch in text.lower()).split()
            for feature in [*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))]:
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                slot, sign = int.from_bytes(digest[:4], "little") % DIMENSION, 1.0 if digest[4] & 1 else -1.0
                out[row, slot] += sign
            norm = float(np.linalg.norm(out[row]))
            out[row] = out[row] / norm if norm else out[row]
        return out


def generate(count: int, seed: int = 0) -> list[Contract]:
    """`count` invented contracts shaped like the bundled one (source text only)."""
    base = source_only(load_contract(DEFAULT_DATA_DIR / "caph-2015-2023.yaml"))
    template = base.model_dump()
    pool: dict[int, list[str]] = {}
    for axis, _, objective in base.objectives():
        pool.setdefault(axis.number, []).extend(m.text for m in objective.measures)
    rng = np.random.default_rng(seed)
    contracts = []
    for n in range(count):
        places = [_name(rng) for _ in range(12)]
        data = json.loads(json.dumps(template))  # a deep copy
        data.update(id=f"gen-{n:03d}", title=f"Contrat de ville de {places[0].title()} (généré)", name=None)
        data.update(territory=f"Agglomération de {places[0].title()} (inventée)")
        data.update(examples=[], glossary=[], fixes=[], source=f"généré par eval.scale (graine {seed})")
        for axis in data["axes"]:
            for priority in axis["priorities"]:
                for objective in priority["objectives"]:
                    # each contract words its objectives its own way (here: its own place in the title)
                    objective["title"] = f"{objective['title']} ({rng.choice(_PLACES)} {rng.choice(places).title()})"
                    chosen = rng.choice(pool[axis["number"]], size=MEASURES_PER_OBJECTIVE)
                    objective["measures"] = [
                        {"text": f"{text} {rng.choice(_PLACES)} {rng.choice(places).title()}"} for text in chosen
                    ]
        contracts.append(Contract.model_validate(data))
    return contracts


def _name(rng: np.random.Generator) -> str:
    return "".join(rng.choice(_SYLLABLES, size=int(rng.integers(2, 4))))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=500, help="how many contracts to generate (500)")
    parser.add_argument("--queries", type=int, default=200, help="how many questions to time (200)")
    parser.add_argument(
        "--approximate-above",
        type=int,
        help="build an HNSW index above this many vectors (default: the index's own threshold)",
    )
    parser.add_argument("--child", choices=["build", "serve"], help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.approximate_above is not None:
        import index.dense

        index.dense.APPROXIMATE_ABOVE = args.approximate_above
    if args.child:
        figures = _build(args) if args.child == "build" else _serve(args)
        print(json.dumps(figures))
        return
    with tempfile.TemporaryDirectory() as cache:
        build = _run("build", args, cache)
        size = sum(f.stat().st_size for f in Path(cache).rglob("*") if f.is_file() and f.suffix != ".sqlite3")
        serve = _run("serve", args, cache)
    kind = "HNSW" if build["approximate"] else "flat"
    print(
        f"{args.contracts} generated contracts, {build['objectives']:,} objectives, {build['measures']:,} measures,"
        f" {build['passages']:,} passages, {build['vectors']:,} distinct vectors ({kind} index)\n"
    )
    approximate = build["approximate"]
    print("| what | figure |\n|---|---|")
    rows = [
        ("build (embedding, lexical tables, classifiers, index) s", f"{build['seconds']:.0f}"),
        ("index files on disk MB", f"{size / 1e6:.0f}"),
        ("peak memory, build MB", f"{build['peak_mb']:.0f}"),
        ("cold start (index loaded, memory-mapped) s", f"{serve['load_seconds']:.1f}"),
        ("peak memory, serving MB", f"{serve['peak_mb']:.0f}"),
        ("search within one contract p50 / p95 ms", f"{serve['contract_p50']:.1f} / {serve['contract_p95']:.1f}"),
        (f"search across all contracts ({kind}) p50 / p95 ms", f"{serve['all_p50']:.1f} / {serve['all_p95']:.1f}"),
    ]
    if approximate:
        rows += [
            ("same, scoring every vector (exact) p50 / p95 ms", f"{serve['exact_p50']:.1f} / {serve['exact_p95']:.1f}"),
            ("nearest-vector recall@10, HNSW vs exact", f"{serve['passage_recall']:.3f}"),
            ("answer's objectives recall@10, HNSW shortlist vs exact", f"{serve['objective_recall']:.3f}"),
            ("same best objective as exact", f"{serve['top1']:.3f}"),
        ]
    for what, figure in rows:
        print(f"| {what} | {figure} |")


def _run(child: str, args: argparse.Namespace, cache: str) -> dict[str, float]:
    command = [sys.executable, "-m", "eval.scale", f"--child={child}", f"--cache={cache}"]
    command += [f"--contracts={args.contracts}", f"--queries={args.queries}"]
    if args.approximate_above is not None:
        command.append(f"--approximate-above={args.approximate_above}")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"eval.scale {child} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _searcher(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from index import Searcher

    return Searcher(generate(args.contracts), HashingEmbedder(), cache_dir=Path(args.cache))


def _build(args: argparse.Namespace) -> dict[str, float]:
    import index.dense

    started = time.perf_counter()
    searcher = _searcher(args)
    seconds = time.perf_counter() - started
    passages = searcher.passages
    dense = searcher._dense  # the benchmark reports how the index was built
    assert dense is not None
    return {
        "seconds": seconds,
        "objectives": sum(1 for c in searcher.contracts for _ in c.objectives()),
        "measures": sum(1 for p in passages if p.kind == "measure"),
        "passages": len(passages),
        "vectors": dense.manifest.passages,
        "approximate": float(dense.approximate),
        "threshold": index.dense.APPROXIMATE_ABOVE,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _serve(args: argparse.Namespace) -> dict[str, float]:
    from index import Searcher

    contracts = generate(args.contracts)  # as a server would read its contract files (not timed)
    started = time.perf_counter()
    searcher = Searcher(contracts, HashingEmbedder(), cache_dir=Path(args.cache))
    load_seconds = time.perf_counter() - started
    questions = [q.question for q in load_questions(split="dev")][: args.queries]
    ids = [c.id for c in searcher.contracts]
    rng = np.random.default_rng(1)
    searcher.search(questions[0])  # warm-up
    within = _latencies(lambda q: searcher.search(q, contract=str(rng.choice(ids))), questions)
    across = _latencies(searcher.search, questions)
    approximate = [[(h.contract_id, h.code) for h in searcher.search(q, k=10).hits] for q in questions]
    dense = searcher._dense  # exact search for comparison: the same vectors, scored one by one
    assert dense is not None
    vectors = searcher.embedder.encode_queries(questions)  # type: ignore[union-attr]
    _, shortlisted = dense.search(vectors, 10)
    was = dense.approximate
    dense.approximate = False
    exact_times = _latencies(searcher.search, questions)
    exact = [[(h.contract_id, h.code) for h in searcher.search(q, k=10).hits] for q in questions]
    dense.approximate = was
    # many passages are the same text in several contracts (same vector): a returned passage counts
    # if its exact score reaches the exact tenth best, whichever of the equal ones it is
    every = dense.scores(vectors)
    tenth = -np.partition(-every, 9, axis=1)[:, 9]
    found = [float(np.mean(every[row, ids] >= tenth[row] - 1e-6)) for row, ids in enumerate(shortlisted)]
    return {
        "load_seconds": load_seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "contract_p50": within[0],
        "contract_p95": within[1],
        "all_p50": across[0],
        "all_p95": across[1],
        "exact_p50": exact_times[0],
        "exact_p95": exact_times[1],
        "passage_recall": float(np.mean(found)),
        "objective_recall": float(
            np.mean([len(set(a) & set(b)) / max(len(b), 1) for a, b in zip(approximate, exact, strict=True)])
        ),
        "top1": float(np.mean([a[:1] == b[:1] for a, b in zip(approximate, exact, strict=True)])),
    }


def _latencies(search, questions: list[str]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for question in questions:
        started = time.perf_counter()
        search(question)
        times.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


if __name__ == "__main__":
    main()
