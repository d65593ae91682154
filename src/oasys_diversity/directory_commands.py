"""The `directory` subcommands: import (a file, a tabular package or a council's API), check and list.

Problems go to stderr, one line each (file or page, row or line, field), and the exit code is 1; nothing is
written unless everything read was good.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

from oasys_diversity.directory import (
    Directory,
    DirectoryError,
    directory_report,
    is_stale,
    load_directory,
    local_directory_path,
    read_directory_file,
    resolve_directory_path,
    write_directory,
)

LOCAL_NOTE = "Local referral directory. Check each entry and update assured_date when you do."


def run_command(args: Any) -> int:
    try:
        return _run(args)
    except DirectoryError as error:
        for line in error.problems:
            print(line, file=sys.stderr)
        if error.problems != [str(error)]:
            print(str(error), file=sys.stderr)
        return 1


def _run(args: Any) -> int:
    command = args.directory_command
    if command == "import":
        return cmd_import(args)
    if command == "check":
        return cmd_check(args)
    if command == "list":
        return cmd_list(args)
    raise DirectoryError(f"unknown directory command {command!r}")


def cmd_check(args: Any) -> int:
    where = resolve_directory_path(getattr(args, "directory", None))
    problems, to_tag = directory_report(where)
    for line in problems:
        print(line)
    if problems:
        return 1
    directory = load_directory(where)
    print(f"directory OK: {where} ({len(directory.services)} services)")
    if to_tag:
        print()
        print(f"To tag locally ({len(to_tag)}): entries a plan cannot match until you add what the feed left out")
        for line in to_tag:
            print(f"  {line}")
    return 0


def _read(source: str, args: Any) -> tuple[Any, str]:
    """The import result and the feed's name, from a URL or a file."""
    from oasys_diversity.hsds import read_documents, read_hsds_file
    from oasys_diversity.hsds_api import FetchLimits, feed_name, fetch_pages, is_url

    if is_url(source):
        limits = FetchLimits(
            timeout=args.timeout, max_page_bytes=args.max_bytes, max_pages=args.max_pages, allow_http=args.allow_http
        )
        pages = fetch_pages(source, limits)
        return read_documents(pages, feed_name(source)), feed_name(source)
    path = Path(source)
    result = read_hsds_file(path)
    name = path.parent.name if path.name == "datapackage.json" else path.name
    return result, name


def cmd_import(args: Any) -> int:
    from oasys_diversity.directory_merge import merge_feed

    source = str(args.file)
    result, feed = _read(source, args)  # raises before anything is written
    feed = getattr(args, "feed", None) or feed
    target = Path(args.into) if getattr(args, "into", None) else local_directory_path()
    if target.exists():
        base, problems = read_directory_file(target)
        if problems or base is None:
            raise DirectoryError(
                f"{target} has problems, so nothing was imported; fix it or import --into another file", problems
            )
    else:
        base = Directory(note=LOCAL_NOTE)
    merged, report = merge_feed(base, result.directory, feed, date.today())
    write_directory(merged, target)
    count = len(result.directory.services)
    print(f"imported {count} service{'' if count == 1 else 's'} from {feed} into {target}: {report.summary()}")
    for service_id in report.withdrawn:
        print(f"  withdrawn (gone from the feed; kept so earlier plans still read true): {service_id}")
    for line in result.left_out:
        print(f"  left out: {line}")
    _, to_tag = directory_report(target)
    if to_tag:
        print(f"{len(to_tag)} thing(s) to tag locally: run `oasys-diversity directory check` to see them")
    return 0


def cmd_list(args: Any) -> int:
    where = resolve_directory_path(getattr(args, "directory", None))
    directory = load_directory(where)
    today = date.today()
    out = sys.stdout
    print(f"{where}", file=out)
    if directory.note:
        print(directory.note.strip(), file=out)
    print(file=out)
    print(f"{'last checked':<13} {'':<6} {'service':<52} areas", file=out)
    for service in directory.services:
        checked = service.assured_date.isoformat() if service.assured_date else "never"
        flags = "STALE" if is_stale(service, today) else ""
        name = ("[example] " if directory.is_example(service) else "") + service.name
        if len(name) > 52:
            name = name[:51] + "…"
        areas = ", ".join(service.service_areas[:3]) or "-"
        if len(service.service_areas) > 3:
            areas += f" and {len(service.service_areas) - 3} more"
        status = "" if service.status == "active" else f" [{service.status}]"
        if service.withdrawn_on is not None:
            status += f" [withdrawn {service.withdrawn_on.isoformat()}]"
        print(f"{checked:<13} {flags:<6} {name:<52} {areas}{status}", file=out)
    stale = sum(1 for s in directory.services if is_stale(s, today))
    print(file=out)
    print(f"{len(directory.services)} services; {stale} last checked over 12 months ago (STALE).", file=out)
    return 0
