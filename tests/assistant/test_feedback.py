"""Feedback in SQLite: stored, exported, recovered from corruption, and never half-written."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.feedback import FeedbackStore


def test_votes_are_stored_and_exported(tmp_path: Path) -> None:
    """Thumbs up and down are stored; only corrected thumbs-down become evaluation questions."""
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.add("les jeunes qui sechent", ["5.1.3"], 1)
    store.add("aide aux devoirs", ["5.1.2", "5.2.2"], -1, comment="<b>non</b>", correct_code="objectif 5.2.2")
    rows = store.all()
    assert [r.rating for r in rows] == [1, -1]
    assert rows[1].cited_codes == ("5.1.2", "5.2.2") and rows[1].comment == "<b>non</b>"
    assert store.export_corrections() == [
        {"id": "feedback-2", "question": "aide aux devoirs", "gold": ["5.2.2"], "style": "feedback", "lang": "fr"}
    ]


def test_bad_votes_are_refused(tmp_path: Path) -> None:
    """A rating other than ±1, an empty question or a non-code correction is refused with a message."""
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    with pytest.raises(ValueError, match="la note doit valoir"):
        store.add("q", [], 0)
    with pytest.raises(ValueError, match="doit porter sur une question"):
        store.add(" ", [], 1)
    with pytest.raises(ValueError, match=r"pas un code d.objectif"):
        store.add("q", [], -1, correct_code="le bon")
    assert store.all() == []


def test_corrupt_database_is_kept_aside(tmp_path: Path) -> None:
    """A corrupt file is moved aside untouched and a fresh database is started."""
    path = tmp_path / "fb.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    store = FeedbackStore(path)
    store.add("q", ["1.1.1"], 1)
    aside = list(tmp_path.glob("fb.sqlite3.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == b"this is not a database" * 100
    assert len(store.all()) == 1


def test_missing_database_is_created(tmp_path: Path) -> None:
    """A database in a folder that does not exist yet is created."""
    store = FeedbackStore(tmp_path / "new" / "fb.sqlite3")
    assert store.all() == [] and store.path.is_file()


WRITER = """
import sys
from pathlib import Path
from assistant.feedback import FeedbackStore
store = FeedbackStore(Path(sys.argv[1]))
i = 0
while True:
    store.add(f"question {i}", ["5.1.3"], 1, comment="x" * 2000)
    print(i, flush=True)
    i += 1
