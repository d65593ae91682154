"""The answer store: opening and refusing files, saving with an audit trail, erasure, the case list."""

from __future__ import annotations

import json
import os
import shutil
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from crypt_support import decrypted_pages, raw

from oasys_diversity.model import (
    Answer,
    Assessment,
    Case,
    Condition,
    Domain,
    Guidance,
    Objective,
    Option,
    Plan,
    Question,
    QuestionBank,
)
from oasys_diversity.store import (
    CaseSummary,
    StoreError,
    audit_trail,
    create_case,
    default_db_path,
    erase_case,
    get_case,
    get_position,
    import_assessment,
    list_cases,
    load_assessment,
    load_plan,
    open_db,
    save_answer,
    save_plan,
    set_position,
    update_case,
)
from oasys_diversity.store_migrations import APP_MARKER, KNOWN_MIGRATIONS, SCHEMA_VERSION
from oasys_diversity.store_open import DB_ERRORS

# Words that must never leak into an error message: stand-ins for a person's name and answers.
SECRET_NAME = "Zephyrine Quillfeather"
SECRET_WORDS = "my uncle's mosque in Bradford helped me after the attack"
OFFICER = "Sam Officer"


def a_case(name: str = SECRET_NAME, reference: str = "X123456") -> Case:
    return Case(reference=reference, name=name, officer=OFFICER, assessed_on=date(2025, 3, 14))


def answer(question_id: str, status: str = "answered", value=None, note: str | None = None) -> Answer:
    return Answer(question_id=question_id, status=status, value=value, note=note)


