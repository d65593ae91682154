"""The `oasys-diversity` command. No subcommand opens the app.

Each subcommand imports what it needs when it runs, so `--help` and the app start quickly.
Errors are one clear line on stderr and a non-zero exit; answer text never appears in them.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path


class CommandError(Exception):
    """A problem the user can fix: printed as one line, exit code 1 (or `code`)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    # The global options work before or after a subcommand (`export 3 --db X` and `--db X export 3`):
    # every parser shares them, and SUPPRESS keeps an absent one from overwriting one already given.
    # (Two separate sets of options: parsers given as `parents` share action objects, so one default
    # set on the top-level parser would leak into every subcommand and overwrite a --db given before it.)
    def global_options(target: argparse.ArgumentParser, default: object) -> None:
        target.add_argument("--db", type=Path, default=default, help="the case database (default: your data folder)")
        target.add_argument(
            "--questions",
            type=Path,
            metavar="DIR",
            default=default,
            help="a question bank folder instead of the shipped one",
        )
        target.add_argument("--directory", type=Path, metavar="PATH", default=default, help="a referral directory file")

    common = argparse.ArgumentParser(add_help=False)
    global_options(common, argparse.SUPPRESS)
    parser = argparse.ArgumentParser(
        prog="oasys-diversity",
        description="Guided diversity conversations for probation supervision. With no command, opens the app.",
    )
    global_options(parser, None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("demo", parents=[common], help="open the app on a fresh demo database of fictional people")

    questions = sub.add_parser("questions", parents=[common], help="check or print the question bank")
    qsub = questions.add_subparsers(dest="questions_command", metavar="ACTION", required=True)
    check = qsub.add_parser(
        "check", parents=[common], help="validate a question bank and its rules; one line per problem"
    )
    check.add_argument("dir", nargs="?", type=Path, help="the bank folder (default: the shipped bank)")
    dump = qsub.add_parser("dump", parents=[common], help="print the whole bank for other tools")
    dump.add_argument("--format", choices=["json"], default="json")
    dump.add_argument("dir", nargs="?", type=Path)

    imp = sub.add_parser(
        "import", parents=[common], help="store an assessment interchange file (JSON or TOML); prints the case id"
    )
    imp.add_argument("file", type=Path)

    cases = sub.add_parser("cases", parents=[common], help="work with stored cases")
    csub = cases.add_subparsers(dest="cases_command", metavar="ACTION", required=True)
    clist = csub.add_parser("list", parents=[common], help="list cases")
    clist.add_argument("--json", action="store_true", help="print JSON instead of a table")
    erase = csub.add_parser("erase", parents=[common], help="erase a case, its answers, plan and audit trail")
    erase.add_argument("case_id", type=int)
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    plan = sub.add_parser(
        "plan", parents=[common], help="build the plan for an interchange file without touching any database"
    )
    plan.add_argument("file", type=Path)
    plan.add_argument(
        "--today",
        type=_date,
        help="the plan date: decides which directory entries are stale and which targets have passed (default: today)",
    )
    plan.add_argument("--format", choices=["json", "md"], default="json")

    directory = sub.add_parser("directory", parents=[common], help="the local referral directory")
    dsub = directory.add_subparsers(dest="directory_command", metavar="ACTION", required=True)
    dimport = dsub.add_parser(
        "import", parents=[common], help="import Open Referral (HSDS) JSON or CSV + datapackage.json"
    )
    dimport.add_argument("file", type=Path)
    dimport.add_argument("--into", type=Path, help="the directory file to write (default: your local directory)")
    dsub.add_parser("check", parents=[common], help="validate the directory")
    dsub.add_parser("list", parents=[common], help="list services with their areas and last-checked dates")

    export = sub.add_parser("export", parents=[common], help="export a case's assessment summary")
    export.add_argument("case_id", type=int)
    export.add_argument("--format", choices=["md", "text", "json", "pdf", "docx"], default="md")
    export.add_argument("--for-person", action="store_true", help="the shorter summary written for the person")
    export.add_argument("--redact", action="store_true", help="initials for names; no reference; no quotes")
    export.add_argument("--out", type=Path, help="where to write (default: standard output for text formats)")
    export.add_argument("--banner", help="a banner stamped on every page (e.g. PRACTICE)")

    from oasys_diversity.cli_store import add_commands

    add_commands(sub, common)
    return parser


def _bank(args: argparse.Namespace, folder: Path | None = None):
    from oasys_diversity.bank import BankError, load_bank

    try:
        return load_bank(folder or args.questions)
    except BankError as error:
        raise CommandError(str(error)) from None


def _db(args: argparse.Namespace):
    from oasys_diversity.cli_store import KeyCommandError, with_key
    from oasys_diversity.store import StoreError, default_db_path, open_db

    try:
        return with_key(lambda: open_db(args.db or default_db_path()))
    except (StoreError, KeyCommandError) as error:
        raise CommandError(str(error)) from None


def cmd_questions(args: argparse.Namespace) -> int:
    from oasys_diversity.bank import check_content, dump_bank

    if args.questions_command == "check":
        problems = check_content(args.dir or args.questions)
        for line in problems:
            print(line)
        if problems:
            return 1
        bank = _bank(args, args.dir)
        print(f"question bank OK: {len(bank.domains)} domains, {len(bank.questions)} questions")
        return 0
    bank = _bank(args, args.dir)
    print(json.dumps(dump_bank(bank), indent=2, ensure_ascii=False))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from oasys_diversity.interchange import InterchangeError, read_assessment_file
    from oasys_diversity.store import StoreError, import_assessment

    bank = _bank(args)
    try:
        assessment = read_assessment_file(args.file, bank)
    except InterchangeError as error:
        raise CommandError(str(error)) from None
    # The file is checked in full before the database is opened: a bad file never touches it.
    db = _db(args)
    try:
        case_id = import_assessment(db, assessment, bank)
    except StoreError as error:
        raise CommandError(str(error)) from None
    print(case_id)
    return 0


def cmd_cases(args: argparse.Namespace) -> int:
    import getpass

    from oasys_diversity.store import StoreError, erase_case, list_cases

    db = _db(args)
    if args.cases_command == "erase":
        if not args.yes:
            if not sys.stdin.isatty():
                raise CommandError("erasing needs --yes when not run at a terminal")
            reply = input(f"Erase case {args.case_id} and everything recorded for it? Type 'erase' to confirm: ")
            if reply.strip() != "erase":
                print("nothing erased")
                return 1
        try:
            # The erasures table records who erased it: the account running the command.
            who = getpass.getuser()
        except (OSError, KeyError):
            who = None
        try:
            erase_case(db, args.case_id, officer=who)
        except StoreError as error:
            raise CommandError(str(error)) from None
        print(f"case {args.case_id} erased")
        return 0
    try:
        summaries = list_cases(db, _bank(args))
    except StoreError as error:
        raise CommandError(str(error)) from None
    if args.json:
        print(json.dumps([s.model_dump(mode="json") for s in summaries], indent=2, ensure_ascii=False))
        return 0
    if not summaries:
        print("no cases yet")
        return 0
    print(f"{'id':>4}  {'reference':<14} {'name':<24} {'area':<16} {'progress':<10} updated")
    for s in summaries:
        print(
            f"{s.id:>4}  {s.reference:<14} {s.name:<24} {(s.area or '-'):<16} {s.progress_text:<10} {s.updated_at.astimezone():%Y-%m-%d %H:%M}"
        )
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from oasys_diversity.directory import DirectoryError, load_directory
    from oasys_diversity.interchange import InterchangeError, read_assessment_file
    from oasys_diversity.planner import build_plan, plan_to_json, plan_to_markdown
    from oasys_diversity.rules import RulesError, load_rules

    bank = _bank(args)
    try:
        assessment = read_assessment_file(args.file, bank)
        rules = load_rules(args.questions)
        directory = load_directory(args.directory)
    except InterchangeError as error:
        raise CommandError(str(error)) from None
    except (RulesError, DirectoryError) as error:
        # The first problem names the file, line and field; `questions check` / `directory check` list all.
        raise CommandError(f"{error}: {error.problems[0]}" if error.problems else str(error)) from None
    plan = build_plan(assessment, bank, rules, directory, today=args.today or date.today())
    if args.format == "json":
        print(json.dumps(plan_to_json(plan), indent=2, ensure_ascii=False))
    else:
        print(plan_to_markdown(plan, bank, rules))
    return 0


def cmd_directory(args: argparse.Namespace) -> int:
    from oasys_diversity import directory as directory_module

    try:
        return directory_module.run_command(args)
    except directory_module.DirectoryError as error:
        raise CommandError(str(error)) from None


def cmd_export(args: argparse.Namespace) -> int:
    from oasys_diversity.export import ExportError, export_case

    db = _db(args)
    bank = _bank(args)
    try:
        where = export_case(
            db,
            bank,
            args.case_id,
            fmt=args.format,
            for_person=args.for_person,
            redact=args.redact,
            out=args.out,
            banner=args.banner,
            directory_path=args.directory,
        )
    except ExportError as error:
        raise CommandError(str(error)) from None
    if where is not None:
        print(f"written to {where}", file=sys.stderr)
    return 0


def cmd_app(args: argparse.Namespace, demo: bool = False) -> int:
    from oasys_diversity.app import run_app

    return run_app(db_path=args.db, questions_dir=args.questions, directory_path=args.directory, demo=demo)


def main(argv: list[str] | None = None) -> int:
    from oasys_diversity.cli_store import KeyCommandError, cmd_backup, cmd_db

    args = build_parser().parse_args(argv)
    handlers = {
        "db": cmd_db,
        "backup": cmd_backup,
        "questions": cmd_questions,
        "import": cmd_import,
        "cases": cmd_cases,
        "plan": cmd_plan,
        "directory": cmd_directory,
        "export": cmd_export,
    }
    try:
        if args.command is None:
            return cmd_app(args)
        if args.command == "demo":
            return cmd_app(args, demo=True)
        return handlers[args.command](args)
    except (CommandError, KeyCommandError) as error:
        print(f"oasys-diversity: {error}", file=sys.stderr)
        return getattr(error, "code", 1)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `oasys-diversity questions dump | head`: the reader went away; that is not an error.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
