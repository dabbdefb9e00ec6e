"""Load script (not a test): many concurrent clients ask questions through the app's API on 127.0.0.1.

Run: `.venv/bin/python -m eval.loadtest [--clients 20] [--questions 25] [--hostile 4] [--url URL]`.
Without --url it starts its own server, in its own process, on a free loopback port, and prints that
process's memory before and after the run. Prints errors, latency and throughput of the ordinary
questions; each ordinary question is made distinct (a number added), so nothing is answered from a cache.
With --hostile N, N more clients send, for as long as the ordinary ones run, 2,000-letter words, 100 KB
texts, 10 MB request bodies, Markdown payloads, long malformed histories and 100,000-deep JSON, and their
outcomes are counted apart.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eval import load_questions


def main(argv: Sequence[str] | None = None) -> None:
    """Send `clients × questions` requests and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=25)
    parser.add_argument("--hostile", type=int, default=0, help="clients sending hostile requests meanwhile")
    parser.add_argument("--url", help="an already running page on 127.0.0.1 (default: start one)")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.questions < 1 or args.clients * args.questions > 5000:
        parser.error("--clients and --questions must be positive, at most 5000 requests in all")
    if not 0 <= args.hostile <= 16:
        parser.error("--hostile takes 0 to 16 clients")
    close: Callable[[], None] | None = None
    pid: int | None = None
    url = args.url
    if not url:
        url, pid, close = _start_server()
    if not url.startswith(("http://127.", "http://localhost")):
        parser.error("the load script only targets a server on this machine (127.0.0.1)")
    questions = [q.question for q in load_questions()]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        from gradio_client import Client

        api = Client(url, verbose=False)
        for i in range(args.questions):
            n = number * args.questions + i
            question = f"{questions[n % len(questions)]} {n}"  # distinct: every request is answered afresh
            started = time.perf_counter()
            try:
                history, *_ = api.predict(question, [], api_name="/respond")
                if len(history) != 2:
                    raise RuntimeError(f"unexpected history of {len(history)} messages")
            except Exception as exc:  # every failure is counted and reported; none may stop the run
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                continue
            with lock:
                latencies.append(1000 * (time.perf_counter() - started))

    done = threading.Event()
    outcomes: dict[str, list[float]] = {}

    def attacker(number: int) -> None:
        from gradio_client import Client

        api = Client(url, verbose=False)
        for i in itertools.count():
            if done.is_set() or i >= _MAX_HOSTILE_REQUESTS:
                return
            kind = _HOSTILE_KINDS[(number + i) % len(_HOSTILE_KINDS)]
            started = time.perf_counter()
            try:
                outcome = _hostile_request(api, url, kind)
            except Exception as exc:  # counted as an outcome: what matters is that ordinary clients go on
                outcome = f"{kind}: {type(exc).__name__}"
            with lock:
                outcomes.setdefault(outcome, []).append(1000 * (time.perf_counter() - started))

    _warm_up(url, questions[:WARM_UP])  # the model's and the page's first allocations are not growth
    memory_before = _rss_mb(pid)
    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    attackers = [threading.Thread(target=attacker, args=(n,)) for n in range(args.hostile)]
    for thread in attackers + threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    elapsed = time.perf_counter() - started
    done.set()
    for thread in attackers:
        thread.join(timeout=120)
    memory_after = _rss_mb(pid)
    if close:
        close()
    total = args.clients * args.questions
    print(f"{args.clients} clients × {args.questions} questions = {total} requests in {elapsed:.1f} s")
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    if latencies:
        cuts = statistics.quantiles(latencies, n=20)
        print(f"latency p50 {statistics.median(latencies):.0f} ms, p95 {cuts[18]:.0f} ms")
        print(f"throughput {len(latencies) / elapsed:.1f} answers/s")
    for outcome, times in sorted(outcomes.items()):
        p50, slowest = statistics.median(times), max(times)
        print(f"hostile {outcome}: {len(times)} requests, p50 {p50:.0f} ms, max {slowest:.0f} ms")
    if memory_before is not None and memory_after is not None:
        print(
            f"server memory {memory_before:.0f} MB before the run, {memory_after:.0f} MB after"
            f" ({memory_after - memory_before:+.0f} MB)"
        )


