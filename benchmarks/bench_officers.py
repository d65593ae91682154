"""How far one host goes: N officers at once on one case database.

Each officer is a separate process, as each officer's app is: it opens the shared database, then for a
fixed number of rounds opens a random case (loads the assessment, as the Interview screen does) and saves
one answer to it (committed and synced before it returns). Prints, for N = 1, 10 and 50, the median and
99th-percentile save time and how many saves were refused as busy, and the ratio of each N's median to
N = 1's in the same run.

    .venv/bin/python benchmarks/bench_officers.py [--cases 2000] [--rounds 40] [--officers 1,10,50] [--dir D]

Use --dir to measure on the disk the team will really use: the sync on every commit dominates.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from oasys_diversity.model import Answer, Case
from oasys_diversity.store import StoreError, create_case, load_assessment, open_db, save_answer


def build(path: Path, cases: int) -> None:
    db = open_db(path)
    for number in range(cases):
        create_case(
            db,
            Case(
                reference=f"B{number:07d}",
                name=f"Bench Person {number}",
                officer="Bench",
                assessed_on=date(2026, 11, 1),
            ),
        )
    db.close()


def officer(path: str, cases: int, rounds: int, seed: int, start_at: float, results) -> None:
    chooser = random.Random(seed)
    db = open_db(Path(path))
    while time.time() < start_at:  # everyone starts together
        time.sleep(0.001)
    times: list[float] = []
    busy = 0
    for round_number in range(rounds):
        case_id = chooser.randint(1, cases)
        load_assessment(db, case_id)
        answer = Answer(
            question_id="person.area",
            status="answered",
            value=f"Area {seed}-{round_number}",
        )
        began = time.perf_counter()
        try:
            save_answer(db, case_id, answer, officer=f"Officer {seed}")
        except StoreError:
            busy += 1
            continue
        times.append(time.perf_counter() - began)
    db.close()
    results.put((times, busy))


def run(path: Path, cases: int, officers: int, rounds: int) -> tuple[list[float], int]:
    results: multiprocessing.Queue = multiprocessing.Queue()
    start_at = time.time() + 1.0 + officers * 0.05
    workers = [
        multiprocessing.Process(target=officer, args=(str(path), cases, rounds, seed, start_at, results))
        for seed in range(officers)
    ]
    for worker in workers:
        worker.start()
    times: list[float] = []
    busy = 0
    for _ in workers:
        got, refused = results.get()
        times.extend(got)
        busy += refused
    for worker in workers:
        worker.join()
    return times, busy


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--officers", default="1,10,50")
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = Path(folder) / "cases.db"
        build(path, args.cases)
        print(f"{args.cases:,} cases; each officer opens a case and saves an answer {args.rounds} times")
        print(f"{'officers':>8}  {'saves':>6}  {'median ms':>9}  {'p99 ms':>8}  {'busy':>5}  {'median vs 1':>11}")
        baseline: float | None = None
        for count in (int(n) for n in args.officers.split(",")):
            times, busy = run(path, args.cases, count, args.rounds)
            median = statistics.median(times) * 1000
            baseline = baseline or median
            print(
                f"{count:>8}  {len(times):>6}  {median:>9.2f}  {percentile(times, 0.99) * 1000:>8.2f}  {busy:>5}  "
                f"{median / baseline:>10.2f}x"
            )


if __name__ == "__main__":
    main()
