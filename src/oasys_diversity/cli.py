"""The `oasys-diversity` command. No subcommand opens the app.

Each subcommand imports what it needs when it runs, so `--help` and the app start quickly.
Errors are one clear line on stderr and a non-zero exit; answer text never appears in them.
"""

from __future__ import annotations

import argparse
import json
import os
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


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("oasys-diversity")
    except PackageNotFoundError:
        return "unknown (not installed)"


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
        target.add_argument(
            "--debug",
            action="store_true",
            default=default if default is argparse.SUPPRESS else False,
            help="show the full traceback of an unexpected error (it may contain personal data)",
        )

    common = argparse.ArgumentParser(add_help=False)
    global_options(common, argparse.SUPPRESS)
    parser = argparse.ArgumentParser(
        prog="oasys-diversity",
        description="Guided diversity conversations for probation supervision. With no command, opens the app.",
    )
    global_options(parser, None)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
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
    _officer_option(imp, "who is importing it (default: your account name); the file's own officer is kept as who assessed")

    cases = sub.add_parser("cases", parents=[common], help="work with stored cases")
    csub = cases.add_subparsers(dest="cases_command", metavar="ACTION", required=True)
    clist = csub.add_parser("list", parents=[common], help="list cases")
    clist.add_argument("--json", action="store_true", help="print JSON instead of a table")
    erase = csub.add_parser("erase", parents=[common], help="erase a case, its answers, plan and audit trail")
    erase.add_argument("case_id", type=int)
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    _officer_option(erase)
    caudit = csub.add_parser(
        "audit", parents=[common], help="who opened, changed, exported or erased a case, and when (never the answers)"
    )
    caudit.add_argument("case_id", type=int)
    caudit.add_argument("--json", action="store_true", help="print JSON instead of a table")
    access = csub.add_parser(
        "subject-access", parents=[common], help="write everything held about a person into a new folder"
    )
    access.add_argument("case_id", type=int)
    access.add_argument("--out", type=Path, required=True, metavar="FOLDER", help="a new or empty folder")
    _officer_option(access)
    retention = csub.add_parser(
        "retention", parents=[common], help="list cases untouched longer than the retention period; erase them"
    )
    period = retention.add_mutually_exclusive_group()
    period.add_argument("--older-than", type=int, metavar="DAYS", help="untouched for more than DAYS days")
    period.add_argument(
        "--months", type=int, metavar="N", help="untouched for more than N months (default: the configured period)"
    )
    retention.add_argument("--yes", action="store_true", help="erase them without asking")
    _officer_option(retention)

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
        "import",
        parents=[common],
        help="import Open Referral (HSDS 3.0 / Open Referral UK): a JSON file, CSV + datapackage.json, or an API URL",
    )
    dimport.add_argument("file", metavar="FILE_OR_URL", help="a file, a tabular package folder, or https://…")
    dimport.add_argument("--into", type=Path, help="the directory file to write (default: your local directory)")
    dimport.add_argument("--feed", help="the feed's name, so a later import can tell what left it (default: file or URL)")
    dimport.add_argument("--allow-http", action="store_true", help="allow a plain http API (a test server)")
    dimport.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="per request (default 30)")
    dimport.add_argument("--max-pages", type=int, default=200, metavar="N", help="pages to read at most (default 200)")
    dimport.add_argument(
        "--max-bytes", type=int, default=20 * 1024 * 1024, metavar="N", help="size of one page at most (default 20 MB)"
    )
    dsub.add_parser("check", parents=[common], help="validate the directory")
    dsub.add_parser("list", parents=[common], help="list services with their areas and last-checked dates")

    from oasys_diversity import team_commands

    team_commands.add_parsers(sub, common, _date)
    from oasys_diversity import practice_commands

    practice_commands.add_parsers(sub, common)

    export = sub.add_parser("export", parents=[common], help="export a case's assessment summary")
    export.add_argument("case_id", type=int)
    export.add_argument("--format", choices=["md", "text", "json", "pdf", "docx"], default="md")
    export.add_argument("--for-person", action="store_true", help="the shorter summary written for the person")
    export.add_argument(
        "--easy-read", action="store_true", help="with --for-person: short sentences, one per line, larger type"
    )
    export.add_argument("--redact", action="store_true", help="initials for names; no reference; no quotes")
    export.add_argument("--out", type=Path, help="where to write (default: standard output for text formats)")
    export.add_argument("--banner", help="a banner stamped on every page (e.g. PRACTICE)")
    export.add_argument("--force", action="store_true", help="replace the --out file if it exists (never a read-only one)")
    _officer_option(export)

    from oasys_diversity.cli_store import add_commands

    add_commands(sub, common)
    return parser


