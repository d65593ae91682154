"""De-identified extracts: what a team or a region needs to see disproportionality, and nothing that
identifies a person.

An extract holds codes, statuses, need areas and counts only: no names, references, notes, free text,
officer names or exact dates (months only), and a random id per case that is new in every extract, so two
extracts cannot be joined on it. It is a plain SQLite file that opens in Datasette and `sqlite-utils` as it
is (tables documented in docs/report.md). The team report (team_report.py) is built from these rows,
whether they come from the live database or from several teams' extracts.
"""

from __future__ import annotations

import secrets
import sqlite3
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from oasys_diversity.model import Assessment, Plan, QuestionBank

EXTRACT_FORMAT = "oasys-diversity/extract@1"

ETHNICITY_QUESTION = "ethnicity.ons_category"
SELF_DESCRIPTION_QUESTION = "ethnicity.self_description"
INTERPRETER_QUESTION = "language.interpreter_needed"
# The officer accepting (or writing) the interpreter objective is what "arranged" means here: a plan in
# which an interpreter is agreed for every appointment.
INTERPRETER_OBJECTIVE = "interpreter_every_appointment"
OFFICER_DECIDED = ("accepted", "edited", "added")

# The five ONS 2021 high-level groups (the prefix of each of the 19 codes), then "not recorded".
ETHNIC_GROUPS = {
    "asian": "Asian, Asian British or Asian Welsh",
    "black": "Black, Black British, Black Welsh, Caribbean or African",
    "mixed": "Mixed or Multiple ethnic groups",
    "white": "White",
    "other": "Other ethnic group",
    "not_recorded": "Not recorded",
}
# Need tags whose services are rooted in a community, faith or culture (questions/rules/needs.toml).
CULTURALLY_SPECIFIC_NEEDS = frozenset(
    {"faith_community", "cultural_community", "culturally_specific_mental_health", "womens_resettlement"}
)
DOMAIN_STATUSES = ("discussed", "declined", "not_discussed")


@dataclass
class CaseFacts:
    """One case, de-identified."""

    case_key: str
    assessed_month: str  # YYYY-MM
    ethnic_group: str
    self_description: bool
    interpreter_needed: bool
    interpreter_arranged: bool
    has_plan: bool
    plan_agreed: bool
    days_to_first_target: int | None
    domains: dict[str, str] = field(default_factory=dict)  # domain id → discussed / declined / not_discussed
    objectives: list[tuple[str, str]] = field(default_factory=list)  # (need area, state)
    referrals: list[tuple[bool, str]] = field(default_factory=list)  # (culturally specific, state)


def ethnic_group(assessment: Assessment) -> str:
    """The ONS high-level group from the recorded category; never from anything else (not a name)."""
    answer = assessment.answer(ETHNICITY_QUESTION)
    if answer.status != "answered" or not isinstance(answer.value, str):
        return "not_recorded"
    prefix = answer.value.split("_", 1)[0]
    return prefix if prefix in ETHNIC_GROUPS else "not_recorded"


def domain_status(assessment: Assessment, bank: QuestionBank, domain_id: str) -> str:
    """Discussed when anything in the domain was answered; declined when the person chose not to say and
    nothing was answered; otherwise not yet discussed (silence is never 'no issues')."""
    # Read straight from the answers held (a missing one is not yet discussed): building a blank Answer for each
    # question not asked took a third of a whole-database report.
    held = assessment.answers
    statuses = {held[q.id].status if q.id in held else "not_discussed" for q in bank.domain(domain_id).questions}
    if statuses & {"answered", "not_applicable"}:
        return "discussed"
    if "declined" in statuses:
        return "declined"
    return "not_discussed"


def case_facts(assessment: Assessment, plan: Plan | None, bank: QuestionBank) -> CaseFacts:
    interpreter = assessment.answer(INTERPRETER_QUESTION)
    objectives = list(plan.objectives) if plan is not None else []
    first_target = min((o.target_date for o in objectives if o.state != "declined"), default=None)
    return CaseFacts(
        case_key=secrets.token_hex(8),
        assessed_month=assessment.case.assessed_on.strftime("%Y-%m"),
        ethnic_group=ethnic_group(assessment),
        self_description=assessment.answer(SELF_DESCRIPTION_QUESTION).status == "answered",
        interpreter_needed=interpreter.status == "answered" and interpreter.value == "yes",
        interpreter_arranged=any(
            (o.rule_id or o.id) == INTERPRETER_OBJECTIVE and o.state in OFFICER_DECIDED for o in objectives
        ),
        has_plan=plan is not None,
        plan_agreed=plan is not None and plan.agreement == "agrees",
        days_to_first_target=(first_target - plan.built_on).days if plan and first_target else None,
        domains={d.id: domain_status(assessment, bank, d.id) for d in bank.domains if d.id != "person"},
        objectives=[(o.need_area, o.state) for o in objectives],
        referrals=([(bool(set(r.needs) & CULTURALLY_SPECIFIC_NEEDS), r.state) for r in plan.referrals] if plan else []),
    )


def facts_from_database(db, bank: QuestionBank) -> list[CaseFacts]:
    """Every case in a live database, de-identified (read only)."""
    from oasys_diversity.store import load_assessment, load_plan
    from oasys_diversity.store_case_list import case_ids

    return [case_facts(load_assessment(db, case_id), load_plan(db, case_id), bank) for case_id in case_ids(db)]


