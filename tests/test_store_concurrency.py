"""Two processes writing to one database at once: no corruption, no lost write, a consistent audit trail."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from oasys_diversity.model import Case
from oasys_diversity.store import audit_trail, create_case, get_case, load_assessment, open_db
from oasys_diversity.store_migrations import KNOWN_MIGRATIONS

pytestmark = pytest.mark.slow

SAVES = 120

# One writer: says "ready", waits for "go" so both start together, then saves to its own case and
# to the shared one, acknowledging each write only after it has returned.
WRITER = r"""
import sys
import time
from datetime import date
from oasys_diversity.model import Answer, Case
from oasys_diversity.store import create_case, list_cases, open_db, save_answer

path, name, saves = sys.argv[1], sys.argv[2], int(sys.argv[3])
own_case, shared_case = (int(sys.argv[4]), int(sys.argv[5])) if len(sys.argv) > 5 else (None, None)
print("ready", flush=True)
assert sys.stdin.readline().strip() == "go"
db = open_db(path)
if own_case is None:
    own_case = shared_case = create_case(db, Case(reference=name, name=name, officer=name, assessed_on=date.today()))
    print("created", own_case, flush=True)
for number in range(saves):
    value = f"{name} {number}"
    own_id = f"own.q{number % 20}"
    save_answer(db, own_case, Answer(question_id=own_id, status="answered", value=value), officer=name)
    print("own", own_id, value, flush=True)
    shared_id = f"shared.q{number % 10}"
    save_answer(db, shared_case, Answer(question_id=shared_id, status="answered", value=value), officer=name)
    print("shared", shared_id, value, flush=True)
    if number % 30 == 0:
        new_case = create_case(db, Case(reference=f"{name}-{number}", name=name, officer=name, assessed_on=date.today()))
        print("created", new_case, flush=True)
        list_cases(db)
    # A breath between rounds, as an officer would take: without it one process can hold the
    # write lock round after round while the other's busy handler sleeps, and they barely interleave.
    time.sleep(0.002)
db.close()
print("done", flush=True)
"""


def run_writers(db_path: Path, arguments: list[list[str]]) -> list[list[str]]:
    """Start writers, release them together, and return each one's output lines."""
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db_path), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in arguments
    ]
    try:
        for writer in writers:
            assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
        for writer in writers:
            writer.stdin.write("go\n")
            writer.stdin.flush()
        outputs = [writer.communicate(timeout=600) for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.wait(timeout=60)
    for writer, (out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err
        assert out.splitlines()[-1] == "done"
    return [out.splitlines() for out, _ in outputs]


def assert_audit_is_a_chain(db, case_id: int) -> dict[str, list]:
    """Each question's audit rows run old→new without a gap, ending at the stored answer."""
    answers = load_assessment(db, case_id).answers
    by_question: dict[str, list] = defaultdict(list)
    for entry in audit_trail(db, case_id):
        if entry["field"] == "answer":
            by_question[entry["question_id"]].append(entry)
    for question_id, entries in by_question.items():
        assert entries[0]["old_value"] is None, question_id
        for earlier, later in zip(entries, entries[1:], strict=False):
            assert later["old_value"] == earlier["new_value"], question_id
        assert entries[-1]["new_value"]["value"] == answers[question_id].value, question_id
    return by_question


def test_two_processes_writing_to_one_database(tmp_path):
    db_path = tmp_path / "shared" / "cases.db"
    db = open_db(db_path)
    cases = {
        name: create_case(db, Case(reference=name, name=name, officer=name, assessed_on=date.today()))
        for name in ("shared", "alpha", "beta")
    }
    db.close()
    # Both writers work on an encrypted database (the tests' key file, inherited by the child processes).
    assert not db_path.read_bytes().startswith(b"SQLite format 3")

    outputs = run_writers(
        db_path,
        [
            ["alpha", str(SAVES), str(cases["alpha"]), str(cases["shared"])],
            ["beta", str(SAVES), str(cases["beta"]), str(cases["shared"])],
        ],
    )

    db = open_db(db_path)
    try:
        assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        shared_saves: list[str] = []
        created: list[int] = []
        for name, lines in zip(("alpha", "beta"), outputs, strict=True):
            last_own: dict[str, str] = {}
            for line in lines:
                kind, *rest = line.split(" ", 2)
                if kind == "own":
                    last_own[rest[0]] = rest[1]
                elif kind == "shared":
                    shared_saves.append(rest[1])
                elif kind == "created":
                    created.append(int(rest[0]))
            # Only this writer touched its own case: its last acknowledged value stands for every question.
            answers = load_assessment(db, cases[name]).answers
            assert {qid: a.value for qid, a in answers.items()} == last_own
            own_trail = assert_audit_is_a_chain(db, cases[name])
            assert sum(len(entries) for entries in own_trail.values()) == SAVES

        # The shared case: every acknowledged save is in the trail exactly once, in one unbroken chain.
        shared_trail = assert_audit_is_a_chain(db, cases["shared"])
        audited = [entry["new_value"]["value"] for entries in shared_trail.values() for entry in entries]
        assert sorted(audited) == sorted(shared_saves)
        assert len(shared_saves) == 2 * SAVES

        # Cases created at the same moment by both processes got distinct ids and were all kept.
        assert len(created) == len(set(created)) == 2 * len(range(0, SAVES, 30))
        for case_id in created:
            get_case(db, case_id)
    finally:
        db.close()


def test_two_processes_creating_a_new_database_at_once(tmp_path):
    db_path = tmp_path / "brand-new" / "cases.db"
    outputs = run_writers(db_path, [["first", "20"], ["second", "20"]])
    db = open_db(db_path)
    try:
        assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        # The schema was set up exactly once, whichever process got there first.
        assert [row["name"] for row in db["_sqlite_migrations"].rows] == list(KNOWN_MIGRATIONS)
        for lines in outputs:
            # Each writer's first case holds its 20 "own" and 10 "shared" questions.
            case_id = next(int(line.split()[1]) for line in lines if line.startswith("created "))
            assert len(load_assessment(db, case_id).answers) == 30
    finally:
        db.close()