def _officer_option(parser: argparse.ArgumentParser, help: str | None = None) -> None:
    parser.add_argument(
        "--officer", metavar="NAME", help=help or "who is doing this, for the audit (default: your account name)"
    )


def _officer(args: argparse.Namespace) -> str:
    """Who runs the command, for the audit: --officer, else the operating system's account name."""
    from oasys_diversity.store_access import officer_or_os_user

    return officer_or_os_user(getattr(args, "officer", None))


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
        _print_coverage(bank, args.dir or args.questions)
        return 0
    bank = _bank(args, args.dir)
    print(json.dumps(dump_bank(bank), indent=2, ensure_ascii=False))
    return 0


def _print_coverage(bank, folder: Path | None) -> None:
    """How many questions feed the plan (only for a bank with plan rules beside it)."""
    from oasys_diversity.coverage import coverage
    from oasys_diversity.rules import rules_dir

    if folder is not None and not rules_dir(Path(folder)).is_dir():
        return
    found = coverage(bank, folder)
    print(found.summary_line())
    if not found.unread:
        print("every question feeds the plan or is marked record_only with a reason")


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
        case_id = import_assessment(db, assessment, bank, officer=_officer(args), source=os.path.abspath(args.file))
    except StoreError as error:
        raise CommandError(str(error)) from None
    print(case_id)
    return 0


def cmd_cases(args: argparse.Namespace) -> int:
    from oasys_diversity.store import StoreError, erase_case, list_cases

    if args.cases_command in ("audit", "subject-access", "retention"):
        from oasys_diversity import cli_rights

        return cli_rights.run(args, _db(args), _officer(args), _bank)
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
            # The erasures table records who erased it: --officer, else the account running the command.
            erase_case(db, args.case_id, officer=_officer(args))
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
    from oasys_diversity.directory import DirectoryError
    from oasys_diversity.directory_commands import run_command

    try:
        return run_command(args)
    except DirectoryError as error:
        raise CommandError(str(error)) from None


def cmd_export(args: argparse.Namespace) -> int:
    from oasys_diversity.export import ExportError, export_case

    db = _db(args)
    bank = _bank(args)
    notices: list[str] = []
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
            easy_read=args.easy_read,
            notices=notices,
            force=args.force,
            officer=_officer(args),
        )
    except ExportError as error:
        raise CommandError(str(error)) from None
    for notice in notices:
        print(f"note: {notice}", file=sys.stderr)
    if where is not None:
        print(f"written to {where}", file=sys.stderr)
    return 0


def cmd_app(args: argparse.Namespace, demo: bool = False) -> int:
    from oasys_diversity.app import run_app

    # The app draws on the real terminal itself; its text is made safe where it is shown.
    sys.stdout, sys.stderr = getattr(sys.stdout, "stream", sys.stdout), getattr(sys.stderr, "stream", sys.stderr)
    return run_app(
        db_path=args.db, questions_dir=args.questions, directory_path=args.directory, demo=demo, debug=args.debug
    )


def main(argv: list[str] | None = None) -> int:
    """Run the command. Everything it prints passes through `safe_text.for_terminal`, so a name or file
    holding escape sequences cannot reach the terminal; an unexpected error prints one line and writes a
    crash report without personal data (`--debug` shows the traceback instead)."""
    from oasys_diversity.safe_text import TerminalWriter

    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalWriter(stdout), TerminalWriter(stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _main(argv: list[str] | None) -> int:
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
    from oasys_diversity.team_commands import HANDLERS as team_handlers

    handlers.update(team_handlers)
    from oasys_diversity.practice_commands import HANDLERS as practice_handlers

    handlers.update(practice_handlers)
    try:
        if args.command is None:
            return cmd_app(args)
        if args.command == "demo":
            return cmd_app(args, demo=True)
        return handlers[args.command](args)
    except (CommandError, KeyCommandError) as error:
        from oasys_diversity.safe_text import capped

        # One line per problem, capped: a file of a million bad keys does not print a million lines.
        for line in capped(f"oasys-diversity: {error}".splitlines()):
            print(line, file=sys.stderr)
        return getattr(error, "code", 1)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `oasys-diversity questions dump | head`: the reader went away; that is not an error.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:
        if args.debug:
            raise
        from oasys_diversity.crash import report_crash

        return report_crash(error)


if __name__ == "__main__":
    raise SystemExit(main())
