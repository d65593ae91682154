"""`cases audit`, `cases subject-access` and `cases retention`: the data-protection commands.

Kept apart from cli.py so the commands that look after the person's rights read in one place. Each
prints one line per problem (via `CommandError`) and never prints answers, notes or names.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from oasys_diversity.cli import CommandError


def run(args: argparse.Namespace, db: Any, officer: str, load_bank: Callable[[argparse.Namespace], Any]) -> int:
    if args.cases_command == "audit":
        return show_audit(db, args.case_id, as_json=args.json)
    if args.cases_command == "subject-access":
        return subject_access(db, load_bank(args), args, officer)
    return retention(db, args, officer)


def _local(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def show_audit(db: Any, case_id: int, *, as_json: bool) -> int:
    from oasys_diversity.store_access import case_history
    from oasys_diversity.store_open import StoreError

    try:
        rows = case_history(db, case_id)
    except StoreError as error:
        raise CommandError(str(error)) from None
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    width = max([len(row["officer"]) for row in rows] + [7])
    print(f"{'time':<19}  {'officer':<{width}}  {'action':<20}  detail")
    for row in rows:
        print(f"{_local(row['at']):<19}  {row['officer']:<{width}}  {row['action']:<20}  {row['detail']}".rstrip())
    return 0


def subject_access(db: Any, bank: Any, args: argparse.Namespace, officer: str) -> int:
    from oasys_diversity.subject_access import SubjectAccessError, write_pack

    try:
        written = write_pack(db, bank, args.case_id, args.out, officer=officer, directory_path=args.directory)
    except SubjectAccessError as error:
        raise CommandError(str(error)) from None
    for path in written:
        print(path)
    return 0


def _confirmed(count: int) -> bool:
    reply = input(f"Erase these {count} cases and everything recorded for them? Type 'erase' to confirm: ")
    return reply.strip() == "erase"


def retention(db: Any, args: argparse.Namespace, officer: str) -> int:
    from oasys_diversity.retention import RETENTION_SETTING, RetentionError, cutoff, retention_months, stale_cases
    from oasys_diversity.store import erase_case
    from oasys_diversity.store_open import StoreError

    try:
        before = cutoff(datetime.now(UTC), days=args.older_than, months=args.months)
        if args.older_than is not None:
            period = f"more than {args.older_than} days"
        elif args.months is not None:
            period = f"more than {args.months} months"
        else:
            period = f"more than {retention_months()} months, the period set by {RETENTION_SETTING} (default 24)"
    except RetentionError as error:
        raise CommandError(str(error)) from None
    due = stale_cases(db, before)
    if not due:
        print(f"no cases untouched for {period}")
        return 0
    print(f"{len(due)} case(s) untouched for {period} (since before {before.astimezone():%Y-%m-%d}):")
    print(f"{'id':>4}  {'reference':<14} last touched")
    for case in due:
        print(f"{case.id:>4}  {case.reference:<14} {case.last_touched.astimezone():%Y-%m-%d}")
    if not args.yes:
        if not sys.stdin.isatty():
            print("nothing erased: run at a terminal to confirm, or add --yes", file=sys.stderr)
            return 0
        if not _confirmed(len(due)):
            print("nothing erased")
            return 1
    reason = f"retention: untouched for {period.split(',')[0]}"
    for case in due:
        try:
            erase_case(db, case.id, officer=officer, reason=reason)
        except StoreError as error:
            raise CommandError(str(error)) from None
        print(f"case {case.id} erased")
    return 0
