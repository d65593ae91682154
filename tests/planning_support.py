"""Helpers shared by the planner, guard-rule, rules and directory tests.

People come from tests/fixtures/people/*.json (interchange files of fictional people, read through the real
interchange parser and bank), or are built directly from answers with `assessment(...)`.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from oasys_diversity.bank import load_bank
from oasys_diversity.directory import Directory, load_directory, shipped_directory_path
from oasys_diversity.interchange import read_assessment_file
from oasys_diversity.model import Answer, Assessment, Case, Plan, QuestionBank
from oasys_diversity.planner import build_plan
from oasys_diversity.rules import RuleSet, load_rules

FIXTURES = Path(__file__).parent / "fixtures"
PEOPLE = FIXTURES / "people"
HSDS = FIXTURES / "hsds"
ASSESSED_ON = date(2026, 11, 20)
TODAY = date(2026, 11, 23)


@cache
def bank() -> QuestionBank:
    return load_bank()


@cache
def rules() -> RuleSet:
    return load_rules()


@cache
def directory() -> Directory:
    return load_directory(shipped_directory_path())


def person(name: str) -> Assessment:
    """A fixture person by file stem, e.g. person("bradford_woman_interpreter")."""
    return read_assessment_file(PEOPLE / f"{name}.json", bank())


def assessment(answers: dict[str, Any], assessed_on: date = ASSESSED_ON) -> Assessment:
    """An assessment from `{question id: value}`; a value of "declined" / "not_applicable" sets that status."""
    built: dict[str, Answer] = {}
    for question_id, value in answers.items():
        if value in ("declined", "not_applicable"):
            built[question_id] = Answer(question_id=question_id, status=value)
        else:
            built[question_id] = Answer(question_id=question_id, status="answered", value=value)
    case = Case(reference="TEST-1", name="Test Person", officer="Test Officer", assessed_on=assessed_on)
    return Assessment(case=case, answers=built)


def plan_for(
    who: Assessment,
    *,
    ruleset: RuleSet | None = None,
    listing: Directory | None = None,
    today: date = TODAY,
    previous: Plan | None = None,
) -> Plan:
    return build_plan(who, bank(), ruleset or rules(), listing or directory(), today=today, previous=previous)


def objective_ids(plan: Plan) -> list[str]:
    """Every rule the plan carries: its objectives, the rules merged into them, and the also-suggested ones."""
    return [rule_id for o in plan.objectives + plan.also_suggested for rule_id in (o.id, *o.merged_from)]


def objective(plan: Plan, objective_id: str):
    """The objective carrying this rule: its own, or the one it was merged into (in the plan or also suggested)."""
    found = [o for o in plan.objectives + plan.also_suggested if objective_id in (o.id, *o.merged_from)]
    assert found, f"{objective_id} not in plan: {objective_ids(plan)}"
    return found[0]


def referral_needs(plan: Plan) -> set[str]:
    return {need for r in plan.referrals for need in r.needs}


def with_rules(**changes: Any) -> RuleSet:
    """A copy of the shipped rules with lists replaced or extended (objectives=[...], guards=[...])."""
    base = rules().model_copy(deep=True)
    for key, value in changes.items():
        setattr(base, key, value)
    return base