"""


def test_killed_writer_loses_nothing_confirmed(tmp_path: Path) -> None:
    """Killing a process mid-write leaves only whole rows, and every row it confirmed is there."""
    path = tmp_path / "fb.sqlite3"
    FeedbackStore(path)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert writer.stdout is not None
    confirmed = -1
    deadline = time.monotonic() + 30
    while confirmed < 50 and time.monotonic() < deadline:
        confirmed = int(writer.stdout.readline())
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert confirmed >= 50
    rows = FeedbackStore(path).all()
    assert len(rows) >= confirmed + 1
    assert all(r.comment == "x" * 2000 and r.question.startswith("question ") for r in rows)
    assert [r.question for r in rows] == [f"question {i}" for i in range(len(rows))]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_cli_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`cdv feedback export` prints corrected questions as JSONL."""
    path = tmp_path / "fb.sqlite3"
    FeedbackStore(path).add("aide aux devoirs", ["5.1.2"], -1, correct_code="5.2.2")
    assert main(["feedback", "export", "--db", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["gold"] == ["5.2.2"]
    assert main(["feedback", "export", "--db", str(tmp_path / "none.sqlite3")]) == 2


def test_a_busy_database_waits_then_says_so_and_moves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database locked by another writer is not corruption: the vote is refused with a message saying
    the base is busy, and the live file stays where it is."""
    import assistant.feedback

    path = tmp_path / "fb.sqlite3"
    FeedbackStore(path).add("aide aux devoirs", ["5.1.2"], 1)
    monkeypatch.setattr(assistant.feedback, "BUSY_TIMEOUT_SECONDS", 0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")  # a rollback journal: an exclusive lock blocks everyone
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ValueError, match="occupée"):
            FeedbackStore(path)
        assert not list(tmp_path.glob("*.corrupt-*"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store = FeedbackStore(path)
    store.add("marchands de sommeil", ["4.3.2"], 1)
    assert len(store.all()) == 2


def test_export_reads_without_writing(tmp_path: Path) -> None:
    """Export opens the database read-only: it works on a read-only file and never moves it aside."""
    path = tmp_path / "fb.sqlite3"
    FeedbackStore(path).add("aide aux devoirs", ["5.1.2"], -1, correct_code="5.2.2")
    reader = FeedbackStore(path, read_only=True)
    with pytest.raises(sqlite3.OperationalError), reader._connect() as db:
        db.execute("DELETE FROM feedback")
    assert reader.export_corrections()[0]["gold"] == ["5.2.2"]
    path.write_bytes(b"garbage, not a database" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        FeedbackStore(path, read_only=True).export_corrections()
    assert path.is_file() and not list(tmp_path.glob("*.corrupt-*"))


def test_a_correction_must_be_a_code_of_the_contract(tmp_path: Path) -> None:
    """A thumbs-down correcting to a code the contract does not have (9.9.9) is refused, in French."""
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    with pytest.raises(ValueError, match=r"9\.9\.9 n'existe pas"):
        store.add("aide aux devoirs", ["5.1.2"], -1, correct_code="9.9.9", known_codes={"5.1.2", "5.2.2"})
    store.add("aide aux devoirs", ["5.1.2"], -1, correct_code="5.2.2", known_codes={"5.1.2", "5.2.2"})
    assert [f.correct_code for f in store.all()] == ["5.2.2"]


def test_export_uses_what_the_user_typed(tmp_path: Path) -> None:
    """For a follow-up the searched text includes the earlier question: the export keeps the typed one."""
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.add("aide aux devoirs et pour les ados ?", ["5.2.2"], -1, correct_code="5.1.2", typed="et pour les ados ?")
    row = store.all()[0]
    assert (row.question, row.typed) == ("aide aux devoirs et pour les ados ?", "et pour les ados ?")
    assert store.export_corrections()[0]["question"] == "et pour les ados ?"


def test_an_older_database_gets_the_typed_column(tmp_path: Path) -> None:
    """A database written before the `typed` column opens, keeps its rows and stores the new field."""
    path = tmp_path / "fb.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at REAL NOT NULL, question TEXT"
            " NOT NULL, cited_codes TEXT NOT NULL, rating INTEGER NOT NULL CHECK (rating IN (-1, 1)), comment TEXT"
            " NOT NULL DEFAULT '', correct_code TEXT)"
        )
        db.execute("INSERT INTO feedback VALUES (1, 0, 'ancienne', '[]', 1, '', NULL)")
    db.close()
    store = FeedbackStore(path)
    store.add("nouvelle", ["5.1.3"], 1, typed="nouvelle", contract="caph-2015-2023")
    assert [(f.question, f.typed, f.contract) for f in store.all()] == [
        ("ancienne", None, None),
        ("nouvelle", "nouvelle", "caph-2015-2023"),
    ]


def test_the_database_is_private_and_its_folder_checked(tmp_path: Path) -> None:
    """The feedback file is created readable by its owner only (votes and comments are personal data);
    a folder others can write to is refused."""
    store = FeedbackStore(tmp_path / "avis" / "feedback.sqlite3")
    assert (store.path.stat().st_mode & 0o777) == 0o600
    open_folder = tmp_path / "ouvert"
    open_folder.mkdir()
    open_folder.chmod(0o777)
    with pytest.raises(PermissionError, match="modifiable par d'autres utilisateurs"):
        FeedbackStore(open_folder / "feedback.sqlite3")


def test_a_correction_names_another_objective_of_the_contract(tmp_path: Path) -> None:
    """A correction equal to the cited objective is refused; a contract's own code shapes (`2.3`, `II.C`)
    are accepted, in any case."""
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    with pytest.raises(ValueError, match=r"5\.1\.3 est l'objectif déjà cité"):
        store.add("sécher les cours", ["5.1.3", "5.1.2"], -1, correct_code="5.1.3", known_codes={"5.1.3", "5.1.2"})
    store.add("tranquillité", ["I.A"], -1, correct_code="ii.c", known_codes={"I.A", "II.C"})
    assert store.all()[-1].correct_code == "II.C"


def test_a_second_vote_on_the_same_answer_replaces_the_first(tmp_path: Path) -> None:
    """Pressing "Envoyer" four times on one answer stores one vote, the last one; another answer gets its
    own row; votes from before the column existed stay."""
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    first = store.add("sécher les cours", ["5.1.3"], 1, answer="a1")
    for _ in range(3):
        again = store.add("sécher les cours", ["5.1.3"], -1, comment="finalement non", answer="a1")
    assert again == first
    store.add("sécher les cours", ["5.1.3"], 1, answer="a2")
    store.add("sans identifiant", ["5.1.3"], 1)
    votes = store.all()
    assert [(v.rating, v.comment) for v in votes] == [(-1, "finalement non"), (1, ""), (1, "")]


def test_a_damaged_database_keeps_every_readable_vote(tmp_path: Path) -> None:
    """Two pages of a 3,000-vote database overwritten with noise: the file is kept aside untouched, and every
    vote still readable (all but the few on those pages) is copied into the new database, ids kept."""
    path = tmp_path / "fb.sqlite3"
    store = FeedbackStore(path)
    for i in range(3000):
        store.add(f"question {i} " + "x" * 200, ["5.1.3"], 1)
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    with path.open("r+b") as stream:
        for page in (60, 120):
            stream.seek(page * 4096)
            stream.write(os.urandom(4096))
    damaged = path.read_bytes()
    recovered = FeedbackStore(path)
    assert recovered.salvaged is not None
    saved, lost = recovered.salvaged
    votes = recovered.all()
    assert 2900 <= saved == len(votes) < 3000 and lost > 0
    assert all(v.question.startswith(f"question {v.id - 1} ") for v in votes)
    aside = [p for p in tmp_path.glob("fb.sqlite3.corrupt-*") if not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1 and aside[0].read_bytes() == damaged


def test_export_keeps_one_correction_per_question_and_a_csv_with_comments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same question corrected twice is exported once, with the latest code; `--csv` gives every vote
    with its comment, in French columns, formula-like cells written as text."""
    path = tmp_path / "fb.sqlite3"
    store = FeedbackStore(path)
    store.add("aide aux devoirs", ["5.1.2"], -1, correct_code="5.2.1")
    store.add("Aide aux  devoirs", ["5.1.2"], -1, correct_code="5.2.2", comment="=HYPERLINK(1)")
    store.add("marchands de sommeil", ["4.3.2"], 1, comment="parfait")
    assert main(["feedback", "export", "--db", str(path)]) == 0
    exported = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(row["question"], row["gold"]) for row in exported] == [("Aide aux  devoirs", ["5.2.2"])]
    out = tmp_path / "avis.csv"
    assert main(["feedback", "export", "--db", str(path), "--csv", "--out", str(out)]) == 0
    assert "3 avis → " in capsys.readouterr().out
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines(), delimiter=";"))
    assert [(r["avis"], r["code_propose"], r["commentaire"]) for r in rows] == [
        ("pas utile", "5.2.1", ""),
        ("pas utile", "5.2.2", "'=HYPERLINK(1)"),
        ("utile", "", "parfait"),
    ]
