"""The demo: a throwaway database of fictional people at different stages, built fresh each time.

The people are interchange files in `demo/` (one new, one just started, one half-way, one finished
with a saved plan). `oasys-diversity demo` builds them into a new temporary folder, opens the app on
it, and deletes the folder when the app closes. Nothing here touches the officer's own database.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

from oasys_diversity.model import QuestionBank
from oasys_diversity.store_key import KEY_FILE_ENV

DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_DB_NAME = "demo.db"
DEMO_KEY_NAME = "demo.key"
# The people whose plan is built and saved, as a finished assessment would have one.
WITH_PLAN = ("4-finished.json",)


class DemoError(Exception):
    """The demo could not be built (a demo file does not fit the question bank, or the folder is unusable)."""


def demo_files() -> list[Path]:
    """The demo people, in the order they are added."""
    return sorted(DEMO_DIR.glob("*.json"))


def build_demo_database(
    db_path: Path,
    bank: QuestionBank,
    *,
    questions_dir: Path | None = None,
    directory_path: Path | None = None,
    today: date | None = None,
) -> list[int]:
    """Add every demo person to the database at `db_path`; return their case ids.

    Each case resumes at its first question not yet discussed; the finished one gets its plan,
    built by the planner from its answers and recorded as agreed with the person.
    """
    from oasys_diversity.interchange import InterchangeError, read_assessment_file
    from oasys_diversity.store import StoreError, import_assessment, load_assessment, open_db, set_position

    today = today or date.today()
    db = open_db(db_path, kind="demo")
    case_ids: list[int] = []
    try:
        for path in demo_files():
            try:
                assessment = read_assessment_file(path, bank)
                case_id = import_assessment(db, assessment, bank)
                stored = load_assessment(db, case_id)
                set_position(db, case_id, _resume_at(bank, stored.answers))
                if path.name in WITH_PLAN:
                    _save_plan(db, case_id, bank, questions_dir, directory_path, today)
            except (InterchangeError, StoreError) as error:
                raise DemoError(f"{path.name}: {error}") from None
            case_ids.append(case_id)
    finally:
        db.close()
    return case_ids


def _resume_at(bank: QuestionBank, answers: dict) -> str | None:
    """The first question that applies and has not been discussed; the last one when all have; None for a new case."""
    visible = bank.visible_questions(answers)
    if len([a for a in answers.values() if a.status != "not_discussed"]) <= 1:
        return None  # only the name from the Start screen: begin at the first introduction
    waiting = [q.id for q in visible if q.id not in answers or answers[q.id].status == "not_discussed"]
    if waiting:
        return waiting[0]
    return visible[-1].id if visible else None


def _save_plan(
    db, case_id: int, bank: QuestionBank, questions_dir: Path | None, directory_path: Path | None, today: date
) -> None:
    # The planner, rules and directory are only needed here, so only imported here.
    from oasys_diversity.directory import DirectoryError, load_directory
    from oasys_diversity.planner import accept_objective, build_plan, record_agreement, set_referral_state
    from oasys_diversity.rules import RulesError, load_rules
    from oasys_diversity.store import get_case, load_assessment, save_plan

    try:
        rules = load_rules(questions_dir)
        directory = load_directory(directory_path)
    except (RulesError, DirectoryError) as error:
        raise DemoError(f"the demo plan could not be built: {error}") from None
    assessment = load_assessment(db, case_id)
    plan = build_plan(assessment, bank, rules, directory, today)
    for objective in plan.objectives:
        plan = accept_objective(plan, objective.id)
    for referral in plan.referrals:
        if not referral.stale:
            plan = set_referral_state(plan, referral.id, "accepted")
    plan = record_agreement(plan, "agrees", "Happy with it. I want the same interpreter each time.")
    save_plan(db, case_id, plan, officer=get_case(db, case_id).officer)


def build_demo(questions_dir: Path | None = None, directory_path: Path | None = None) -> tuple[Path, Path]:
    """Build the demo in a new temporary folder; return (folder, database path). The caller deletes the folder."""
    from oasys_diversity.bank import BankError, load_bank

    folder = Path(tempfile.mkdtemp(prefix="oasys-diversity-demo-"))
    # The demo database is encrypted like any other, with a key of its own generated into the demo
    # folder: it never asks for a passphrase, never touches the keyring, and goes when the folder does.
    os.environ[KEY_FILE_ENV] = str(folder / DEMO_KEY_NAME)
    try:
        bank = load_bank(questions_dir)
        db_path = folder / DEMO_DB_NAME
        build_demo_database(db_path, bank, questions_dir=questions_dir, directory_path=directory_path)
    except BankError as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise DemoError(f"the question bank could not be loaded: {error}") from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder, db_path
