"""The team's commands: `report` (disproportionality at a glance), `extract` (a de-identified file for a
region) and `serve` (the app in a browser). Added to the CLI by cli.build_parser."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parsers(sub, common: argparse.ArgumentParser, parse_date) -> None:
    """The three subcommands, on the CLI's subparsers."""
    report = sub.add_parser(
        "report",
        parents=[common],
        help="team report by ethnic group: conversations, interpreters, objectives, referrals, agreement",
    )
    report.add_argument("extracts", nargs="*", type=Path, metavar="EXTRACT", help="extract files to combine")
    report.add_argument("--from", dest="start", type=parse_date, metavar="DATE", help="first month (YYYY-MM-DD)")
    report.add_argument("--to", dest="end", type=parse_date, metavar="DATE", help="last month (YYYY-MM-DD)")
    report.add_argument("--format", choices=["md", "csv", "json"], default="md")

    extract = sub.add_parser(
        "extract", parents=[common], help="write a de-identified SQLite extract for a region (codes and counts only)"
    )
    extract.add_argument("--out", type=Path, required=True, metavar="FILE.db", help="a new file to write")

    serve = sub.add_parser("serve", parents=[common], help="serve the app in a web browser (textual-serve)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this computer only)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--public-url", metavar="URL", help="the address people use (required when --host is not this computer)"
    )
    serve.add_argument("--officer", help="the officer every browser session runs as (default: your user name)")


def cmd_report(args: argparse.Namespace) -> int:
    from oasys_diversity.cli import CommandError, _bank, _db
    from oasys_diversity.extract import ExtractError, facts_from_database, read_extract
    from oasys_diversity.team_report import RENDERERS, build_report

    if args.start and args.end and args.start > args.end:
        raise CommandError("--from is after --to")
    if args.extracts:
        facts = []
        for path in args.extracts:
            try:
                facts.extend(read_extract(path))
            except ExtractError as error:
                raise CommandError(str(error)) from None
        sources = len(args.extracts)
    else:
        facts = facts_from_database(_db(args), _bank(args))
        sources = 1
    text = RENDERERS[args.format](build_report(facts, args.start, args.end, sources=sources))
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from oasys_diversity.cli import CommandError, _bank, _db
    from oasys_diversity.extract import ExtractError, facts_from_database, write_extract
    from oasys_diversity.store import default_db_path

    out = Path(args.out)
    if _same_file(out, Path(args.db or default_db_path())):
        raise CommandError(f"{out}: that is the case database; write the extract to a new file")
    facts = facts_from_database(_db(args), _bank(args))
    try:
        write_extract(facts, out)
    except ExtractError as error:
        raise CommandError(str(error)) from None
    print(f"{len(facts)} cases written to {out} (codes and counts only; no names, words or exact dates)")
    return 0


def _same_file(first: Path, second: Path) -> bool:
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = Path(str(second) + suffix)
        if first.resolve() == candidate.resolve():
            return True
    return False


def cmd_serve(args: argparse.Namespace) -> int:
    from oasys_diversity.cli import CommandError
    from oasys_diversity.serve import ServeError, serve
    from oasys_diversity.store import default_db_path

    try:
        serve(
            db_path=Path(args.db or default_db_path()),
            questions_dir=args.questions,
            directory_path=args.directory,
            host=args.host,
            port=args.port,
            public_url=args.public_url,
            officer=args.officer,
        )
    except ServeError as error:
        raise CommandError(str(error)) from None
    return 0


HANDLERS = {"report": cmd_report, "extract": cmd_extract, "serve": cmd_serve}