def in_period(facts: Iterable[CaseFacts], start: date | None, end: date | None) -> list[CaseFacts]:
    """Cases assessed in the months from `start` to `end` (both included; months are all an extract has)."""
    low = start.strftime("%Y-%m") if start else "0000-00"
    high = end.strftime("%Y-%m") if end else "9999-99"
    return [f for f in facts if low <= f.assessed_month <= high]


def median_days(facts: Iterable[CaseFacts]) -> float | None:
    days = [f.days_to_first_target for f in facts if f.days_to_first_target is not None]
    return statistics.median(days) if days else None


# ---------------------------------------------------------------------------------------------
# The extract file
# ---------------------------------------------------------------------------------------------

_SCHEMA = (
    """CREATE TABLE extract_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE cases (
        case_key TEXT PRIMARY KEY,
        assessed_month TEXT NOT NULL,
        ethnic_group TEXT NOT NULL,
        self_description INTEGER NOT NULL,
        interpreter_needed INTEGER NOT NULL,
        interpreter_arranged INTEGER NOT NULL,
        has_plan INTEGER NOT NULL,
        plan_agreed INTEGER NOT NULL,
        days_to_first_target INTEGER
    )""",
    """CREATE TABLE domains (
        case_key TEXT NOT NULL REFERENCES cases(case_key),
        domain TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('discussed', 'declined', 'not_discussed')),
        PRIMARY KEY (case_key, domain)
    )""",
    """CREATE TABLE objectives (
        case_key TEXT NOT NULL REFERENCES cases(case_key),
        need_area TEXT NOT NULL,
        state TEXT NOT NULL
    )""",
    """CREATE TABLE referrals (
        case_key TEXT NOT NULL REFERENCES cases(case_key),
        culturally_specific INTEGER NOT NULL,
        state TEXT NOT NULL
    )""",
)


class ExtractError(Exception):
    """An extract cannot be written or read; one line naming the file."""


def write_extract(facts: list[CaseFacts], path: Path) -> None:
    """Write a new extract file; refuses an existing file (never overwrites anything)."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        raise ExtractError(f"{path}: already exists; choose a new file name for the extract")
    temp = path.with_name(f".{path.name}.partial")
    temp.unlink(missing_ok=True)
    try:
        with sqlite3.connect(temp) as conn:
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.executemany(
                "INSERT INTO extract_meta VALUES (?, ?)",
                [
                    ("format", EXTRACT_FORMAT),
                    ("made_in_month", date.today().strftime("%Y-%m")),
                    ("cases", str(len(facts))),
                ],
            )
            conn.executemany(
                "INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        f.case_key,
                        f.assessed_month,
                        f.ethnic_group,
                        int(f.self_description),
                        int(f.interpreter_needed),
                        int(f.interpreter_arranged),
                        int(f.has_plan),
                        int(f.plan_agreed),
                        f.days_to_first_target,
                    )
                    for f in facts
                ],
            )
            conn.executemany(
                "INSERT INTO domains VALUES (?, ?, ?)",
                [(f.case_key, domain, status) for f in facts for domain, status in f.domains.items()],
            )
            conn.executemany(
                "INSERT INTO objectives VALUES (?, ?, ?)",
                [(f.case_key, area, state) for f in facts for area, state in f.objectives],
            )
            conn.executemany(
                "INSERT INTO referrals VALUES (?, ?, ?)",
                [(f.case_key, int(specific), state) for f in facts for specific, state in f.referrals],
            )
        conn.close()
        temp.chmod(0o600)
        temp.rename(path)  # never replaces: checked above, and rename within one folder is atomic
    except (sqlite3.Error, OSError) as error:
        temp.unlink(missing_ok=True)
        raise ExtractError(f"{path}: could not write the extract ({error.__class__.__name__})") from None


def read_extract(path: Path) -> list[CaseFacts]:
    """The cases in an extract file (read only)."""
    path = Path(path)
    if not path.is_file():
        raise ExtractError(f"{path}: no such extract file")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        raise ExtractError(f"{path}: not an extract (cannot be opened)") from None
    try:
        meta = dict(conn.execute("SELECT key, value FROM extract_meta").fetchall())
        if meta.get("format") != EXTRACT_FORMAT:
            raise ExtractError(f"{path}: not an {EXTRACT_FORMAT} file")
        facts: dict[str, CaseFacts] = {}
        for row in conn.execute("SELECT * FROM cases"):
            facts[row[0]] = CaseFacts(
                case_key=row[0],
                assessed_month=row[1],
                ethnic_group=row[2] if row[2] in ETHNIC_GROUPS else "not_recorded",
                self_description=bool(row[3]),
                interpreter_needed=bool(row[4]),
                interpreter_arranged=bool(row[5]),
                has_plan=bool(row[6]),
                plan_agreed=bool(row[7]),
                days_to_first_target=row[8],
            )
        for key, domain, status in conn.execute("SELECT case_key, domain, status FROM domains"):
            if key in facts:
                facts[key].domains[domain] = status
        for key, area, state in conn.execute("SELECT case_key, need_area, state FROM objectives"):
            if key in facts:
                facts[key].objectives.append((area, state))
        for key, specific, state in conn.execute("SELECT case_key, culturally_specific, state FROM referrals"):
            if key in facts:
                facts[key].referrals.append((bool(specific), state))
        return list(facts.values())
    except sqlite3.Error:
        raise ExtractError(f"{path}: not an extract (its tables cannot be read)") from None
    finally:
        conn.close()
