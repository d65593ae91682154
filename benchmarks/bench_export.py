"""Export benchmark: `oasys-diversity export --format pdf` against `--format md`, each a whole process.

The case is the fullest fictional person (tests/fixtures/people/), imported into a fresh database with its
plan built and saved, as after a session, so the time is the export's, not the planner's. Each run is a fresh
process started the same way (`python -m oasys_diversity export ...`), timed by the parent from start to
exit. After one warm-up of each, runs alternate between the formats (md, pdf, person's pdf, docx) and the
medians are compared with Markdown's.

    .venv/bin/python benchmarks/bench_export.py [--runs 7] [--person STEM]

Aim: the PDF at most 1.5x Markdown's time.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = ROOT / "tests" / "fixtures" / "people"
AIM = 1.5
VARIANTS = {
    "md": ["--format", "md"],
    "pdf": ["--format", "pdf"],
    "pdf for the person": ["--format", "pdf", "--for-person"],
    "docx": ["--format", "docx"],
}


def cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "oasys_diversity", *argv], capture_output=True, text=True, check=True)


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    cli(*argv)
    return time.perf_counter() - started


def save_plan_script() -> str:
    return """
import sys
from datetime import date
from pathlib import Path
from oasys_diversity.bank import load_bank
from oasys_diversity.directory import load_directory
from oasys_diversity.planner import build_plan
from oasys_diversity.rules import load_rules
from oasys_diversity.store import load_assessment, open_db, save_plan

db, case_id = open_db(Path(sys.argv[1])), int(sys.argv[2])
bank = load_bank()
plan = build_plan(load_assessment(db, case_id), bank, load_rules(), load_directory(None), date.today())
save_plan(db, case_id, plan, officer="Benchmark")
"""


def save_suggested_plan(db: Path, case_id: int) -> None:
    subprocess.run([sys.executable, "-c", save_plan_script(), str(db), str(case_id)], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--person", default="sikh_man_sheffield_shame_reading", help="a file stem in " + str(PEOPLE))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "cases.db"
        case_id = cli("import", str(PEOPLE / f"{args.person}.json"), "--db", str(db)).stdout.strip()
        save_suggested_plan(db, int(case_id))
        commands = {
            name: ["export", case_id, *options, "--db", str(db), "--out", str(Path(folder) / f"out-{n}")]
            for n, (name, options) in enumerate(VARIANTS.items())
        }
        for argv in commands.values():
            timed(argv)  # warm-up: the file system cache, not our code
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                times[name].append(timed(argv))
        cli(
            "export", case_id, "--format", "text", "--for-person", "--db", str(db), "--out", str(Path(folder) / "p.txt")
        )
        words = len((Path(folder) / "p.txt").read_text(encoding="utf-8").split())
    base = statistics.median(times["md"])
    print(f"export of {args.person}, median of {args.runs} fresh processes each")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<20} {median:6.3f} s   {median / base:4.2f}x md")
    ratio = statistics.median(times["pdf"]) / base
    print(f"pdf / md = {ratio:.2f} (aim: at most {AIM}x) -> {'ok' if ratio <= AIM else 'TOO SLOW'}")
    print(f"the person's version: {words} words (text format)")
    return 0 if ratio <= AIM else 1


if __name__ == "__main__":
    sys.exit(main())
