"""Write the vectors shipped with the package, so that the bundled contract's first start embeds nothing.

Run: `.venv/bin/python -m index.ship` after a change to the bundled contract or to `index/data/*.yaml`
(a test says when the shipped vectors no longer cover them). The default embedder embeds, from an empty
cache, every passage a start of the bundled contract needs (its passages, the thesaurus, the out-of-scope
requests, the contract's own search that places the thesaurus), and the cache's vectors are written to
`index/data/vectors/`, with the SHA-256 of the file's content, keyed by the hash of each text.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from index.embedders import DEFAULT_EMBEDDER
from index.searcher import open_searcher
from index.vectors import VectorCache, shipped_path, write_shipped


def main() -> None:
    from corpus import load_contracts

    shipped_path(DEFAULT_EMBEDDER).unlink(missing_ok=True)  # every vector embedded afresh, none carried over
    with tempfile.TemporaryDirectory(prefix="cdv-ship-") as scratch:
        searcher = open_searcher(load_contracts(), DEFAULT_EMBEDDER, cache_dir=Path(scratch))
        assert searcher.embedder is not None
        path = write_shipped(VectorCache.in_folder(Path(scratch), searcher.embedder.name, searcher.embedder.dimension))
    print(f"{path} : {path.stat().st_size / 1e6:.1f} Mo")


if __name__ == "__main__":
    main()
