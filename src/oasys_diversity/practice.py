"""Practice runs on their own database: start a scenario as a case, reset it, and give feedback on it.

A run is an ordinary case in the practice database (kind "practice", see store_kind.py) whose reference is
the scenario person's reference, so the ordinary screens and exports work on it unchanged. No Textual here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from oasys_diversity.feedback import PRACTICE_BANNER, Feedback, give_feedback
from oasys_diversity.model import Case, QuestionBank
from oasys_diversity.scenario import Scenario

PRACTICE_DB = Path("practice") / "practice.db"
PRACTICE_EXPORTS = "practice"
__all__ = ["PRACTICE_BANNER", "practice_db_path", "start_run", "scenario_of", "reset_run", "run_feedback"]


def practice_db_path() -> Path:
    """`practice/practice.db` beside the live database (never the live file itself)."""
    from oasys_diversity.store_open import default_db_path

    return default_db_path().parent / PRACTICE_DB


def start_run(db: Any, scenario: Scenario, trainee: str, today: date | None = None) -> int:
    """A new practice case for `scenario`; returns its id. Earlier runs of the scenario are kept."""
    from oasys_diversity.store import create_case

    person = scenario.person
    case = Case(reference=person.reference, name=person.name, officer=trainee, assessed_on=today or date.today())
    return create_case(db, case)


def scenario_of(case: Case, scenarios: list[Scenario]) -> Scenario | None:
    """The scenario a practice case was started from (by the person's reference)."""
    return next((s for s in scenarios if s.person.reference == case.reference), None)


def reset_run(db: Any, case_id: int, scenario: Scenario, trainee: str, today: date | None = None) -> int:
    """Erase a run and start the scenario again; returns the new case id."""
    from oasys_diversity.store import erase_case

    erase_case(db, case_id, officer=trainee)
    return start_run(db, scenario, trainee, today)


def run_feedback(
    db: Any, case_id: int, scenario: Scenario, bank: QuestionBank, questions_dir: Path | None = None
) -> Feedback:
    """Feedback on a run as it stands: what was recorded, and the saved plan (None before one is saved)."""
    from oasys_diversity.rules import load_rules
    from oasys_diversity.store import load_assessment, load_plan

    return give_feedback(
        scenario, load_assessment(db, case_id), load_plan(db, case_id), bank, load_rules(questions_dir)
    )