WARM_UP = 40  # questions asked before the memory is first read


def _warm_up(url: str, questions: list[str]) -> None:
    from gradio_client import Client

    api = Client(url, verbose=False)
    for question in questions:
        api.predict(question, [], api_name="/respond")


_HOSTILE_KINDS = ("long-word", "100-kb-text", "10-mb-body", "markdown", "malformed-history", "deep-json")
_MAX_HOSTILE_REQUESTS = 2000  # per hostile client: the loop stops by itself even if the others hang


def _hostile_request(api: Any, url: str, kind: str) -> str:
    """Send one hostile request; returns what happened (`kind: answered`, `kind: refused 413`…)."""
    if kind == "10-mb-body":
        import httpx

        body = b'{"data": ["' + b"a" * 10_000_000 + b'", []], "fn_index": 0, "session_hash": "load"}'
        response = httpx.post(f"{url}gradio_api/queue/join", content=body, timeout=60)
        return f"{kind}: refused {response.status_code}"
    if kind == "deep-json":
        import httpx

        body = b'{"data": ["aide", ' + b"[" * 100_000 + b"]" * 100_000 + b'], "fn_index": 0, "session_hash": "x"}'
        response = httpx.post(f"{url}gradio_api/queue/join", content=body, timeout=60)
        return f"{kind}: status {response.status_code}"
    if kind == "malformed-history":
        # 1,000 entries of every wrong shape, ~1.5 MB: the server keeps the well-formed ones only
        junk: list[Any] = [{"role": 7, "content": {"x": "y" * 1000}}, ["a"] * 3, "texte", None, {"metadata": [1]}]
        history, *_ = api.predict("aide aux devoirs", junk * 200, api_name="/respond")
        return f"{kind}: answered" if history else f"{kind}: odd history"
    text = {
        "long-word": "".join(random.choices(string.ascii_lowercase, k=2000)),
        "100-kb-text": "chantier d'insertion " * 5000,
        "markdown": "[clic](http://127.0.0.1:9/x) ![i](http://127.0.0.1:9/i.png) $$x^2$$ " * 50,
    }[kind]
    history, *_ = api.predict(text, [], api_name="/respond")
    return f"{kind}: answered" if len(history) == 2 else f"{kind}: odd history"


def _start_server() -> tuple[str, int, Callable[[], None]]:
    """The page served by a child process (its memory is then the server's alone): url, pid, stop."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    folder = Path(tempfile.mkdtemp(prefix="cdv-load-"))
    env = {**os.environ, "CDV_PORT": str(port), "CDV_FEEDBACK_DB": str(folder / "feedback.sqlite3")}
    server = subprocess.Popen([sys.executable, "-m", "eval.loadtest", "--serve"], env=env)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and server.poll() is None:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.5)
    else:
        server.kill()
        raise SystemExit("le serveur de la page n'a pas démarré")

    def stop() -> None:
        server.terminate()
        server.wait(timeout=30)

    return f"http://127.0.0.1:{port}/", server.pid, stop


def _serve() -> None:
    from assistant.app import build_app, launch
    from assistant.feedback import FeedbackStore
    from assistant.settings import Settings
    from corpus import load_contracts
    from index import open_searcher

    settings = Settings.from_env()
    app = build_app(open_searcher(load_contracts(), settings.embedder), FeedbackStore(settings.feedback_db))
    launch(app, settings, block=True)


def _rss_mb(pid: int | None) -> float | None:
    """Resident memory of process `pid` in MB (Linux), None when unknown."""
    try:
        status = Path(f"/proc/{pid}/status").read_text() if pid else ""
    except OSError:
        return None
    line = next((line for line in status.splitlines() if line.startswith("VmRSS:")), None)
    return int(line.split()[1]) / 1024 if line else None


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        _serve()
    else:
        main()
