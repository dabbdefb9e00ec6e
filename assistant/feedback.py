"""Users' thumbs up/down on answers, stored in a SQLite file (WAL, one transaction per vote)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from index import find_codes, fold
from index.cache import check_private
from index.text import code_lookup

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    question TEXT NOT NULL,
    cited_codes TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    comment TEXT NOT NULL DEFAULT '',
    correct_code TEXT,
    typed TEXT,
    contract TEXT
)
"""
# columns added since the first version, added to older databases on first open: `typed` (the question as
# the user typed it; `question` is what was searched, which for a follow-up includes the earlier question)
# and `contract` (the id of the contract the answer cited from)
MIGRATIONS = {
    "typed": "ALTER TABLE feedback ADD COLUMN typed TEXT",
    "contract": "ALTER TABLE feedback ADD COLUMN contract TEXT",
    # the answer voted on (a random id the page gives each answer): a second vote on it replaces the first
    "answer": "ALTER TABLE feedback ADD COLUMN answer TEXT",
    # the project lead's decision on a correction (`cdv feedback review`): accepted ones become filings
    "decision": "ALTER TABLE feedback ADD COLUMN decision TEXT CHECK (decision IN ('accepted', 'rejected'))",
    "decided_at": "ALTER TABLE feedback ADD COLUMN decided_at REAL",
}
Decision = Literal["accepted", "rejected"]
MAX_TEXT = 5000
BUSY_TIMEOUT_SECONDS = 10  # how long a vote waits for another writer before saying the base is busy


@dataclass(frozen=True)
class Feedback:
    """One stored vote."""

    id: int
    created_at: float
    question: str
    cited_codes: tuple[str, ...]
    rating: int
    comment: str
    correct_code: str | None
    typed: str | None = None
    contract: str | None = None
    decision: Decision | None = None


