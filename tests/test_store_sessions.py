"""Sessions and the choices to go deeper, in the store: recorded per sitting, resumed across sittings, erased."""

from __future__ import annotations

from datetime import date

import pytest

from oasys_diversity.model import Case
from oasys_diversity.sessions import ConversationSession
from oasys_diversity.store import StoreError, audit_trail, create_case, erase_case, open_db
from oasys_diversity.store_sessions import (
    deeper_choices,
    latest_session,
    set_deeper_choice,
    start_session,
    update_session,
)


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "cases.db")
    yield database
    database.close()


def new_case(db) -> int:
    return create_case(db, Case(reference="X1", name="Test Person", officer="Jo", assessed_on=date(2025, 1, 2)))


def test_each_sitting_is_recorded_with_its_language_and_interpreter(db):
    case_id = new_case(db)
    assert latest_session(db, case_id) is None
    first = start_session(
        db,
        ConversationSession(case_id=case_id, language="English", interpreter="needed", interpreter_language="Farsi"),
        officer="Jo",
    )
    assert first.id is not None and first.started_at is not None
    assert latest_session(db, case_id).interpreter_missing
    # The interpreter joins by phone: the same sitting changes, and the trail keeps both.
    joined = first.model_copy(update={"interpreter": "present", "interpreter_mode": "phone"})
    update_session(db, ConversationSession.model_validate(joined.model_dump()), officer="Jo")
    latest = latest_session(db, case_id)
    assert (latest.id, latest.interpreter, latest.interpreter_mode) == (first.id, "present", "phone")
    assert [row["field"] for row in audit_trail(db, case_id)].count("session") == 2
    second = start_session(
        db, ConversationSession(case_id=case_id, language="Farsi", interpreter="not_needed"), officer="Jo"
    )
    assert latest_session(db, case_id).id == second.id


def test_a_session_needs_a_language_and_an_interpreters_language_and_mode_when_they_apply():
    with pytest.raises(ValueError, match="language"):
        ConversationSession(case_id=1, language=" ", interpreter="not_needed")
    with pytest.raises(ValueError, match="interpreter_language"):
        ConversationSession(case_id=1, language="English", interpreter="needed")
    with pytest.raises(ValueError, match="interpreter_mode"):
        ConversationSession(case_id=1, language="English", interpreter="present", interpreter_language="Farsi")


def test_going_deeper_now_carries_on_next_session_and_another_session_is_offered_again(db):
    case_id = new_case(db)
    one = start_session(
        db, ConversationSession(case_id=case_id, language="English", interpreter="not_needed"), officer="Jo"
    )
    set_deeper_choice(db, case_id, "faith", "now", session_id=one.id)
    set_deeper_choice(db, case_id, "trauma", "later", session_id=one.id)
    assert deeper_choices(db, case_id, one.id) == {"faith": "now", "trauma": "later"}
    two = start_session(
        db, ConversationSession(case_id=case_id, language="English", interpreter="not_needed"), officer="Jo"
    )
    assert deeper_choices(db, case_id, two.id) == {"faith": "now"}
    with pytest.raises(StoreError):
        set_deeper_choice(db, case_id, "faith", "sometime", session_id=two.id)  # type: ignore[arg-type]


def test_erasing_a_case_erases_its_sessions_and_choices(db):
    case_id = new_case(db)
    one = start_session(
        db, ConversationSession(case_id=case_id, language="Farsi", interpreter="not_needed"), officer="Jo"
    )
    set_deeper_choice(db, case_id, "faith", "now", session_id=one.id)
    erase_case(db, case_id, officer="Jo")
    assert latest_session(db, case_id) is None
    assert deeper_choices(db, case_id, None) == {}
