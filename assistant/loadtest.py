"""Load script (not a test): many concurrent clients ask questions through the app's API on 127.0.0.1.

Run: `.venv/bin/python -m assistant.loadtest [--clients 20] [--questions 25] [--url URL]`.
Without --url it starts its own server on a free loopback port. Prints errors, latency and throughput.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from eval import load_questions


def main(argv: Sequence[str] | None = None) -> None:
    """Send `clients × questions` requests and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=25)
    parser.add_argument("--url", help="an already running page on 127.0.0.1 (default: start one)")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.questions < 1 or args.clients * args.questions > 5000:
        parser.error("--clients and --questions must be positive, at most 5000 requests in all")
    close: Callable[[], None] | None = None
    url = args.url
    if not url:
        url, close = _start_server()
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
            question = questions[(number * args.questions + i) % len(questions)]
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

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    elapsed = time.perf_counter() - started
    if close:
        close()
    total = args.clients * args.questions
    print(f"{args.clients} clients × {args.questions} questions = {total} requests in {elapsed:.1f} s")
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    if latencies:
        cuts = statistics.quantiles(latencies, n=20)
        print(f"latency p50 {statistics.median(latencies):.0f} ms, p95 {cuts[18]:.0f} ms")
        print(f"throughput {len(latencies) / elapsed:.1f} answers/s")


def _start_server() -> tuple[str, Callable[[], None]]:
    from assistant.app import build_app, launch
    from assistant.feedback import FeedbackStore
    from assistant.settings import Settings
    from corpus import load_contracts
    from index import open_searcher

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    folder = Path(tempfile.mkdtemp(prefix="cdv-load-"))
    settings = Settings(port=port, feedback_db=folder / "feedback.sqlite3")
    app = build_app(open_searcher(load_contracts(), settings.embedder), FeedbackStore(settings.feedback_db))
    launch(app, settings, block=False)
    return f"http://127.0.0.1:{port}/", app.close


if __name__ == "__main__":
    main()
