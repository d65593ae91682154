"""How long one `save_answer` takes as the database grows: it should stay flat.

Builds databases holding 10, 1,000 and 10,000 assessments (40 answers each, with their audit
rows) by bulk insert, then times single saves to random cases — each a real change, so each writes
its answer, an audit row and the case's updated time and is synced to disk before it returns.
Prints the median per size and the ratio of the larger sizes to the smallest. Also times
`list_cases` on the largest database, and saves to an encrypted database against the same store
code with the key left out (plain SQLite), printing the encrypted/plain ratio.

    .venv/bin/python benchmarks/bench_save.py [--saves 300] [--dir FOLDER]

Use --dir to measure on the disk the app will really use: the sync on every commit dominates.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from oasys_diversity import store_open
from oasys_diversity.model import Answer, Condition, Domain, Guidance, Question, QuestionBank
from oasys_diversity.store import list_cases, open_db, save_answer
from oasys_diversity.store_key import KEY_FILE_ENV

SIZES = (10, 1_000, 10_000)
ANSWERS_PER_CASE = 40
STATUSES = ("answered", "answered", "answered", "declined", "not_applicable", "not_discussed")


def build(path: Path, cases: int) -> None:
    """A database with `cases` assessments, inserted in bulk in one transaction."""
    db = open_db(path)
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    chooser = random.Random(cases)

    def answer_rows():
        for case_id in range(1, cases + 1):
            for number in range(ANSWERS_PER_CASE):
                status = chooser.choice(STATUSES)
                value = (
                    f'"bench answer {case_id}-{number}, some words of the person\'s own"'
                    if status == "answered"
                    else None
                )
                yield {
                    "case_id": case_id,
                    "question_id": f"bench.q{number}",
                    "status": status,
                    "value": value,
                    "note": None,
                    "answered_at": now,
                    "officer": "Bench Officer",
                }

    def audit_rows():
        for row in answer_rows():
            yield {
                "case_id": row["case_id"],
                "question_id": row["question_id"],
                "field": "answer",
                "old_value": None,
                "new_value": f'{{"status": "{row["status"]}", "value": {row["value"] or "null"}, "note": null}}',
                "changed_at": now,
                "officer": "Bench Officer",
            }

    with db.atomic():
        db["cases"].insert_all(
            {
                "id": case_id,
                "reference": f"B{case_id:06d}",
                "name": f"Bench Person {case_id}",
                "officer": "Bench Officer",
                "assessed_on": "2025-01-01",
                "created_at": now,
                "updated_at": now,
            }
            for case_id in range(1, cases + 1)
        )
        db["answers"].insert_all(answer_rows(), batch_size=2_000)
        db["audit"].insert_all(audit_rows(), batch_size=2_000)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def time_saves(path: Path, cases: int, saves: int, round_number: int = 0) -> list[float]:
    """Seconds per save, each a changed answer on a random case (`round_number` keeps later rounds' values new)."""
    db = open_db(path)
    chooser = random.Random(7 + round_number)
    timings: list[float] = []
    try:
        for number in range(saves + 20):
            case_id = chooser.randrange(1, cases + 1)
            answer = Answer(
                question_id=f"bench.q{chooser.randrange(ANSWERS_PER_CASE)}",
                status="answered",
                value=f"changed on save {number} in round {round_number}: what the person said today",
            )
            started = time.perf_counter()
            save_answer(db, case_id, answer, officer="Bench Officer")
            elapsed = time.perf_counter() - started
            if number >= 20:  # the first few warm the page cache
                timings.append(elapsed)
    finally:
        db.close()
    return timings


@contextlib.contextmanager
def plain_sqlite():
    """The store's own code with the key left out: the same pragmas, WAL and sync, on plain SQLite."""
    apply_key, inspect_existing = store_open.apply_key, store_open._inspect_existing
    store_open.apply_key = lambda *_args: None
    store_open._inspect_existing = lambda path: store_open.inspect_plain(path)
    try:
        yield
    finally:
        store_open.apply_key, store_open._inspect_existing = apply_key, inspect_existing


def encrypted_against_plain(folder: Path, saves: int, size: int = 1_000, rounds: int = 3) -> None:
    """Saves to an encrypted and a plain database in alternating rounds, so a busy machine slows both alike."""
    labels = ("encrypted", "plain")
    timings: dict[str, list[float]] = {label: [] for label in labels}
    listing: dict[str, list[float]] = {label: [] for label in labels}
    for label in labels:
        with plain_sqlite() if label == "plain" else contextlib.nullcontext():
            build(folder / f"compare-{label}.db", size)
    for round_number in range(rounds):
        for label in labels:
            with plain_sqlite() if label == "plain" else contextlib.nullcontext():
                path = folder / f"compare-{label}.db"
                timings[label] += time_saves(path, size, saves // rounds, round_number)
                listing[label].append(time_list_cases(path, bench_bank()))
    medians = {label: statistics.median(timings[label]) for label in labels}
    lists = {label: statistics.median(listing[label]) for label in labels}
    for label in labels:
        print(
            f"{size:>6} assessments, {label:<9}: median save {medians[label] * 1000:7.3f} ms, "
            f"list_cases {lists[label] * 1000:7.1f} ms"
        )
    print(f"ratio encrypted / plain save: {medians['encrypted'] / medians['plain']:.2f}")
    print(f"ratio encrypted / plain list_cases: {lists['encrypted'] / lists['plain']:.2f}")


def bench_bank() -> QuestionBank:
    """The benchmark's 40 questions; every fifth is a follow-up shown only after the one before was answered."""
    guidance = Guidance(why="-", listen_for="-", if_declined="-")
    questions = [
        Question(
            id=f"bench.q{number}",
            kind="text",
            prompt="-",
            label=f"Question {number}",
            guidance=guidance,
            show_if=Condition(question=f"bench.q{number - 1}", op="answered") if number % 5 == 4 else None,
        )
        for number in range(ANSWERS_PER_CASE)
    ]
    return QuestionBank(domains=[Domain(id="bench", title="Bench", order=0, introduction="-", questions=questions)])


def time_list_cases(path: Path, bank: QuestionBank | None) -> float:
    db = open_db(path)
    try:
        started = time.perf_counter()
        summaries = list_cases(db, bank)
        elapsed = time.perf_counter() - started
    finally:
        db.close()
    assert summaries, "the benchmark database has no cases"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=300, help="saves timed per size (default 300)")
    parser.add_argument("--dir", type=Path, help="where to build the databases (default: a temporary folder)")
    parser.add_argument(
        "--compare-only", action="store_true", help="only the encrypted/plain comparison (at 1,000 assessments)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        # A key of the benchmark's own: it never asks for a passphrase or touches the keyring.
        os.environ.setdefault(KEY_FILE_ENV, str(Path(folder) / "bench.key"))
        if args.compare_only:
            encrypted_against_plain(Path(folder), args.saves)
            return
        medians: dict[int, float] = {}
        for size in SIZES:
            path = Path(folder) / f"bench-{size}.db"
            started = time.perf_counter()
            build(path, size)
            built = time.perf_counter() - started
            timings = time_saves(path, size, args.saves)
            medians[size] = statistics.median(timings)
            p95 = statistics.quantiles(timings, n=20)[-1]
            megabytes = path.stat().st_size / 1_000_000
            print(
                f"{size:>6} assessments ({megabytes:6.1f} MB, built in {built:5.1f} s): "
                f"median save {medians[size] * 1000:7.3f} ms, 95th percentile {p95 * 1000:7.3f} ms"
            )
        smallest = SIZES[0]
        for size in SIZES[1:]:
            print(f"ratio {size:>6} / {smallest}: {medians[size] / medians[smallest]:.2f}")
        largest = Path(folder) / f"bench-{SIZES[-1]}.db"
        for bank, label in ((None, "no bank"), (bench_bank(), "with a 40-question bank")):
            print(f"list_cases with {SIZES[-1]} assessments ({label}): {time_list_cases(largest, bank) * 1000:.1f} ms")
        encrypted_against_plain(Path(folder), args.saves)


if __name__ == "__main__":
    main()
