"""The team report and de-identified extracts: grouping by ONS high-level group, small-number suppression
(primary and secondary), the plain-words lines, combining extracts, and proof that nothing that identifies
a person reaches an extract."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest
from planning_support import PEOPLE, bank, directory, rules

from oasys_diversity.cli import main
from oasys_diversity.extract import (
    CaseFacts,
    ExtractError,
    case_facts,
    ethnic_group,
    facts_from_database,
    read_extract,
    write_extract,
)
from oasys_diversity.interchange import read_assessment_file
from oasys_diversity.model import Answer
from oasys_diversity.planner import build_plan
from oasys_diversity.store import import_assessment, open_db, save_answer, save_plan
from oasys_diversity.team_report import SUPPRESSED, build_report, suppress, to_csv, to_json, to_markdown

TODAY = date(2026, 11, 23)


def facts(group: str, n: int, **values) -> list[CaseFacts]:
    base = {
        "assessed_month": "2026-10",
        "ethnic_group": group,
        "self_description": False,
        "interpreter_needed": False,
        "interpreter_arranged": False,
        "has_plan": True,
        "plan_agreed": False,
        "days_to_first_target": 14,
    }
    base.update(values)
    return [CaseFacts(case_key=f"{group}-{i}-{random.random()}", **base) for i in range(n)]


# --- Suppression ---------------------------------------------------------------------------------------


def test_counts_under_five_are_hidden_and_a_second_cell_where_the_first_could_be_worked_out():
    counts = [[10, 3, 7], [20, 12, 8]]
    # Row totals 10 and 20 are shown, so the row's cells partition them.
    hidden = suppress(counts, [([(0, 1), (0, 2)], 10), ([(1, 1), (1, 2)], 20)])
    assert hidden[0] == [False, True, True]  # 3 hidden, so 7 too (10 - 7 = 3)
    assert hidden[1] == [False, False, False]
    # A column partition as well: the hidden 7 could be worked out from a column total of 15.
    hidden = suppress([[3, 7], [12, 8]], [([(0, 0), (0, 1)], 10), ([(0, 1), (1, 1)], 15)])
    assert hidden == [[True, True], [False, True]]


def test_a_report_never_shows_a_count_under_five_or_one_that_reveals_it():
    people = facts("black", 7, self_description=True) + facts("asian", 3) + facts("white", 20)
    people += facts("white", 2, self_description=True)
    report = build_report(people)
    table = next(t for t in report.tables if t.id == "identity_language")
    rows = {row[0]: row for row in table.rows}
    assert rows["Asian, Asian British or Asian Welsh"][1] == SUPPRESSED  # 3 cases
    assert rows["Black, Black British, Black Welsh, Caribbean or African"][1] == "7"
    assert rows["White"][2] == SUPPRESSED  # 2 self-described
    # In the cases column the groups add up to All (32): with Asian hidden, another group is hidden too.
    shown_cases = [row[1] for label, row in rows.items() if label != "All"]
    assert shown_cases.count(SUPPRESSED) >= 2
    for table in report.tables:
        for row in table.rows:
            for cell in row[1:]:
                number = cell.split(" ")[0]
                if number.isdigit():
                    assert int(number) >= 5, (table.id, row)
        assert table.note  # a plain-words line under every table


def test_domain_table_shares_and_the_plain_words():
    people = facts("black", 10, domains={"faith": "discussed"})
    people += facts("black", 6, domains={"faith": "not_discussed"})
    people += facts("white", 12, domains={"faith": "discussed"})
    table = next(t for t in build_report(people).tables if t.id == "domain_faith")
    rows = {row[0]: row for row in table.rows}
    black = rows["Black, Black British, Black Welsh, Caribbean or African"]
    # None declined (0 is under 5, hidden), so the smaller other cell is hidden too: 16 - 10 would give it.
    assert black[1:] == ["16", "10 (62%)", SUPPRESSED, SUPPRESSED]
    assert "not how well it went" in table.note
    md = to_markdown(build_report(people))
    assert "## Faith and belief: talked about?" in md and "Counts under 5 are shown as <5" in md


def test_median_days_needs_five_plans_and_periods_filter_by_month():
    people = facts("mixed", 6, days_to_first_target=10, assessed_month="2026-09")
    people += facts("mixed", 6, days_to_first_target=30, assessed_month="2026-11")
    report = build_report(people, date(2026, 11, 1), date(2026, 11, 30))
    assert report.cases == 6
    plans = next(t for t in report.tables if t.id == "plans")
    mixed = next(row for row in plans.rows if row[0].startswith("Mixed"))
    assert mixed[-1] == "30"
    small = build_report(facts("mixed", 3, days_to_first_target=10))
    mixed = next(row for row in next(t for t in small.tables if t.id == "plans").rows if row[0].startswith("Mixed"))
    assert mixed[-1] == SUPPRESSED


def test_csv_and_json_carry_the_same_cells():
    report = build_report(facts("asian", 8, interpreter_needed=True) + facts("other", 9))
    rows = to_csv(report).splitlines()
    assert rows[0] == "table,row,column,value"
    data = json.loads(to_json(report))
    assert data["format"] == "oasys-diversity/team-report@1" and data["suppressed_below"] == 5
    cells = sum(len(t["rows"]) * (len(t["columns"]) - 1) for t in data["tables"])
    assert len(rows) - 1 == cells


# --- Facts from real assessments --------------------------------------------------------------------------


def test_groups_come_only_from_the_recorded_category():
    person = read_assessment_file(PEOPLE / "mixed_heritage_police_racism.json", bank())
    assert ethnic_group(person) == "mixed"
    silent = read_assessment_file(PEOPLE / "nothing_discussed.json", bank())
    assert ethnic_group(silent) == "not_recorded"
    plan = build_plan(person, bank(), rules(), directory(), today=TODAY)
    found = case_facts(person, plan, bank())
    assert found.assessed_month == person.case.assessed_on.strftime("%Y-%m")
    assert set(found.domains.values()) <= {"discussed", "declined", "not_discussed"}
    assert "person" not in found.domains


MARKER = "ZQXMARKER"


def test_no_name_reference_note_word_officer_or_exact_date_reaches_an_extract(tmp_path, capsys):
    db_path = tmp_path / "cases.db"
    db = open_db(db_path)
    for index, path in enumerate(sorted(PEOPLE.glob("*.json"))):
        person = read_assessment_file(path, bank())
        person.case.name = f"{MARKER} name {index}"
        person.case.reference = f"{MARKER}-REF-{index}"
        person.case.officer = f"{MARKER} officer"
        case_id = import_assessment(db, person, bank())
        # A marker in every free-text answer and every note.
        for question in bank().questions:
            if question.kind == "text":
                save_answer(
                    db,
                    case_id,
                    Answer(question_id=question.id, status="answered", value=f"{MARKER} words", note=f"{MARKER} note"),
                    officer=f"{MARKER} officer",
                )
        plan = build_plan(person, bank(), rules(), directory(), today=TODAY)
        if plan.objectives:
            first = plan.objectives[0]
            first.person_view = f"{MARKER} view"
            first.owner_name = f"{MARKER} owner"
            first.state = "edited"
        plan.agreement = "does_not_agree"
        plan.agreement_reason = f"{MARKER} reason"
        save_plan(db, case_id, plan, officer=f"{MARKER} officer")
    out = tmp_path / "region.db"
    assert main(["--db", str(db_path), "extract", "--out", str(out)]) == 0
    people = len(list(PEOPLE.glob("*.json")))
    assert f"{people} cases written" in capsys.readouterr().out
    raw = out.read_bytes()
    assert MARKER.encode() not in raw and b"REF-" not in raw
    assert b"2026-11-20" not in raw  # the assessment date: months only
    import sqlite3

    conn = sqlite3.connect(out)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"extract_meta", "cases", "domains", "objectives", "referrals"}
    assert {len(row[0]) for row in conn.execute("SELECT assessed_month FROM cases")} == {7}
    keys = {row[0] for row in conn.execute("SELECT case_key FROM cases")}
    conn.close()
    # A second extract has new random ids: two extracts cannot be joined on them.
    again = tmp_path / "region-2.db"
    assert main(["--db", str(db_path), "extract", "--out", str(again)]) == 0
    assert keys.isdisjoint({f.case_key for f in read_extract(again)})
    assert len(read_extract(again)) == people


def test_extract_refuses_an_existing_file_and_the_case_database(tmp_path, capsys):
    db_path = tmp_path / "cases.db"
    open_db(db_path).close()
    before = db_path.read_bytes()
    assert main(["--db", str(db_path), "extract", "--out", str(db_path)]) == 1
    assert "case database" in capsys.readouterr().err
    assert db_path.read_bytes() == before
    existing = tmp_path / "old.db"
    existing.write_bytes(b"keep me")
    assert main(["--db", str(db_path), "extract", "--out", str(existing)]) == 1
    assert "already exists" in capsys.readouterr().err and existing.read_bytes() == b"keep me"
    with pytest.raises(ExtractError):
        read_extract(existing)


def test_report_combines_several_teams_extracts(tmp_path, capsys):
    first, second = tmp_path / "leeds.db", tmp_path / "bradford.db"
    write_extract(facts("black", 6, plan_agreed=True) + facts("white", 9), first)
    write_extract(facts("black", 5) + facts("asian", 11, interpreter_needed=True, interpreter_arranged=True), second)
    assert main(["report", str(first), str(second), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cases"] == 31 and data["sources"] == 2
    plans = next(t for t in data["tables"] if t["id"] == "plans")
    black = next(r for r in plans["rows"] if r[0].startswith("Black"))
    assert black[1] == "11" and black[3] == "6 (55%)"
    assert main(["report", str(first), "--from", "2026-12-01", "--to", "2026-11-01"]) == 1
    assert "--from is after --to" in capsys.readouterr().err
    bad = tmp_path / "not-an-extract.db"
    bad.write_text("hello")
    assert main(["report", str(bad)]) == 1
    assert "not an extract" in capsys.readouterr().err


def test_report_on_the_live_database_in_markdown(tmp_path, capsys):
    db_path = tmp_path / "cases.db"
    db = open_db(db_path)
    for path in sorted(PEOPLE.glob("*.json")):
        person = read_assessment_file(path, bank())
        case_id = import_assessment(db, person, bank())
        save_plan(db, case_id, build_plan(person, bank(), rules(), directory(), today=TODAY), officer="Test")
    assert main(["--db", str(db_path), "report"]) == 0
    out = capsys.readouterr().out
    people = len(list(PEOPLE.glob("*.json")))
    assert out.startswith("# Team report") and f"{people} cases assessed" in out
    assert "| Ethnic group | Cases |" in out and SUPPRESSED in out
    assert len(facts_from_database(db, bank())) == people


def test_dates_in_an_extract_are_months(tmp_path):
    people = facts("white", 5, assessed_month=(date(2026, 1, 31) + timedelta(days=1)).strftime("%Y-%m"))
    path = tmp_path / "x.db"
    write_extract(people, path)
    assert {f.assessed_month for f in read_extract(path)} == {"2026-02"}
