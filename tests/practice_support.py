"""Helpers for the practice tests: a scenario's model run (every reply recorded as the person said it)."""

from __future__ import annotations

from datetime import date
from typing import Any

from planning_support import bank, directory, rules

from oasys_diversity.model import Answer, Assessment, Case, Plan
from oasys_diversity.planner import add_objective, build_plan, edit_objective, record_agreement
from oasys_diversity.scenario import Scenario, load_scenarios

ASSESSED_ON = date(2026, 11, 20)


def scenarios() -> list[Scenario]:
    return load_scenarios(None, bank())


def scenario(scenario_id: str) -> Scenario:
    return next(s for s in scenarios() if s.id == scenario_id)


def recorded(answers: dict[str, Any]) -> Assessment:
    """An assessment from `{question id: value}` (a status name for a value sets that status)."""
    built = {
        q: Answer(question_id=q, status=v)
        if v in ("declined", "not_applicable")
        else Answer(question_id=q, status="answered", value=v)
        for q, v in answers.items()
    }
    case = Case(reference="PRAC-1", name="Practice Person", officer="Trainee", assessed_on=ASSESSED_ON)
    return Assessment(case=case, answers=built)


def model_answers(chosen: Scenario) -> Assessment:
    """What a good trainee records: every reply as the person said it."""
    return recorded({r.question: (r.value if r.status == "answered" else r.status) for r in chosen.reply})


def model_plan(who: Assessment) -> Plan:
    """The suggested plan, each objective with the person's view, and their agreement recorded."""
    plan = build_plan(who, bank(), rules(), directory(), today=ASSESSED_ON)
    for objective in plan.objectives:
        plan = edit_objective(plan, objective.id, person_view="I want this.")
    return record_agreement(plan, "agrees", on=ASSESSED_ON)


__all__ = ["add_objective", "model_answers", "model_plan", "recorded", "scenario", "scenarios"]
