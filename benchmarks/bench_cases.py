"""The case list at scale: start-up, filtering and paging with 10 to 100,000 cases, as ratios in one run.

Builds encrypted databases (the app's default) of the demo's four fictional people copied over and over
under generated names, references and areas, with their answers, progress kept and search text as the
app keeps them (bulk insert; no audit rows, which the list never reads). Then measures:

- start-up: launch to the first interactive Cases screen on the 100,000-case database, against a bare
  Textual app, each a fresh process (bench_startup.py's method: the median of alternating runs), and on
  the 10-case one in the same runs, so what the cases add is seen apart from what the screen costs.
  Aim: at most 1.3x.
- one filter keystroke: the officer types into the filter of the running app (Pilot, 80x24); each key's
  work is timed from the key's handler to the table refilled and the matches counted. Aim: at most
  50 ms at 10,000 cases and 200 ms at 100,000.
- a page of the list (`case_page`): the first page and one far down, against the 10-case database. Aim: flat.

    .venv/bin/python benchmarks/bench_cases.py [--sizes 10,1000,10000,100000] [--runs 7] [--keep FOLDER]

--keep builds the databases in FOLDER once and reuses them (100,000 cases take a minute or two to build).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_startup import BARE_APP, OUR_APP, run_once  # noqa: E402

from oasys_diversity.store_key import KEY_FILE_ENV  # noqa: E402

FIRST_NAMES = ("Amina", "Kwame", "Priya", "Tomasz", "Ioana", "Jamal", "Mei", "Olu", "Sean", "Fatima", "Dev", "Chloe")
FAMILY_NAMES = ("Hassan", "Mensah", "Shah", "Nowak", "Popescu", "Ali", "Chen", "Adeyemi", "Byrne", "Begum", "Patel")
AREAS = ("Birmingham", "Leeds", "Bradford", "Manchester", "Cardiff", "Leicester", "Luton", "Bristol", "Coventry")
# What the officer types: a name letter by letter, a reference's digits, then a word no case holds.
KEYS = ("a", "m", "i", "n", "a", "backspace", "backspace", "backspace", "backspace", "backspace", "0", "0", "4")
KEYS_NO_MATCH = ("z", "q", "x")
BUILD_BATCH = 20_000
# Rows in a page: a small one (every database fills it), and what the Cases screen fetches at 80x24.
SMALL_PAGE = 10
SCREEN_PAGE = 48


def build(path: Path, cases: int) -> None:
    """`cases` cases besides the demo people imported first (four), whose rows are copied under new names in one
    transaction."""
    from oasys_diversity.bank import load_bank
    from oasys_diversity.demo import demo_files
    from oasys_diversity.interchange import read_assessment_file
    from oasys_diversity.store import import_assessment, open_db
    from oasys_diversity.store_case_list import AREA, PREFERRED_NAME, search_text

    bank = load_bank()
    db = open_db(path)
    templates = [import_assessment(db, read_assessment_file(file, bank), bank) for file in demo_files()]
    answer_rows = {
        case_id: db.execute(
            "SELECT question_id, status, value, note, answered_at, officer FROM answers WHERE case_id = ?", [case_id]
        ).fetchall()
        for case_id in templates
    }
    progress = {
        case_id: db.execute(
            "SELECT progress_answered, progress_declined, progress_not_discussed, progress_total, progress_bank "
            "FROM cases WHERE id = ?",
            [case_id],
        ).fetchone()
        for case_id in templates
    }
    # What each template's copies show as preferred name and area: only the answers that template has.
    answered = {
        case_id: {question_id for question_id, status, *_ in answer_rows[case_id] if status == "answered"}
        for case_id in templates
    }
    shown = {
        case_id: (
            lambda name, area, held=answered[case_id]: (
                name.split()[0] if PREFERRED_NAME in held else None,
                area if AREA in held else None,
            )
        )
        for case_id in templates
    }
    chooser = random.Random(cases)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    conn = db.conn
    conn.execute("BEGIN")
    for first in range(1, cases + 1, BUILD_BATCH):
        case_rows, rows = [], []
        for number in range(first, min(cases, first + BUILD_BATCH - 1) + 1):
            case_id = 1000 + number
            template = templates[number % len(templates)]
            reference = f"X{number:07d}"
            name = f"{chooser.choice(FIRST_NAMES)} {chooser.choice(FAMILY_NAMES)}"
            area = chooser.choice(AREAS)
            when = (start + timedelta(minutes=7 * number)).isoformat(timespec="microseconds")
            case_rows.append(
                (case_id, reference, name, "Bench Officer", "2025-01-01", when, when, None)
                + (search_text(reference, name, *shown[template](name, area)), *progress[template])
            )
            for question_id, status, value, note, answered_at, officer in answer_rows[template]:
                if question_id == PREFERRED_NAME and status == "answered":
                    value = json.dumps(name.split()[0])
                elif question_id == AREA and status == "answered":
                    value = json.dumps(area)
                rows.append((case_id, question_id, status, value, note, answered_at, officer))
        conn.executemany(
            "INSERT INTO cases (id, reference, name, officer, assessed_on, created_at, updated_at, position, search, "
            "progress_answered, progress_declined, progress_not_discussed, progress_total, progress_bank) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            case_rows,
        )
        conn.executemany("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def database(folder: Path, cases: int) -> Path:
    path = folder / f"cases-{cases}.db"
    if not path.exists():
        started = time.perf_counter()
        build(path, cases)
        print(f"built {cases:,} cases in {time.perf_counter() - started:.0f} s ({path.stat().st_size / 2**20:.0f} MiB)")
    return path


def time_pages(path: Path, repeats: int = 30) -> tuple[float, float | None]:
    """Median seconds for the first page of SMALL_PAGE rows, and for the 5th page of SCREEN_PAGE rows (reached by
    paging; None when the database has fewer cases)."""
    from oasys_diversity.store_case_list import case_page, next_page_after
    from oasys_diversity.store_open import open_connection

    conn = open_connection(path)
    try:
        after = None
        for _ in range(4):
            page = case_page(conn, after=after, limit=SCREEN_PAGE)
            after = next_page_after(page[-1]) if len(page) == SCREEN_PAGE else None
        firsts, deeps = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            assert len(case_page(conn, limit=SMALL_PAGE)) == SMALL_PAGE
            firsts.append(time.perf_counter() - started)
            if after is not None:
                started = time.perf_counter()
                assert len(case_page(conn, after=after, limit=SCREEN_PAGE)) == SCREEN_PAGE
                deeps.append(time.perf_counter() - started)
        return statistics.median(firsts), statistics.median(deeps) if deeps else None
    finally:
        conn.close()


async def time_keystrokes(path: Path) -> list[tuple[str, float]]:
    """Each key typed into the running app's filter, and the seconds its work took (query, table, count)."""
    from textual.widgets import DataTable

    from oasys_diversity.app import create_app
    from oasys_diversity.screens.cases import CasesScreen

    spent: list[float] = []
    real_list, real_count = CasesScreen._list, CasesScreen._count_matching

    def timed(real):
        def run(self, *args):
            started = time.perf_counter()
            try:
                return real(self, *args)
            finally:
                spent.append(time.perf_counter() - started)

        return run

    CasesScreen._list, CasesScreen._count_matching = timed(real_list), timed(real_count)
    app = create_app(path)
    timings: list[tuple[str, float]] = []
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(2000):
                screen = app.screen
                if isinstance(screen, CasesScreen) and screen.query_one(DataTable).row_count and screen.counted:
                    break
                await pilot.pause()
            for keys in (KEYS, ("escape",), KEYS_NO_MATCH):
                for key in keys:
                    spent.clear()
                    await pilot.press(key)
                    await pilot.pause()
                    await pilot.pause()
                    if key != "escape":
                        timings.append((key, sum(spent)))
    finally:
        CasesScreen._list, CasesScreen._count_matching = real_list, real_count
    return timings