def files_in(folder: Path) -> dict[str, bytes]:
    """Every file in a folder with its bytes: what a refusal must leave exactly as it was."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def checkpointed_copy(db, source: Path, target: Path) -> None:
    """Copy a closed, fully checkpointed database file."""
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    shutil.copyfile(source, target)


def a_bank() -> QuestionBank:
    guidance = Guidance(why="Why it matters.", listen_for="What to listen for.", if_declined="That is fine.")

    def question(qid: str, kind: str, **extra) -> Question:
        return Question(id=qid, kind=kind, prompt=f"Ask about {qid}", label=qid, guidance=guidance, **extra)

    return QuestionBank(
        domains=[
            Domain(
                id="person",
                title="About the person",
                order=0,
                introduction="Some questions about you.",
                questions=[question("person.preferred_name", "text"), question("person.area", "text")],
            ),
            Domain(
                id="faith",
                title="Faith and belief",
                order=1,
                introduction="About faith.",
                questions=[
                    question(
                        "faith.religion",
                        "single",
                        options=[
                            Option(code="no_religion", label="No religion"),
                            Option(code="muslim", label="Muslim"),
                        ],
                    ),
                    question(
                        "faith.practice_needs",
                        "multi",
                        options=[Option(code="prayer_times", label="Prayer times"), Option(code="diet", label="Diet")],
                        show_if=Condition(question="faith.religion", op="equals", value="muslim"),
                    ),
                    question("faith.reconnect", "yes_no_unsure"),
                    question("faith.age_started", "number", min=0, max=120),
                ],
            ),
        ]
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "cases.db"


@pytest.fixture
def db(db_path: Path):
    database = open_db(db_path)
    yield database
    database.close()


@pytest.fixture
def case_id(db) -> int:
    return create_case(db, a_case())


# ---------------------------------------------------------------------------------------------
# Where the database lives
# ---------------------------------------------------------------------------------------------


def test_default_db_path_uses_oasys_diversity_home(monkeypatch, tmp_path):
    monkeypatch.setenv("OASYS_DIVERSITY_HOME", str(tmp_path / "home"))
    assert default_db_path() == tmp_path / "home" / "cases.db"


def test_default_db_path_falls_back_to_the_user_data_directory(monkeypatch, tmp_path):
    import platformdirs

    monkeypatch.delenv("OASYS_DIVERSITY_HOME")
    expected = Path(platformdirs.user_data_dir("oasys-diversity", appauthor=False)) / "cases.db"
    assert default_db_path() == expected
    # conftest points XDG_DATA_HOME at this test's folder, so the fallback is private too.
    if os.name == "posix" and "XDG_DATA_HOME" in os.environ:
        assert str(default_db_path()).startswith(os.environ["XDG_DATA_HOME"])


# ---------------------------------------------------------------------------------------------
# Opening
# ---------------------------------------------------------------------------------------------


def test_open_db_creates_parent_folders_and_the_schema(db_path):
    assert not db_path.parent.exists()
    db = open_db(db_path)
    try:
        assert db_path.exists()
        assert {"meta", "cases", "answers", "plans", "audit", "erasures", "_sqlite_migrations"} <= set(db.table_names())
        meta = {row["key"]: row["value"] for row in db["meta"].rows}
        assert meta["app"] == APP_MARKER
        assert int(meta["schema_version"]) == SCHEMA_VERSION
        applied = [row["name"] for row in db["_sqlite_migrations"].rows]
        assert applied == list(KNOWN_MIGRATIONS) and applied[0] == "m001_initial_schema"
    finally:
        db.close()


def test_open_db_sets_the_safety_pragmas(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA trusted_schema").fetchone()[0] == 0
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_reopening_keeps_data_and_does_not_migrate_again(db_path):
    db = open_db(db_path)
    case_id = create_case(db, a_case())
    db.close()
    again = open_db(db_path)
    try:
        assert get_case(again, case_id).reference == "X123456"
        assert again["_sqlite_migrations"].count == len(KNOWN_MIGRATIONS)
    finally:
        again.close()


def test_an_empty_file_is_set_up_as_a_new_database(tmp_path):
    path = tmp_path / "empty.db"
    path.touch()
    db = open_db(path)
    try:
        assert "cases" in db.table_names()
    finally:
        db.close()


def test_an_encrypted_file_with_no_tables_is_set_up(tmp_path):
    path = tmp_path / "blank.db"
    conn = raw(path)
    conn.execute("PRAGMA user_version = 0")
    conn.execute("VACUUM")
    conn.close()
    db = open_db(path)
    try:
        assert "answers" in db.table_names()
    finally:
        db.close()


def test_a_plain_sqlite_file_is_refused_with_a_hint_to_encrypt_it(tmp_path):
    path = tmp_path / "blank.db"
    conn = raw(path, plain=True)
    conn.execute("PRAGMA user_version = 0")
    conn.execute("VACUUM")
    conn.close()
    assert_refused(path, "not encrypted", "db encrypt")


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_database_and_companions_are_owner_only_whatever_the_umask(tmp_path, umask):
    path = tmp_path / "private" / "cases.db"
    previous = os.umask(umask)
    try:
        db = open_db(path)
        try:
            create_case(db, a_case())
            companions = [path, path.with_name("cases.db-wal"), path.with_name("cases.db-shm")]
            for file in companions:
                assert file.exists(), file.name
                assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
            assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700  # the folder it made
            # The umask is the caller's again once the database is open.
            assert os.umask(umask) == umask
        finally:
            db.close()
    finally:
        os.umask(previous)


def test_an_existing_database_of_ours_is_made_owner_only(db_path):
    open_db(db_path).close()
    db_path.chmod(0o644)
    db = open_db(db_path)
    try:
        assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    finally:
        db.close()


# ---------------------------------------------------------------------------------------------
# Refusals: each leaves every byte of the file (and its folder) as it was
# ---------------------------------------------------------------------------------------------


def assert_refused(path: Path, *words: str) -> str:
    before = files_in(path.parent)
    with pytest.raises(StoreError) as caught:
        open_db(path)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message
    assert files_in(path.parent) == before
    return message


def test_refuses_a_file_that_is_not_sqlite(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are not the cases you are looking for\n" * 50)
    assert_refused(path, "not an SQLite database", str(path))


def test_refuses_an_sqlite_database_that_is_not_ours(tmp_path):
    path = tmp_path / "other.db"
    conn = raw(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices (total) VALUES (12.5)")
    conn.close()
    assert_refused(path, "not an oasys-diversity")


def test_refuses_an_sqlite_database_with_a_meta_table_that_is_not_ours(tmp_path):
    path = tmp_path / "other.db"
    conn = raw(path)
    conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    conn.execute("INSERT INTO meta VALUES ('app', 'some-other-app')")
    conn.close()
    assert_refused(path, "not an oasys-diversity")


def test_refuses_a_wal_mode_database_that_is_not_ours_without_leaving_companions(tmp_path):
    path = tmp_path / "other.db"
    conn = raw(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE things (id INTEGER PRIMARY KEY)")
    conn.close()
    assert sorted(files_in(tmp_path)) == ["other.db"]
    assert_refused(path, "not an oasys-diversity")


@pytest.mark.parametrize("offset", [100, 4096, 8192, 12288])
def test_refuses_a_damaged_database(db, db_path, tmp_path, offset):
    case_id = create_case(db, a_case())
    for number in range(60):
        save_answer(db, case_id, answer(f"test.q{number}", value="words " * 20), officer=OFFICER)
    damaged = tmp_path / "damaged" / "cases.db"
    damaged.parent.mkdir()
    checkpointed_copy(db, db_path, damaged)
    garbage = bytes((offset * 7 + i * 131) % 251 for i in range(2000))
    with damaged.open("r+b") as handle:
        handle.seek(offset)
        handle.write(garbage)
    message = assert_refused(damaged, str(damaged))
    assert "damaged" in message or "integrity check" in message


def test_refuses_a_database_from_a_newer_version(db, db_path, tmp_path):
    newer = tmp_path / "newer.db"
    checkpointed_copy(db, db_path, newer)
    conn = raw(newer)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    conn.close()
    assert_refused(newer, "newer version")


def test_refuses_a_database_with_a_migration_this_version_does_not_know(db, db_path, tmp_path):
    newer = tmp_path / "newer.db"
    checkpointed_copy(db, db_path, newer)
    conn = raw(newer)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
        ["oasys-diversity", "m999_from_the_future", "2031-01-01"],
    )
    conn.close()
    assert_refused(newer, "newer version")


def test_refuses_a_read_only_file(db, db_path):
    case_id = create_case(db, a_case())
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    db_path.chmod(0o400)
    try:
        assert_refused(db_path, "read-only")
    finally:
        db_path.chmod(0o600)
    again = open_db(db_path)
    try:
        assert get_case(again, case_id).name == SECRET_NAME
    finally:
        again.close()


def test_refuses_a_folder(tmp_path):
    with pytest.raises(StoreError, match="folder"):
        open_db(tmp_path)


def test_refusals_never_repeat_answer_text(db, db_path, tmp_path):
    case_id = create_case(db, a_case())
    save_answer(db, case_id, answer("culture.family", value=SECRET_WORDS), officer=OFFICER)
    newer = tmp_path / "newer.db"
    checkpointed_copy(db, db_path, newer)
    conn = raw(newer)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    message = assert_refused(newer)
    assert SECRET_WORDS not in message and SECRET_NAME not in message


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


def test_create_and_get_case(db):
    case_id = create_case(db, a_case())
    case = get_case(db, case_id)
    assert case == Case(
        id=case_id, reference="X123456", name=SECRET_NAME, officer=OFFICER, assessed_on=date(2025, 3, 14)
    )
    [created] = audit_trail(db, case_id)
    assert created["field"] == "case" and created["old_value"] is None
    assert created["new_value"]["reference"] == "X123456"


def test_create_case_ignores_any_id_it_is_given(db):
    first = create_case(db, a_case())
    second = create_case(db, a_case().model_copy(update={"id": first}))
    assert second != first


def test_get_case_of_an_unknown_id(db):
    with pytest.raises(StoreError, match="no case 404"):
        get_case(db, 404)


def test_update_case_audits_each_changed_field(db, case_id):
    changed = get_case(db, case_id).model_copy(update={"reference": "Y999", "assessed_on": date(2025, 4, 1)})
    update_case(db, changed, officer="Alex Manager")
    assert get_case(db, case_id) == changed
    entries = [e for e in audit_trail(db, case_id) if e["field"].startswith("case.")]
    assert [(e["field"], e["old_value"], e["new_value"], e["officer"]) for e in entries] == [
        ("case.reference", "X123456", "Y999", "Alex Manager"),
        ("case.assessed_on", "2025-03-14", "2025-04-01", "Alex Manager"),
    ]


def test_update_case_with_nothing_changed_writes_nothing(db, case_id):
    before = len(audit_trail(db, case_id))
    update_case(db, get_case(db, case_id))
    assert len(audit_trail(db, case_id)) == before


def test_update_case_needs_an_existing_case(db):
    with pytest.raises(StoreError, match="needs a case with an id"):
        update_case(db, a_case())
    with pytest.raises(StoreError, match="no case 77"):
        update_case(db, a_case().model_copy(update={"id": 77}))


def test_position_is_remembered(db, case_id):
    assert get_position(db, case_id) is None
    set_position(db, case_id, "faith.religion")
    assert get_position(db, case_id) == "faith.religion"
    set_position(db, case_id, None)
    assert get_position(db, case_id) is None


def test_position_refusals(db, case_id):
    with pytest.raises(StoreError, match="no case 9"):
        set_position(db, 9, "faith.religion")
    with pytest.raises(StoreError, match="no case 9"):
        get_position(db, 9)
    with pytest.raises(StoreError, match="not a question id"):
        set_position(db, case_id, "not a question")


# ---------------------------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    [
        answer("faith.religion", value="muslim"),
        answer("faith.practice_needs", value=["prayer_times", "diet"]),
        answer("faith.practice_needs", value=[]),
        answer("person.age", value=34),
        answer("person.height", value=1.72),
        answer("culture.family", value="Mi familia — 家族 — my own words", note="said with a smile"),
        answer("immigration.status", status="declined", note="would rather not today"),
        answer("trauma.experiences", status="not_applicable"),
        answer("language.first_language", status="not_discussed", note="ran out of time"),
    ],
    ids=lambda a: f"{a.question_id}-{a.status}",
)
def test_save_answer_round_trips_every_status_and_kind(db, case_id, given):
    stored = save_answer(db, case_id, given, officer=OFFICER)
    assert (stored.status, stored.value, stored.note) == (given.status, given.value, given.note)
    assert stored.officer == OFFICER
    assert stored.answered_at is not None and stored.answered_at.tzinfo is not None
    loaded = load_assessment(db, case_id).answers[given.question_id]
    assert loaded == stored
    assert type(loaded.value) is type(given.value)


def test_save_answer_is_committed_when_it_returns(db, db_path, case_id):
    save_answer(db, case_id, answer("faith.religion", value="muslim"), officer=OFFICER)
    assert not db.conn.in_transaction
    other = raw(db_path)
    try:
        row = other.execute("SELECT status, value FROM answers WHERE case_id = ?", [case_id]).fetchone()
    finally:
        other.close()
    assert row == ("answered", json.dumps("muslim"))


def test_a_first_answer_is_audited_with_no_old_value(db, case_id):
    save_answer(db, case_id, answer("faith.religion", value="muslim", note="Sunni"), officer=OFFICER)
    entry = audit_trail(db, case_id)[-1]
    assert entry["question_id"] == "faith.religion" and entry["field"] == "answer"
    assert entry["old_value"] is None
    assert entry["new_value"] == {"status": "answered", "value": "muslim", "note": "Sunni"}
    assert entry["officer"] == OFFICER
    assert datetime.fromisoformat(entry["changed_at"]).tzinfo is not None


def test_saving_an_identical_answer_writes_no_audit_row(db, case_id):
    first = save_answer(db, case_id, answer("faith.religion", value="muslim"), officer=OFFICER)
    count = len(audit_trail(db, case_id))
    again = save_answer(db, case_id, answer("faith.religion", value="muslim"), officer="Someone Else")
    assert len(audit_trail(db, case_id)) == count
    assert again == first  # the original time and officer stand


def test_a_changed_answer_is_audited_with_old_and_new(db, case_id):
    save_answer(db, case_id, answer("faith.religion", value="muslim"), officer=OFFICER)
    save_answer(db, case_id, answer("faith.religion", status="declined"), officer="Alex Manager")
    entry = audit_trail(db, case_id)[-1]
    assert entry["old_value"] == {"status": "answered", "value": "muslim", "note": None}
    assert entry["new_value"] == {"status": "declined", "value": None, "note": None}
    assert entry["officer"] == "Alex Manager"


def test_a_changed_note_alone_is_a_change(db, case_id):
    save_answer(db, case_id, answer("faith.religion", value="muslim"), officer=OFFICER)
    save_answer(db, case_id, answer("faith.religion", value="muslim", note="prays at work"), officer=OFFICER)
    assert audit_trail(db, case_id)[-1]["new_value"]["note"] == "prays at work"


def test_an_empty_note_is_no_note(db, case_id):
    first = save_answer(db, case_id, answer("faith.religion", value="muslim"), officer=OFFICER)
    count = len(audit_trail(db, case_id))
    again = save_answer(db, case_id, answer("faith.religion", value="muslim", note="   "), officer=OFFICER)
    assert again.note is None and again == first
    assert len(audit_trail(db, case_id)) == count


def test_saving_not_discussed_for_an_untouched_question_stores_nothing(db, case_id):
    count = len(audit_trail(db, case_id))
    result = save_answer(db, case_id, answer("faith.religion", status="not_discussed"), officer=OFFICER)
    assert result.status == "not_discussed" and result.value is None
    assert load_assessment(db, case_id).answers == {}
    assert len(audit_trail(db, case_id)) == count


def test_silence_is_never_stored_as_an_answer(db, case_id):
    """A question with nothing saved reads back as not yet discussed, never as answered."""
    save_answer(db, case_id, answer("faith.religion", value="muslim"), officer=OFFICER)
    assessment = load_assessment(db, case_id)
    assert assessment.status("discrimination.current_harassment") == "not_discussed"
    assert assessment.value("discrimination.current_harassment") is None
    statuses = {row[0] for row in db.execute("SELECT status FROM answers")}
    assert statuses == {"answered"}


def test_save_answer_refusals(db, case_id):
    with pytest.raises(StoreError, match="no case 404"):
        save_answer(db, 404, answer("faith.religion", value=SECRET_WORDS), officer=OFFICER)
    with pytest.raises(StoreError, match="not a question id"):
        save_answer(db, case_id, answer("Religion", value=SECRET_WORDS), officer=OFFICER)
    with pytest.raises(StoreError, match="officer"):
        save_answer(db, case_id, answer("faith.religion", value=SECRET_WORDS), officer="  ")
    assert load_assessment(db, case_id).answers == {}


def test_the_database_refuses_a_value_on_an_unanswered_status(db, case_id):
    with pytest.raises(DB_ERRORS):
        db.execute(
            "INSERT INTO answers (case_id, question_id, status, value, answered_at) VALUES (?, ?, ?, ?, ?)",
            [case_id, "faith.religion", "declined", '"muslim"', "2025-01-01T00:00:00+00:00"],
        )


def test_answers_bump_the_case_updated_time(db, case_id):
    before = list_cases(db)[0].updated_at
    save_answer(db, case_id, answer("faith.religion", value="muslim"), officer=OFFICER)
    assert list_cases(db)[0].updated_at > before


def test_load_assessment(db, case_id):
    save_answer(db, case_id, answer("faith.religion", value="muslim"), officer=OFFICER)
    save_answer(db, case_id, answer("immigration.status", status="declined"), officer=OFFICER)
    assessment = load_assessment(db, case_id)
    assert assessment.case.id == case_id
    assert set(assessment.answers) == {"faith.religion", "immigration.status"}
    assert assessment.status("immigration.status") == "declined"
    with pytest.raises(StoreError, match="no case 5"):
        load_assessment(db, 5)


# ---------------------------------------------------------------------------------------------
# The audit trail is append-only
# ---------------------------------------------------------------------------------------------


def test_the_audit_trail_refuses_updates(db, case_id):
    save_answer(db, case_id, answer("faith.religion", value="muslim"), officer=OFFICER)
    with pytest.raises(DB_ERRORS, match="append-only"):
        db.execute("UPDATE audit SET new_value = NULL")
    with pytest.raises(DB_ERRORS, match="append-only"):
        db.execute("UPDATE audit SET officer = 'someone else' WHERE case_id = ?", [case_id])


def test_the_audit_trail_refuses_deletes(db, case_id):
    save_answer(db, case_id, answer("faith.religion", value="muslim"), officer=OFFICER)
    count = db["audit"].count
    with pytest.raises(DB_ERRORS, match="only when their case is erased"):
        db.execute("DELETE FROM audit")
    assert db["audit"].count == count


def test_listing_a_case_as_erased_does_not_unlock_its_audit_while_it_exists(db, case_id):
    db.execute("INSERT INTO erasures (case_id, erased_at) VALUES (?, '2025-01-01')", [case_id])
    with pytest.raises(DB_ERRORS, match="only when their case is erased"):
        db.execute("DELETE FROM audit WHERE case_id = ?", [case_id])


def test_the_record_of_erasures_cannot_be_changed(db, case_id):
    erase_case(db, case_id, officer=OFFICER)
    with pytest.raises(DB_ERRORS, match="cannot be changed"):
        db.execute("UPDATE erasures SET officer = 'nobody'")
    with pytest.raises(DB_ERRORS, match="cannot be changed"):
        db.execute("DELETE FROM erasures")


# ---------------------------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------------------------


def a_plan(action: str = "Find a mosque near the approved premises") -> Plan:
    return Plan(
        built_on=date(2025, 3, 14),
        objectives=[
            Objective(
                id="faith_reconnect",
                need_area="relationships",
                action=action,
                owner="person",
                target_date=date(2025, 6, 14),
                measure="Attends Friday prayers",
                because=["faith.reconnect"],
            )
        ],
        to_discuss=["trauma.experiences"],
    )


def test_save_and_load_plan(db, case_id):
    assert load_plan(db, case_id) is None
    save_plan(db, case_id, a_plan(), officer=OFFICER)
    assert load_plan(db, case_id) == a_plan()
    assert list_cases(db)[0].has_plan


def test_saving_the_same_plan_writes_no_audit_row_and_a_change_does(db, case_id):
    save_plan(db, case_id, a_plan(), officer=OFFICER)
    count = len(audit_trail(db, case_id))
    save_plan(db, case_id, a_plan(), officer=OFFICER)
    assert len(audit_trail(db, case_id)) == count
    save_plan(db, case_id, a_plan("Meet the imam at the gurdwara open day"), officer=OFFICER)
    entry = audit_trail(db, case_id)[-1]
    assert entry["field"] == "plan"
    assert entry["old_value"]["objectives"][0]["action"] == "Find a mosque near the approved premises"
    assert entry["new_value"]["objectives"][0]["action"] == "Meet the imam at the gurdwara open day"


def test_save_plan_refusals(db):
    with pytest.raises(StoreError, match="no case 3"):
        save_plan(db, 3, a_plan(), officer=OFFICER)
    with pytest.raises(StoreError, match="officer"):
        save_plan(db, 3, a_plan(), officer="")


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


def an_assessment(**answers: Answer) -> Assessment:
    return Assessment(case=a_case(), answers={a.question_id: a for a in answers.values()})


def test_import_assessment_stores_case_and_answers(db):
    given = Assessment(
        case=a_case(),
        answers={
            "faith.religion": answer("faith.religion", value="muslim"),
            "faith.practice_needs": answer("faith.practice_needs", value=["diet", "diet", "prayer_times"]),
            "person.area": answer("person.area", value="West Yorkshire"),
            "faith.reconnect": answer("faith.reconnect", status="declined"),
        },
    )
    case_id = import_assessment(db, given, a_bank(), officer="Importer")
    loaded = load_assessment(db, case_id)
    assert loaded.case.name == SECRET_NAME
    assert loaded.value("faith.practice_needs") == ["diet", "prayer_times"]  # the bank's shape
    assert loaded.status("faith.reconnect") == "declined"
    assert loaded.answers["faith.religion"].officer == "Importer"
    trail = audit_trail(db, case_id)
    assert [e["question_id"] for e in trail] == [
        None,
        "faith.religion",
        "faith.practice_needs",
        "person.area",
        "faith.reconnect",
    ]
    assert all(e["officer"] == "Importer" for e in trail)


def test_import_keeps_an_answers_own_time_and_officer(db):
    when = datetime(2024, 12, 1, 10, 30, tzinfo=UTC)
    given = an_assessment(
        a=Answer(question_id="faith.religion", status="answered", value="muslim", answered_at=when, officer="Jo")
    )
    case_id = import_assessment(db, given)
    stored = load_assessment(db, case_id).answers["faith.religion"]
    assert stored.answered_at == when and stored.officer == "Jo"


def test_import_without_a_bank_stores_what_it_is_given(db):
    case_id = import_assessment(db, an_assessment(a=answer("local.custom_question", value="anything")))
    assert load_assessment(db, case_id).value("local.custom_question") == "anything"


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        (answer("faith.unknown_question", value="x"), "faith.unknown_question"),
        (answer("faith.religion", value=SECRET_WORDS), "faith.religion"),
        (answer("faith.practice_needs", value=["prayer_times", "séance"]), "faith.practice_needs"),
        (answer("faith.age_started", value=SECRET_WORDS), "faith.age_started"),
        (answer("faith.age_started", value=500), "faith.age_started"),
    ],
)
def test_import_rejects_what_the_bank_does_not_know_and_stores_nothing(db, bad, named):
    given = an_assessment(good=answer("faith.reconnect", value="yes"), bad=bad)
    with pytest.raises(StoreError) as caught:
        import_assessment(db, given, a_bank())
    message = str(caught.value)
    assert named in message
    assert SECRET_WORDS not in message and "séance" not in message
    assert db["cases"].count == 0 and db["answers"].count == 0 and db["audit"].count == 0


def test_import_is_all_or_nothing(db):
    # A failure part-way through the writes (here a trigger on the third answer) rolls back everything.
    db.execute(
        "CREATE TEMP TRIGGER refuse_third BEFORE INSERT ON answers WHEN NEW.question_id = 'faith.reconnect' "
        "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"
    )
    given = an_assessment(
        a=answer("faith.religion", value="muslim"),
        b=answer("person.area", value="Kent"),
        c=answer("faith.reconnect", value="yes"),
    )
    with pytest.raises(StoreError, match="could not import"):
        import_assessment(db, given)
    assert db["cases"].count == 0 and db["answers"].count == 0 and db["audit"].count == 0
    assert not db.conn.in_transaction


def test_import_refuses_an_answer_filed_under_another_id(db):
    given = Assessment(case=a_case(), answers={"faith.religion": answer("faith.reconnect", value="yes")})
    with pytest.raises(StoreError, match="faith.religion"):
        import_assessment(db, given)


# ---------------------------------------------------------------------------------------------
# Erasure
# ---------------------------------------------------------------------------------------------


def database_bytes(path: Path) -> bytes:
    return b"".join(
        p.read_bytes()
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
        if p.exists()
    )


def test_erase_case_removes_everything_about_the_case(db, case_id):
    other = create_case(db, a_case(name="Someone Else", reference="K1"))
    save_answer(db, case_id, answer("faith.religion", value="muslim"), officer=OFFICER)
    save_answer(db, other, answer("faith.religion", value="no_religion"), officer=OFFICER)
    save_plan(db, case_id, a_plan(), officer=OFFICER)
    erase_case(db, case_id, officer=OFFICER)
    with pytest.raises(StoreError):
        get_case(db, case_id)
    for table, column in (("answers", "case_id"), ("plans", "case_id"), ("audit", "case_id"), ("cases", "id")):
        assert db[table].count_where(f"{column} = ?", [case_id]) == 0, table
    assert audit_trail(db, case_id) == []
    [erasure] = list(db["erasures"].rows)
    assert erasure["case_id"] == case_id and erasure["officer"] == OFFICER and erasure["erased_at"]
    assert set(erasure) == {"id", "case_id", "erased_at", "officer"}
    # The other case is untouched.
    assert load_assessment(db, other).value("faith.religion") == "no_religion"
    assert len(audit_trail(db, other)) == 2


def test_erased_text_is_gone_from_the_file_and_its_journal(db, db_path, case_id):
    words = "Quillfeather-private-account-of-the-attack-8841"
    note = "Quillfeather-note-in-their-own-words-5512"
    save_answer(db, case_id, answer("trauma.violence", value=words, note=note), officer=OFFICER)
    save_answer(db, case_id, answer("trauma.violence", value=words + " (corrected)", note=note), officer=OFFICER)
    save_plan(db, case_id, a_plan("Quillfeather-plan-action-3310"), officer=OFFICER)
    # Encrypted: not one of the words is in the file as written to disk.
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for secret in (words, note, SECRET_NAME, "Quillfeather"):
        assert secret.encode() not in database_bytes(db_path), secret
    # The test can see the text before erasure once the pages are decrypted: it is looking in the right place.
    before = decrypted_pages(db_path)
    for secret in (words, note, SECRET_NAME, "Quillfeather-plan-action-3310"):
        assert secret.encode() in before
    erase_case(db, case_id, officer=OFFICER)
    # Erasure empties the write-ahead log, and no decrypted page, free pages included, holds the words.
    wal = db_path.with_name(db_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    after = decrypted_pages(db_path)
    for secret in (words, note, SECRET_NAME, "Quillfeather-plan-action-3310", "Quillfeather"):
        assert secret.encode() not in after, secret
    # And still none once the connection has closed and the file is reopened.
    db.close()
    assert b"Quillfeather" not in decrypted_pages(db_path)


def test_erase_works_while_another_connection_is_open(db, db_path, case_id):
    save_answer(db, case_id, answer("culture.family", value="Quillfeather-words-1"), officer=OFFICER)
    other = open_db(db_path)
    try:
        assert len(list_cases(other)) == 1
        erase_case(db, case_id)
        assert list_cases(other) == []
        assert b"Quillfeather" not in decrypted_pages(db_path)
    finally:
        other.close()


def test_erase_of_an_unknown_case(db):
    with pytest.raises(StoreError, match="no case 31"):
        erase_case(db, 31)


def test_erasing_an_erased_case_again_only_tidies_up(db, case_id):
    erase_case(db, case_id)
    erase_case(db, case_id)
    assert db["erasures"].count == 1


def test_a_new_case_never_reuses_an_erased_id(db, case_id):
    erase_case(db, case_id)
    assert create_case(db, a_case()) != case_id


# ---------------------------------------------------------------------------------------------
# The case list
# ---------------------------------------------------------------------------------------------


def test_list_cases_without_a_bank_counts_the_stored_answers(db, case_id):
    save_answer(db, case_id, answer("person.preferred_name", value="Zeph"), officer=OFFICER)
    save_answer(db, case_id, answer("person.area", value="Greater Manchester"), officer=OFFICER)
    save_answer(db, case_id, answer("faith.religion", status="declined"), officer=OFFICER)
    save_answer(db, case_id, answer("faith.reconnect", status="not_discussed", note="next time"), officer=OFFICER)
    save_answer(db, case_id, answer("trauma.experiences", status="not_applicable"), officer=OFFICER)
    set_position(db, case_id, "faith.reconnect")
    [summary] = list_cases(db)
    assert isinstance(summary, CaseSummary)
    assert summary.model_dump(exclude={"updated_at"}) == {
        "id": case_id,
        "reference": "X123456",
        "name": SECRET_NAME,
        "preferred_name": "Zeph",
        "area": "Greater Manchester",
        "officer": OFFICER,
        "answered": 2,
        "declined": 1,
        "not_discussed": 1,
        "total": 5,
        "position": "faith.reconnect",
        "has_plan": False,
        "progress_text": "4/5",
    }
    assert summary.updated_at.tzinfo is not None


def test_list_cases_with_a_bank_counts_visible_questions(db):
    bank = a_bank()
    muslim = create_case(db, a_case(reference="A1"))
    save_answer(db, muslim, answer("faith.religion", value="muslim"), officer=OFFICER)
    save_answer(db, muslim, answer("faith.practice_needs", value=["diet"]), officer=OFFICER)
    save_answer(db, muslim, answer("faith.reconnect", status="declined"), officer=OFFICER)
    none = create_case(db, a_case(reference="B2"))
    save_answer(db, none, answer("faith.religion", value="no_religion"), officer=OFFICER)
    # An answer left behind on a follow-up that is no longer shown is not counted.
    save_answer(db, none, answer("faith.practice_needs", value=["prayer_times"]), officer=OFFICER)
    untouched = create_case(db, a_case(reference="C3"))
    summaries = {s.reference: s for s in list_cases(db, bank)}
    assert (summaries["A1"].answered, summaries["A1"].declined, summaries["A1"].not_discussed) == (2, 1, 3)
    assert summaries["A1"].total == 6 and summaries["A1"].progress_text == "3/6"
    assert (summaries["B2"].answered, summaries["B2"].not_discussed, summaries["B2"].total) == (1, 4, 5)
    assert summaries["C3"].total == 5 and summaries["C3"].progress_text == "0/5"
    assert summaries["C3"].id == untouched


def test_list_cases_is_most_recently_updated_first(db):
    first = create_case(db, a_case(reference="FIRST"))
    second = create_case(db, a_case(reference="SECOND"))
    assert [s.id for s in list_cases(db)] == [second, first]
    save_answer(db, first, answer("faith.religion", value="muslim"), officer=OFFICER)
    assert [s.id for s in list_cases(db)] == [first, second]


def test_list_cases_of_an_empty_database(db):
    assert list_cases(db) == [] and list_cases(db, a_bank()) == []


def test_list_cases_with_many_cases_uses_two_queries_without_a_bank(db):
    db.execute("BEGIN")
    for number in range(200):
        case_id = create_case(db, a_case(reference=f"R{number}"))
        save_answer(db, case_id, answer("faith.religion", value="muslim"), officer=OFFICER)
    db.execute("COMMIT")
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        summaries = list_cases(db)
    finally:
        db.conn.set_trace_callback(None)
    assert len(summaries) == 200 and all(s.answered == 1 for s in summaries)
    # The cases, and their answers counted by status: never one query per case.
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2


# ---------------------------------------------------------------------------------------------
# Errors never carry answer text or names
# ---------------------------------------------------------------------------------------------


def test_store_errors_name_ids_never_contents(db, case_id):
    save_answer(db, case_id, answer("culture.family", value=SECRET_WORDS), officer=OFFICER)
    attempts = [
        lambda: save_answer(db, 999, answer("culture.family", value=SECRET_WORDS, note=SECRET_NAME), officer=OFFICER),
        lambda: save_answer(db, case_id, answer("Culture Family", value=SECRET_WORDS), officer=OFFICER),
        lambda: import_assessment(db, an_assessment(a=answer("faith.religion", value=SECRET_WORDS)), a_bank()),
        lambda: update_case(db, a_case().model_copy(update={"id": 999})),
        lambda: erase_case(db, 999),
        lambda: get_case(db, 999),
    ]
    for attempt in attempts:
        with pytest.raises(StoreError) as caught:
            attempt()
        message = str(caught.value)
        assert SECRET_WORDS not in message and SECRET_NAME not in message
        assert "\n" not in message


def test_store_logs_never_carry_answer_text(db_path, caplog):
    caplog.set_level("DEBUG")
    db = open_db(db_path)
    try:
        case_id = create_case(db, a_case())
        save_answer(db, case_id, answer("culture.family", value=SECRET_WORDS), officer=OFFICER)
        erase_case(db, case_id)
    finally:
        db.close()
    assert SECRET_WORDS not in caplog.text and SECRET_NAME not in caplog.text


# ---------------------------------------------------------------------------------------------
# The `cases` command
# ---------------------------------------------------------------------------------------------


def test_cases_erase_command(db_path, capsys, monkeypatch):
    from oasys_diversity.cli import main

    # The default database (global option parsing is the CLI's own concern and tested there).
    monkeypatch.setenv("OASYS_DIVERSITY_HOME", str(db_path.parent))
    db = open_db(db_path)
    case_id = create_case(db, a_case())
    db.close()
    assert main(["cases", "erase", str(case_id), "--yes"]) == 0
    assert f"case {case_id} erased" in capsys.readouterr().out
    assert main(["cases", "erase", "4040", "--yes"]) == 1
    assert "no case 4040" in capsys.readouterr().err
    db = open_db(db_path)
    try:
        assert list_cases(db) == []
        assert [row["case_id"] for row in db["erasures"].rows] == [case_id]
    finally:
        db.close()


def test_cases_command_refuses_a_database_that_is_not_ours(tmp_path, capsys, monkeypatch):
    from oasys_diversity.cli import main

    monkeypatch.setenv("OASYS_DIVERSITY_HOME", str(tmp_path))
    path = tmp_path / "cases.db"
    path.write_bytes(b"not a database at all")
    assert main(["cases", "erase", "1", "--yes"]) == 1
    err = capsys.readouterr().err
    assert "not an SQLite database" in err and err.count("\n") == 1
    assert path.read_bytes() == b"not a database at all"
