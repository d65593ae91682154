"""A process killed (SIGKILL) in the middle of a run of saves loses no answer it had acknowledged.

The child saves answers in a loop and prints each question id only after `save_answer` has
returned. The parent kills it part-way, at a different point each time, reopens the database and
checks that every acknowledged answer is there with its value.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from oasys_diversity.model import Case
from oasys_diversity.store import audit_trail, create_case, load_assessment, open_db

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)"),
]

QUESTIONS = 25

# Saves forever, acknowledging each answer once save_answer has returned.
CHILD = r"""
import sys
from oasys_diversity.model import Answer
from oasys_diversity.store import open_db, save_answer

db = open_db(sys.argv[1])
case_id = int(sys.argv[2])
questions = int(sys.argv[3])
start = int(sys.argv[4])
round_number = start
while True:
    for number in range(questions):
        question_id = f"crash.q{number}"
        value = f"round {round_number} answer {number} " + "in their own words " * (number % 5)
        save_answer(db, case_id, Answer(question_id=question_id, status="answered", value=value), officer="Crash Test")
        print(question_id, round_number, flush=True)
    round_number += 1
"""


def expected_value(round_number: int, number: int) -> str:
    return f"round {round_number} answer {number} " + "in their own words " * (number % 5)


def run_until_killed(db_path: Path, case_id: int, start_round: int, acknowledgements_wanted: int) -> dict[str, int]:
    """Start a saver, kill it after some acknowledgements; return the last acknowledged round per question."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db_path), str(case_id), str(QUESTIONS), str(start_round)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acknowledged: dict[str, int] = {}
    try:
        count = 0
        while count < acknowledgements_wanted:
            line = child.stdout.readline()
            if not line:
                break  # the child ended early; its stderr says why
            question_id, round_number = line.split()
            acknowledged[question_id] = int(round_number)
            count += 1
        assert count == acknowledgements_wanted, child.stderr.read()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
        # Anything printed before the kill landed was acknowledged too; a torn last line was not.
        for line in child.stdout.read().splitlines(keepends=True):
            if line.endswith("\n"):
                question_id, round_number = line.split()
                acknowledged[question_id] = int(round_number)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=60)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return acknowledged


def test_acknowledged_answers_survive_sigkill(tmp_path):
    db_path = tmp_path / "crash" / "cases.db"
    db = open_db(db_path)
    case_id = create_case(db, Case(reference="K1", name="Crash Test", officer="Crash Test", assessed_on=date.today()))
    db.close()
    # The run is on an encrypted database (the tests' key file): what the officer's laptop has.
    assert not db_path.read_bytes().startswith(b"SQLite format 3")

    chooser = random.Random(20250314)
    confirmed: dict[str, int] = {}
    start_round = 0
    for _ in range(5):
        acknowledged = run_until_killed(db_path, case_id, start_round, chooser.randrange(15, 160))
        confirmed.update(acknowledged)

        db = open_db(db_path)  # reopening after a crash passes quick_check and recovers the journal
        try:
            answers = load_assessment(db, case_id).answers
            saved_values = {e["new_value"]["value"] for e in audit_trail(db, case_id) if e["field"] == "answer"}
            for question_id, round_number in confirmed.items():
                number = int(question_id.removeprefix("crash.q"))
                stored = answers[question_id]
                assert stored.status == "answered"
                # The stored value is the acknowledged one, or the one save in flight when the kill came.
                assert stored.value in (
                    expected_value(round_number, number),
                    expected_value(round_number + 1, number),
                ), question_id
                assert expected_value(round_number, number) in saved_values, question_id
            assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            db.close()
        # Each run writes values no earlier run wrote, so every save is a change.
        start_round = max(confirmed.values()) + 2