class FeedbackStore:
    """A SQLite feedback database; a corrupt file is moved aside (never deleted) and a new one started.

    Args:
        path: the database file; its folder is created if needed.
    """

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self._read_only = read_only
        self.salvaged: tuple[int, int] | None = None  # (votes copied, ids unreadable) when the file was damaged
        if read_only:
            if not path.is_file():
                raise FileNotFoundError(f"{path}: pas encore de base des avis (la page la crée au premier avis)")
            return  # nothing is created, checked or moved aside: reading must not change the file
        check_private(path.parent)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():  # votes and comments are read by no other local user
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        try:
            self._initialise()
        except FeedbackBusyError:
            raise
        except sqlite3.DatabaseError as exc:
            if not _is_corruption(exc):
                raise  # not a damaged file (a read-only folder, a full disk): say so, move nothing
            aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            shutil.move(str(path), aside)
            for suffix in ("-wal", "-shm"):
                sidecar = path.with_name(path.name + suffix)
                if sidecar.exists():
                    shutil.move(str(sidecar), aside.with_name(aside.name + suffix))
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._initialise()
            saved, lost = self._salvage(aside)
            self.salvaged = (saved, lost)
            logger.error(
                "Base des avis %s endommagée (%s) : gardée telle quelle sous %s ; %d avis récupérés dans une"
                " nouvelle base, %d illisibles",
                path,
                exc,
                aside,
                saved,
                lost,
            )

    def _salvage(self, damaged: Path) -> tuple[int, int]:
        """Copy every readable vote of a damaged database into this one (same ids); returns (copied,
        unreadable). Ranges of ids are read whole, and split in two around a damaged page, down to single
        rows: the cost grows with the damage, not with the size."""
        try:
            old = sqlite3.connect(f"file:{damaged}?mode=ro", uri=True)
        except sqlite3.Error:
            return 0, 0
        try:
            columns = [row[1] for row in old.execute("PRAGMA table_info(feedback)")]
            wanted = [c for c in ("id", "created_at", "question", "cited_codes", "rating", "comment", "correct_code",
                                  "typed", "contract", "answer", "decision", "decided_at") if c in columns]  # fmt: skip
            if "id" not in wanted:
                return 0, 0
            try:
                top = int(old.execute("SELECT max(id) FROM feedback").fetchone()[0] or 0)
            except sqlite3.DatabaseError:
                top = 10_000_000  # the index is damaged too: probe every range up to a bound
            rows: list[tuple[object, ...]] = []
            lost = self._read_range(old, wanted, 1, top, rows)
        except sqlite3.DatabaseError:
            return 0, 0
        finally:
            old.close()
        with self._connect() as db:
            marks = ", ".join("?" * len(wanted))
            db.executemany(f"INSERT OR IGNORE INTO feedback ({', '.join(wanted)}) VALUES ({marks})", rows)
        return len(rows), lost

    def _read_range(
        self, db: sqlite3.Connection, columns: list[str], first: int, last: int, rows: list[tuple[object, ...]]
    ) -> int:
        """Append the readable rows with ids in [first, last]; returns how many ids could not be read."""
        step = 4096
        lost = 0
        for start in range(first, last + 1, step):
            stop = min(start + step - 1, last)
            lost += self._read_slice(db, columns, start, stop, rows)
        return lost

    def _read_slice(
        self, db: sqlite3.Connection, columns: list[str], first: int, last: int, rows: list[tuple[object, ...]]
    ) -> int:
        try:
            found = db.execute(
                f"SELECT {', '.join(columns)} FROM feedback WHERE id BETWEEN ? AND ? ORDER BY id", (first, last)
            ).fetchall()
        except sqlite3.DatabaseError:
            if first == last:
                return 1
            middle = (first + last) // 2
            return self._read_slice(db, columns, first, middle, rows) + self._read_slice(
                db, columns, middle + 1, last, rows
            )
        rows.extend(found)
        return 0

    def add(
        self,
        question: str,
        cited_codes: Sequence[str],
        rating: int,
        *,
        comment: str = "",
        correct_code: str | None = None,
        typed: str | None = None,
        known_codes: Collection[str] | None = None,
        contract: str | None = None,
        answer: str | None = None,
    ) -> int:
        """Store one vote and return its id; it is on disk when this returns.

        Args:
            question: what was searched; `typed`, what the user typed (they differ for a follow-up).
            known_codes: the codes of the contract; a correction to any other code is refused.
            answer: the id of the answer voted on: a second vote on the same answer replaces the first
                (the same id is returned), so pressing the button twice counts once.

        Raises:
            ValueError: rating not ±1, empty question, or a correct code that is not a code of the contract
                (the messages are in French: the page shows them).
        """
        if rating not in (-1, 1):
            raise ValueError(f"la note doit valoir 1 (👍) ou -1 (👎), pas {rating}")
        if not question.strip():
            raise ValueError("l'avis doit porter sur une question")
        code = None
        if correct_code and correct_code.strip():
            codes = find_codes(correct_code, code_lookup(known_codes or ()))
            if not codes:
                raise ValueError(
                    f"« {correct_code[:50]} » n'est pas un code d'objectif de ce contrat (par exemple 5.1.3, 2.3, II.C)"
                )
            code = codes[0]
            if known_codes is not None and code not in known_codes:
                raise ValueError(f"le code {code} n'existe pas dans le contrat (vérifiez le numéro, ex. 5.1.3)")
            if cited_codes and code == cited_codes[0]:  # a "correction" to the cited code teaches nothing
                raise ValueError(f"{code} est l'objectif déjà cité : donnez celui qui vous semble juste, ou rien")
        values = (
            time.time(),
            question[:MAX_TEXT],
            json.dumps(list(cited_codes)),
            rating,
            comment.strip()[:MAX_TEXT],
            code,
            typed[:MAX_TEXT] if typed else None,
            contract,
        )
        with self._connect() as db:
            if answer:
                found = db.execute("SELECT id FROM feedback WHERE answer = ?", (answer[:100],)).fetchone()
                if found:
                    db.execute(
                        "UPDATE feedback SET created_at = ?, question = ?, cited_codes = ?, rating = ?, comment = ?,"
                        " correct_code = ?, typed = ?, contract = ?, decision = NULL, decided_at = NULL WHERE id = ?",
                        (*values, found[0]),
                    )
                    return int(found[0])
            cursor = db.execute(
                "INSERT INTO feedback (created_at, question, cited_codes, rating, comment, correct_code, typed,"
                " contract, answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, answer[:100] if answer else None),
            )
            return int(cursor.lastrowid or 0)

    def all(self) -> list[Feedback]:
        """Every stored vote, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, created_at, question, cited_codes, rating, comment, correct_code, typed, contract,"
                " decision FROM feedback ORDER BY id"
            ).fetchall()
        return [Feedback(r[0], r[1], r[2], tuple(json.loads(r[3])), *r[4:]) for r in rows]

    def pending(self) -> list[Feedback]:
        """The thumbs-down corrections (a proposed code) not yet accepted or rejected, oldest first."""
        return [f for f in self.all() if f.rating == -1 and f.correct_code and f.decision is None]

    def decide(self, ids: Collection[int], decision: Decision) -> None:
        """Record the project lead's decision on these corrections (all or none).

        Raises:
            ValueError: an id that is not a pending correction (the message lists them).
        """
        waiting = {f.id for f in self.pending()}
        unknown = sorted(set(ids) - waiting)
        if unknown:
            raise ValueError(f"avis {', '.join(map(str, unknown))} : pas une correction en attente de décision")
        with self._connect() as db:
            db.executemany(
                "UPDATE feedback SET decision = ?, decided_at = ? WHERE id = ?",
                [(decision, time.time(), i) for i in sorted(set(ids))],
            )

    def export_corrections(self) -> list[dict[str, object]]:
        """Thumbs-down votes with a corrected code, as questions in the evaluation format: one per question
        as typed (case, accents and spaces aside), the latest correction winning."""
        latest: dict[str, Feedback] = {}
        for vote in self.all():
            if vote.rating == -1 and vote.correct_code:
                latest[" ".join(fold(vote.typed or vote.question).split())] = vote
        return [
            {
                "id": f"feedback-{f.id}",
                "question": f.typed or f.question,  # what the user typed, as a new evaluation question
                "gold": [f.correct_code],
                "style": "feedback",
                "lang": "fr",
            }
            for f in sorted(latest.values(), key=lambda f: f.id)
        ]

    def export_table(self) -> list[dict[str, str]]:
        """Every vote as a row for the project lead's spreadsheet (French column names), oldest first."""
        return [
            {
                "date": time.strftime("%Y-%m-%d %H:%M", time.localtime(f.created_at)),
                "question": f.typed or f.question,
                "codes_cites": " ".join(f.cited_codes),
                "avis": "utile" if f.rating == 1 else "pas utile",
                "code_propose": f.correct_code or "",
                "commentaire": f.comment,
                "contrat": f.contract or "",
            }
            for f in self.all()
        ]

    def _initialise(self) -> None:
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(feedback)")}
            for column, statement in MIGRATIONS.items():
                if column not in columns:
                    db.execute(statement)
            db.execute("SELECT count(*) FROM feedback").fetchone()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if self._read_only:
            db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
        else:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)
        try:
            if not self._read_only:
                db.execute("PRAGMA synchronous=FULL")
            with db:  # one transaction: committed whole or rolled back whole
                yield db
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            raise FeedbackBusyError(
                "La base des avis est occupée : avis non enregistré, réessayez dans un instant."
            ) from exc
        finally:
            db.close()


class FeedbackBusyError(ValueError):
    """The feedback database is locked by another writer past the wait (the file itself is fine)."""


def _is_busy(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc).lower() or "busy" in str(exc).lower()


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    """Only a damaged file counts: a busy or locked database is an OperationalError that says so."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)  # primary code of an extended one
    message = str(exc).lower()
    return "malformed" in message or "not a database" in message