def keystrokes(path: Path) -> None:
    """Print the keystroke timings for one database (run in a process of its own, as the app would be)."""
    timings = asyncio.run(time_keystrokes(path))
    values = [seconds for _, seconds in timings]
    size = int(path.stem.removeprefix("cases-"))
    aim = 50 if size <= 10_000 else 200
    worst_key, worst = max(timings, key=lambda item: item[1])
    print(
        f"  {size:>7,} cases: median {statistics.median(values) * 1000:6.1f}  worst {worst * 1000:6.1f} "
        f"({worst_key!r})  over {len(values)} keys  (aim <= {aim})",
        flush=True,
    )


def startup(paths: list[Path], runs: int) -> None:
    """Launch to the first interactive Cases screen on each database, against a bare Textual app, in alternating
    runs: the smallest database shows what the Cases screen itself costs, the largest what the cases add."""
    run_once(BARE_APP)
    for path in paths:
        run_once(OUR_APP, str(path))
    bare: list[tuple[dict[str, float], int]] = []
    ours: dict[Path, list[tuple[dict[str, float], int]]] = {path: [] for path in paths}
    for _ in range(runs):
        bare.append(run_once(BARE_APP))
        for path in paths:
            ours[path].append(run_once(OUR_APP, str(path)))
    bare_time = statistics.median(moments["ready"] for moments, _ in bare)
    bare_memory = statistics.median(peak for _, peak in bare)
    print(f"\nstart-up to the first interactive Cases screen, median of {runs}:")
    print(f"  bare Textual app                     {bare_time * 1000:7.1f} ms  {bare_memory / 1024:6.1f} MiB")
    for path, runs_of_path in ours.items():
        our_time = statistics.median(moments["interactive"] for moments, _ in runs_of_path)
        our_memory = statistics.median(peak for _, peak in runs_of_path)
        cases = int(path.stem.removeprefix("cases-"))
        print(
            f"  oasys-diversity, {cases:>7,} cases      {our_time * 1000:7.1f} ms  {our_memory / 1024:6.1f} MiB   "
            f"time {our_time / bare_time:.2f}x (aim <= 1.3x), memory {our_memory / bare_memory:.2f}x"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,1000,10000,100000", help="numbers of cases (default 10 to 100,000)")
    parser.add_argument("--runs", type=int, default=7, help="start-up runs of each app (default 7)")
    parser.add_argument("--keep", type=Path, help="build the databases here once and reuse them")
    # The start-up runs and the keystrokes, each in a process of its own.
    parser.add_argument("--startup", type=Path, nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--keys", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.startup is not None:
        startup(args.startup, args.runs)
        return 0
    if args.keys is not None:
        keystrokes(args.keys)
        return 0
    sizes = sorted(int(size) for size in args.sizes.split(","))

    folder = args.keep or Path(tempfile.mkdtemp(prefix="oasys-diversity-bench-cases-"))
    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / "bench.key"
    if not key_file.exists():
        key_file.write_text(os.urandom(32).hex())
        key_file.chmod(0o600)
    os.environ[KEY_FILE_ENV] = str(key_file)
    home = Path(tempfile.mkdtemp(prefix="oasys-diversity-bench-home-"))
    os.environ["OASYS_DIVERSITY_HOME"] = str(home)
    os.environ["TEXTUAL_ANIMATIONS"] = "none"
    try:
        paths = {size: database(folder, size) for size in sizes}

        print("\na page of the case list (case_page), median ms; ratios to the smallest database that fills it:")
        first_base = deep_base = None
        for size in sizes:
            first, deep = time_pages(paths[size])
            first_base = first_base or first
            line = f"  {size:>7,} cases: first {SMALL_PAGE} rows {first * 1000:5.2f} ({first / first_base:4.2f}x)"
            if deep is not None:
                deep_base = deep_base or deep
                line += f"   5th page of {SCREEN_PAGE} {deep * 1000:5.2f} ({deep / deep_base:4.2f}x)"
            print(line + "  (aim: flat)")

        print("\none filter keystroke in the running app (query, table, count), ms; each size in a fresh process:")
        for size in sizes:
            if size >= 10_000:
                subprocess.run([sys.executable, __file__, "--keys", str(paths[size])], check=True)

        # In a small process of its own: a child's peak memory counts what its parent held when it was started.
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--runs",
                str(args.runs),
                "--startup",
                str(paths[sizes[0]]),
                str(paths[sizes[-1]]),
            ],
            check=True,
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
