"""The team report: whether people in each ethnic group get the same quality of assessment, planning and
referral (the inspection's recommendation on monitoring), from de-identified case facts (extract.py).

Small numbers are suppressed so that no one can be recognised: any count under 5 is shown as "<5", and where
a suppressed cell could be worked out from a total and the other cells, a second cell is suppressed too. A
plain-words line under each table says what it shows and what it cannot show.

Pure functions: facts in, a Report out, then one renderer per format (md, csv, json).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from oasys_diversity.extract import DOMAIN_STATUSES, ETHNIC_GROUPS, CaseFacts, median_days

REPORT_FORMAT = "oasys-diversity/team-report@1"
SMALLEST_SHOWN = 5
SUPPRESSED = "<5"
ALL = "All"

STATUS_LABELS = {"discussed": "discussed", "declined": "declined", "not_discussed": "not yet discussed"}


@dataclass
class Table:
    id: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str


@dataclass
class Report:
    cases: int
    sources: int
    start: date | None
    end: date | None
    tables: list[Table] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Suppression
# ---------------------------------------------------------------------------------------------


def suppress(counts: list[list[int]], partitions: list[tuple[list[tuple[int, int]], int | None]]) -> list[list[bool]]:
    """Which cells to hide. Primary: every count under 5. Secondary: for each partition (cells that add up
    to a total that is shown), if exactly one cell is hidden, the smallest other cell is hidden too, so the
    hidden one cannot be worked out by subtraction. Repeated until nothing changes."""
    hidden = [[value < SMALLEST_SHOWN for value in row] for row in counts]
    changed = True
    while changed:
        changed = False
        for cells, total in partitions:
            if total is not None and total < SMALLEST_SHOWN:
                continue  # the total is itself hidden: nothing can be subtracted from it
            hidden_cells = [c for c in cells if hidden[c[0]][c[1]]]
            if len(hidden_cells) != 1:
                continue
            shown = sorted((counts[r][c], (r, c)) for r, c in cells if not hidden[r][c])
            if shown:
                r, c = shown[0][1]
                hidden[r][c] = True
                changed = True
    return hidden


def _cell(count: int, hidden: bool, of: int | None = None) -> str:
    if hidden:
        return SUPPRESSED
    if of:
        return f"{count} ({round(100 * count / of)}%)"
    return str(count)


# ---------------------------------------------------------------------------------------------
# Building the tables
# ---------------------------------------------------------------------------------------------


def _groups(facts: list[CaseFacts]) -> list[tuple[str, list[CaseFacts]]]:
    by_group = [(label, [f for f in facts if f.ethnic_group == code]) for code, label in ETHNIC_GROUPS.items()]
    return [*by_group, (ALL, facts)]


def _count_table(
    table_id: str,
    title: str,
    facts: list[CaseFacts],
    first_column: str,
    measures: list[tuple[str, Callable[[list[CaseFacts]], int]]],
    note: str,
    partition_of_cases: bool = False,
    share: bool = True,
) -> Table:
    """Rows are ethnic groups (then All); a column per measure, counted over the group's cases. Group rows
    partition the All row in every column; with `partition_of_cases` the measures also partition each row's
    cases (e.g. discussed / declined / not yet)."""
    groups = _groups(facts)
    sizes = [len(members) for _, members in groups]
    counts = [[len(members), *(measure(members) for _, measure in measures)] for _, members in groups]
    last = len(groups) - 1
    partitions: list[tuple[list[tuple[int, int]], int | None]] = []
    for column in range(len(counts[0])):
        partitions.append(([(row, column) for row in range(last)], counts[last][column]))
    if partition_of_cases:
        for row in range(len(groups)):
            partitions.append(([(row, column) for column in range(1, len(counts[row]))], counts[row][0]))
    hidden = suppress(counts, partitions)
    rows = []
    for index, (label, _) in enumerate(groups):
        cells = [_cell(counts[index][0], hidden[index][0])]
        for column in range(1, len(counts[index])):
            of = sizes[index] if share and not hidden[index][0] else None
            cells.append(_cell(counts[index][column], hidden[index][column], of))
        rows.append([label, *cells])
    return Table(table_id, title, [first_column, "Cases", *(name for name, _ in measures)], rows, note)


def build_report(
    facts: list[CaseFacts], start: date | None = None, end: date | None = None, sources: int = 1
) -> Report:
    from oasys_diversity.extract import in_period

    facts = in_period(facts, start, end)
    report = Report(cases=len(facts), sources=sources, start=start, end=end)
    domains = sorted({d for f in facts for d in f.domains}, key=_DOMAIN_ORDER.get)
    for domain in domains:
        measures = [
            (STATUS_LABELS[status], lambda members, s=status, d=domain: sum(m.domains.get(d) == s for m in members))
            for status in DOMAIN_STATUSES
        ]
        report.tables.append(
            _count_table(
                f"domain_{domain}",
                f"{_DOMAIN_TITLES.get(domain, domain)}: talked about?",
                facts,
                "Ethnic group",
                measures,
                "Each person's cases counted once: discussed (something was recorded), declined (they chose not to "
                "say) or not yet discussed. It shows whether the conversation happened, not how well it went.",
                partition_of_cases=True,
            )
        )
    report.tables.append(
        _count_table(
            "identity_language",
            "Own words and interpreters",
            facts,
            "Ethnic group",
            [
                ("Self-description recorded", lambda m: sum(f.self_description for f in m)),
                ("Interpreter needed", lambda m: sum(f.interpreter_needed for f in m)),
                ("Interpreter arranged", lambda m: sum(f.interpreter_needed and f.interpreter_arranged for f in m)),
            ],
            "Self-description: the person's own words about their ethnicity were recorded as well as the category. "
            "Arranged: the officer agreed an interpreter for every appointment in the plan. It cannot show "
            "whether an interpreter actually came to each appointment.",
        )
    )
    report.tables.append(_objectives_table(facts))
    report.tables.append(
        _count_table(
            "referrals",
            "Culturally specific referrals",
            facts,
            "Ethnic group",
            [
                (
                    "Offered",
                    lambda m: sum(any(specific for specific, _ in f.referrals) for f in m),
                ),
                (
                    "Accepted",
                    lambda m: sum(any(specific and state == "accepted" for specific, state in f.referrals) for f in m),
                ),
            ],
            "People offered at least one service rooted in a community, faith or culture, and people for whom "
            "the officer accepted one. It cannot show whether the person went, or whether the service helped.",
        )
    )
    report.tables.append(_plans_table(facts))
    return report


def _objectives_table(facts: list[CaseFacts]) -> Table:
    groups = _groups(facts)
    areas = sorted({area for f in facts for area, state in f.objectives if state != "declined"})
    counts = [
        [
            sum(1 for f in members for a, state in f.objectives if a == area and state != "declined")
            for _, members in groups
        ]
        for area in areas
    ]
    last = len(groups) - 1
    partitions = [([(row, column) for column in range(last)], counts[row][last]) for row in range(len(areas))]
    hidden = suppress(counts, partitions) if counts else []
    rows = [
        [area.replace("_", " "), *(_cell(counts[r][c], hidden[r][c]) for c in range(len(groups)))]
        for r, area in enumerate(areas)
    ]
    return Table(
        "objectives",
        "Objectives by need area",
        ["Need area", *(label for label, _ in groups)],
        rows,
        "Objectives in the plans (set-aside ones left out), by need area and ethnic group. More objectives is "
        "not better in itself; look for a group whose plans miss an area others get.",
    )


def _plans_table(facts: list[CaseFacts]) -> Table:
    table = _count_table(
        "plans",
        "Plans agreed, and how soon",
        facts,
        "Ethnic group",
        [
            ("Plans", lambda m: sum(f.has_plan for f in m)),
            ("Agreed", lambda m: sum(f.plan_agreed for f in m)),
        ],
        "Agreed: the person said they agree with the plan. Median days: from the plan's date to its first "
        "target date, shown only where at least 5 plans have one. It cannot show whether targets were met.",
    )
    table.columns.append("Median days to first target")
    for row, (_, members) in zip(table.rows, _groups(facts), strict=True):
        with_target = [f for f in members if f.days_to_first_target is not None]
        median = median_days(with_target) if len(with_target) >= SMALLEST_SHOWN else None
        row.append(SUPPRESSED if median is None and with_target else ("-" if median is None else f"{median:g}"))
    return table


_DOMAIN_TITLES = {
    "ethnicity": "Ethnicity and identity",
    "culture": "Culture and community",
    "faith": "Faith and belief",
    "immigration": "Immigration and nationality",
    "language": "Language and communication",
    "discrimination": "Discrimination and racism",
    "trauma": "Trauma and adversity",
}
_DOMAIN_ORDER = {domain: index for index, domain in enumerate(_DOMAIN_TITLES)}


# ---------------------------------------------------------------------------------------------
# Renderers
# ---------------------------------------------------------------------------------------------


def _period(report: Report) -> str:
    start = report.start.strftime("%B %Y") if report.start else "the first case"
    end = report.end.strftime("%B %Y") if report.end else "the latest case"
    return f"{start} to {end}"


def to_markdown(report: Report) -> str:
    lines = [
        "# Team report: diversity in assessment, planning and referral",
        "",
        f"{report.cases} cases assessed from {_period(report)}"
        + (f", from {report.sources} extracts" if report.sources > 1 else "")
        + ". Counts under 5 are shown as <5, and a second count is hidden where the first could be worked out.",
        "",
    ]
    for table in report.tables:
        lines += [f"## {table.title}", ""]
        if not table.rows:
            lines += ["Nothing to count yet.", "", table.note, ""]
            continue
        lines.append("| " + " | ".join(table.columns) + " |")
        lines.append("|" + "|".join("---" for _ in table.columns) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in table.rows]
        lines += ["", table.note, ""]
    return "\n".join(lines)


def to_csv(report: Report) -> str:
    """Long form: one row per cell (table, row, column, value), for a spreadsheet or another tool."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "row", "column", "value"])
    for table in report.tables:
        for row in table.rows:
            for column, value in zip(table.columns[1:], row[1:], strict=True):
                writer.writerow([table.id, row[0], column, value])
    return out.getvalue()


def to_json(report: Report) -> str:
    return json.dumps(
        {
            "format": REPORT_FORMAT,
            "cases": report.cases,
            "sources": report.sources,
            "from": report.start.strftime("%Y-%m") if report.start else None,
            "to": report.end.strftime("%Y-%m") if report.end else None,
            "suppressed_below": SMALLEST_SHOWN,
            "tables": [
                {"id": t.id, "title": t.title, "columns": t.columns, "rows": t.rows, "note": t.note}
                for t in report.tables
            ],
        },
        indent=2,
        ensure_ascii=False,
    )


RENDERERS = {"md": to_markdown, "csv": to_csv, "json": to_json}
