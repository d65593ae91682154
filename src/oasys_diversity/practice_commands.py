"""`oasys-diversity practice`: the practice app, and its feedback, exports and the trainer's cohort report.

Everything here opens the practice database (kind "practice"); a live database given with --db is refused.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FORMATS = ("md", "json")


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    practice = sub.add_parser(
        "practice", parents=[common], help="practise with fictional scenarios on a separate practice database"
    )
    psub = practice.add_subparsers(dest="practice_command", metavar="ACTION")
    psub.add_parser("list", parents=[common], help="list the practice scenarios")
    feedback = psub.add_parser("feedback", parents=[common], help="feedback on a practice run (Markdown or JSON)")
    feedback.add_argument("case_id", type=int, help="the practice case (see `practice runs`)")
    feedback.add_argument("--format", choices=FORMATS, default="md")
    feedback.add_argument("--out", type=Path, metavar="FILE", help="a new file to write (default: standard output)")
    psub.add_parser("runs", parents=[common], help="list the practice runs in the practice database")
    export = psub.add_parser("export", parents=[common], help="export a practice run, stamped PRACTICE on every page")
    export.add_argument("case_id", type=int)
    export.add_argument("--format", choices=["md", "text", "json", "pdf", "docx"], default="md")
    export.add_argument("--out", type=Path, metavar="FILE", help="the file to write (needed for pdf and docx)")
    report = psub.add_parser("report", parents=[common], help="a cohort summary from trainees' feedback JSON files")
    report.add_argument("files", nargs="+", type=Path, metavar="FEEDBACK.json")
    report.add_argument("--format", choices=["md", "csv"], default="md")
    report.add_argument("--out", type=Path, metavar="FILE", help="a new file to write (default: standard output)")


def _practice_db(args: argparse.Namespace):
    from oasys_diversity.cli import CommandError
    from oasys_diversity.practice import practice_db_path
    from oasys_diversity.store import StoreError, open_db

    try:
        return open_db(args.db or practice_db_path(), "practice")
    except StoreError as error:
        raise CommandError(str(error)) from None


def _scenarios(args: argparse.Namespace, bank):
    from oasys_diversity.cli import CommandError
    from oasys_diversity.scenario import ScenarioError, load_scenarios

    folder = (args.questions / "scenarios") if args.questions else None
    try:
        return load_scenarios(folder, bank)
    except ScenarioError as error:
        raise CommandError(str(error)) from None


def _write(text: str, out: Path | None) -> None:
    """To standard output, or to a new file: a file the user did not name is never overwritten."""
    from oasys_diversity.cli import CommandError
    from oasys_diversity.export import write_private

    if out is None:
        sys.stdout.write(text)
        return
    if out.exists():
        raise CommandError(f"{out} already exists; choose a new file name")
    write_private(out, text.encode("utf-8"))
    print(f"written to {out}", file=sys.stderr)


def cmd_practice(args: argparse.Namespace) -> int:
    from oasys_diversity.cli import CommandError, _bank

    action = getattr(args, "practice_command", None)
    if action is None:
        from oasys_diversity.app import run_app

        return run_app(db_path=args.db, questions_dir=args.questions, directory_path=args.directory, practice=True)
    if action == "report":
        from oasys_diversity.cohort import CohortError, build_cohort, cohort_csv, cohort_markdown, read_feedback_file

        try:
            cohort = build_cohort([read_feedback_file(path) for path in args.files])
        except CohortError as error:
            raise CommandError(str(error)) from None
        _write(cohort_markdown(cohort) if args.format == "md" else cohort_csv(cohort), args.out)
        return 0
    bank = _bank(args)
    scenarios = _scenarios(args, bank)
    if action == "list":
        for s in scenarios:
            print(f"{s.id:28} {s.scenario.difficulty:11} {s.scenario.title}")
        return 0
    db = _practice_db(args)
    try:
        return _run_action(args, action, db, bank, scenarios)
    finally:
        db.close()


def _run_action(args: argparse.Namespace, action: str, db, bank, scenarios) -> int:
    from oasys_diversity.cli import CommandError
    from oasys_diversity.feedback import PRACTICE_BANNER, feedback_to_json, feedback_to_markdown
    from oasys_diversity.practice import run_feedback, scenario_of
    from oasys_diversity.store import StoreError, get_case, list_cases

    if action == "runs":
        by_reference = {s.person.reference: s.id for s in scenarios}
        for row in list_cases(db):
            scenario_id = by_reference.get(row.reference, "?")
            print(f"{row.id:>5}  {scenario_id:28} {row.updated_at:%Y-%m-%d %H:%M}")
        return 0
    try:
        case = get_case(db, args.case_id)
    except StoreError as error:
        raise CommandError(str(error)) from None
    if action == "export":
        from oasys_diversity.export import ExportError, export_case

        try:
            where = export_case(
                db,
                bank,
                args.case_id,
                fmt=args.format,
                out=args.out,
                banner=PRACTICE_BANNER,
                directory_path=args.directory,
            )
        except ExportError as error:
            raise CommandError(str(error)) from None
        if where is not None:
            print(f"written to {where}", file=sys.stderr)
        return 0
    scenario = scenario_of(case, scenarios)
    if scenario is None:
        raise CommandError(f"practice case {args.case_id} was not started from a known scenario")
    result = run_feedback(db, args.case_id, scenario, bank, args.questions)
    _write(feedback_to_markdown(result) if args.format == "md" else feedback_to_json(result), args.out)
    return 0


HANDLERS = {"practice": cmd_practice}
