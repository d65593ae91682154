"""The answer store's schema, as named, ordered migrations (run by sqlite-utils' own `Migrations`).

A migration is never edited once released: a schema change is a new function added at the end.
Each migration records the schema version it brings the database to in `meta`, so an older copy
of the app can tell that a database was made by a newer one and leave it alone.

sqlite-utils takes a noticeable share of the app's start-up to import, and an up-to-date database
needs no migration: `pending` reads what is applied with plain sqlite3, and sqlite-utils is
imported only when a migration has to run (or for `sqlite-utils migrate cases.db <this file>`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

# The migration set's name: the `_sqlite_migrations.migration_set` every row of ours carries.
MIGRATION_SET = "oasys-diversity"
# `meta.app` holds this: how we tell our database from any other SQLite file.
APP_MARKER = "oasys-diversity"
# sqlite-utils' record of the migrations applied to a database.
MIGRATIONS_TABLE = "_sqlite_migrations"

Migration = Callable[["sqlite_utils.Database"], None]


class LazyMigrations:
    """sqlite-utils' `Migrations`, registered the same way but built (and sqlite-utils imported) on first use.

    It offers `name`, `pending`, `applied` and `apply` like the real set, so `sqlite-utils migrate`
    can run this file too.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._registered: list[tuple[str, Migration, bool]] = []
        self._built: Any = None

    def __call__(self, *, name: str | None = None, transactional: bool = True) -> Callable[[Migration], Migration]:
        def register(function: Migration) -> Migration:
            self._registered.append((name or function.__name__, function, transactional))
            return function

        return register

    @property
    def names(self) -> tuple[str, ...]:
        """Every migration's name, in the order they run."""
        return tuple(name for name, _, _ in self._registered)

    def _real(self) -> Any:
        if self._built is None:
            from sqlite_utils import Migrations

            built = Migrations(self.name)
            for name, function, transactional in self._registered:
                built(name=name, transactional=transactional)(function)
            self._built = built
        return self._built

    def pending(self, db: sqlite_utils.Database) -> list[Any]:
        return self._real().pending(db)

    def applied(self, db: sqlite_utils.Database) -> list[Any]:
        return self._real().applied(db)

    def apply(self, db: sqlite_utils.Database, *, stop_before: str | Iterable[str] | None = None) -> None:
        self._real().apply(db, stop_before=stop_before)


migrations = LazyMigrations(MIGRATION_SET)


def _set_schema_version(db: sqlite_utils.Database, version: int) -> None:
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [str(version)],
    )


@migrations()
def m001_initial_schema(db: sqlite_utils.Database) -> None:
    """Cases, answers, plans, an append-only audit trail and a record of erasures."""
    statements = [
        # What this file is and which schema it has.
        """CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
        # AUTOINCREMENT: a case id is never reused, so an erased case's id can never
        # unlock the audit rows of a later case.
        """CREATE TABLE cases (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            reference TEXT NOT NULL,
            name TEXT NOT NULL,
            officer TEXT NOT NULL,
            assessed_on TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            position TEXT
        )""",
        "CREATE INDEX cases_by_updated_at ON cases (updated_at)",
        # value is JSON text (a code, a list of codes, the person's words, a number or a date).
        """CREATE TABLE answers (
            case_id INTEGER NOT NULL REFERENCES cases (id),
            question_id TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('answered', 'declined', 'not_discussed', 'not_applicable')),
            value TEXT CHECK (value IS NULL OR status = 'answered'),
            note TEXT,
            answered_at TEXT NOT NULL,
            officer TEXT,
            PRIMARY KEY (case_id, question_id)
        )""",
        # Lets the case list count statuses from the index alone.
        "CREATE INDEX answers_by_case_and_status ON answers (case_id, status, question_id)",
        """CREATE TABLE plans (
            case_id INTEGER PRIMARY KEY REFERENCES cases (id),
            plan TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            officer TEXT
        )""",
        # old_value and new_value are JSON. No foreign key to cases: the trail outlives edits,
        # and is removed only with an erasure.
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER NOT NULL,
            question_id TEXT,
            field TEXT NOT NULL,
            old_value TEXT,
            new_value TEXT,
            changed_at TEXT NOT NULL,
            officer TEXT
        )""",
        "CREATE INDEX audit_by_case ON audit (case_id)",
        # Who erased which case and when: no personal data about the person on probation.
        """CREATE TABLE erasures (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER NOT NULL,
            erased_at TEXT NOT NULL,
            officer TEXT
        )""",
        "CREATE INDEX erasures_by_case ON erasures (case_id)",
        """CREATE TRIGGER audit_is_append_only
            BEFORE UPDATE ON audit
            BEGIN
                SELECT RAISE(ABORT, 'the audit trail is append-only: rows cannot be changed');
            END""",
        # The one way out: special category data must be erasable, so an audit row may be
        # deleted once its case is recorded in erasures and the case itself is gone.
        """CREATE TRIGGER audit_is_kept_until_erasure
            BEFORE DELETE ON audit
            WHEN NOT EXISTS (SELECT 1 FROM erasures WHERE erasures.case_id = OLD.case_id)
                OR EXISTS (SELECT 1 FROM cases WHERE cases.id = OLD.case_id)
            BEGIN
                SELECT RAISE(ABORT, 'audit rows are removed only when their case is erased');
            END""",
        """CREATE TRIGGER erasures_are_kept_on_update
            BEFORE UPDATE ON erasures
            BEGIN
                SELECT RAISE(ABORT, 'the record of erasures cannot be changed');
            END""",
        """CREATE TRIGGER erasures_are_kept_on_delete
            BEFORE DELETE ON erasures
            BEGIN
                SELECT RAISE(ABORT, 'the record of erasures cannot be changed');
            END""",
    ]
    for statement in statements:
        db.execute(statement)
    db.execute("INSERT INTO meta (key, value) VALUES ('app', ?)", [APP_MARKER])
    _set_schema_version(db, 1)


@migrations()
def m002_access_log(db: sqlite_utils.Database) -> None:
    """A record of every look (DPA 2018 Part 3 s62): opening, exporting, importing and erasing a case.

    Who (the officer running the app), when, what (`action`) and how (`detail`: format, reader,
    redacted or not) — never answers or names. `location` is where an export or import went: a path
    can hold a reference, so it is the one column erasure may blank. Rows are never deleted, so an
    erased case keeps the fact that it was opened, exported and erased.
    """
    statements = [
        """CREATE TABLE access_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER NOT NULL,
            action TEXT NOT NULL
                CHECK (action IN ('opened', 'exported', 'imported', 'erased', 'subject_access')),
            detail TEXT,
            location TEXT,
            at TEXT NOT NULL,
            officer TEXT NOT NULL
        )""",
        "CREATE INDEX access_log_by_case ON access_log (case_id)",
        # The one change allowed: blanking `location` once the case is erased (and gone).
        """CREATE TRIGGER access_log_is_append_only
            BEFORE UPDATE ON access_log
            WHEN NOT (
                NEW.location IS NULL
                AND NEW.id = OLD.id AND NEW.case_id = OLD.case_id AND NEW.action = OLD.action
                AND NEW.detail IS OLD.detail AND NEW.at = OLD.at AND NEW.officer = OLD.officer
                AND EXISTS (SELECT 1 FROM erasures WHERE erasures.case_id = OLD.case_id)
                AND NOT EXISTS (SELECT 1 FROM cases WHERE cases.id = OLD.case_id)
            )
            BEGIN
                SELECT RAISE(ABORT, 'the access log is append-only: rows cannot be changed');
            END""",
        """CREATE TRIGGER access_log_is_kept
            BEFORE DELETE ON access_log
            BEGIN
                SELECT RAISE(ABORT, 'the access log is append-only: rows cannot be deleted');
            END""",
    ]
    for statement in statements:
        db.execute(statement)
    _set_schema_version(db, 2)


@migrations()
def m003_sessions(db: sqlite_utils.Database) -> None:
    """Sittings with the person (their language and interpreter) and the choices to go deeper per domain."""
    statements = [
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER NOT NULL REFERENCES cases (id),
            started_at TEXT NOT NULL,
            officer TEXT,
            language TEXT NOT NULL,
            interpreter TEXT NOT NULL CHECK (interpreter IN ('present', 'needed', 'not_needed')),
            interpreter_language TEXT,
            interpreter_mode TEXT CHECK (interpreter_mode IS NULL OR interpreter_mode IN ('in_person', 'phone', 'video'))
        )""",
        "CREATE INDEX sessions_by_case ON sessions (case_id, id)",
        # One row per case and domain: the latest choice. "later" holds only for the session it was made in.
        """CREATE TABLE deeper_choices (
            case_id INTEGER NOT NULL REFERENCES cases (id),
            domain_id TEXT NOT NULL,
            choice TEXT NOT NULL CHECK (choice IN ('now', 'later')),
            session_id INTEGER,
            chosen_at TEXT NOT NULL,
            PRIMARY KEY (case_id, domain_id)
        )""",
    ]
    for statement in statements:
        db.execute(statement)
    _set_schema_version(db, 3)


@migrations()
def m004_case_list(db: sqlite_utils.Database) -> None:
    """What the case list needs kept on each case, so it never reads every case to show a page.

    `search`: the casefolded reference, name, preferred name and area the filter looks in (filled here for
    existing cases; the store keeps it, and two triggers give a case added or renamed by another program
    its lower-cased reference and name). `progress_*`: answered / declined / not yet discussed / total
    over the questions that apply to the person, and `progress_bank`, the stamp of the question bank they
    were counted with; NULL until first counted, which the app does when the case is next shown or saved.
    `meta.cases`: the number of cases, kept by triggers. The index on (updated_at, id, search) replaces the one on updated_at: a page is read newest first
    from it, and the filter's words are matched in it, without reading the cases that do not match.
    """
    from oasys_diversity.store_case_list import AREA, PREFERRED_NAME, search_text

    for statement in (
        "ALTER TABLE cases ADD COLUMN search TEXT",
        "ALTER TABLE cases ADD COLUMN progress_answered INTEGER",
        "ALTER TABLE cases ADD COLUMN progress_declined INTEGER",
        "ALTER TABLE cases ADD COLUMN progress_not_discussed INTEGER",
        "ALTER TABLE cases ADD COLUMN progress_total INTEGER",
        "ALTER TABLE cases ADD COLUMN progress_bank TEXT",
        "DROP INDEX cases_by_updated_at",
        "CREATE INDEX cases_for_the_list ON cases (updated_at, id, search)",
        """CREATE TRIGGER cases_search_when_added
            AFTER INSERT ON cases WHEN NEW.search IS NULL
            BEGIN
                UPDATE cases SET search = lower(NEW.reference || ' ' || NEW.name) WHERE id = NEW.id;
            END""",
        # How many cases there are, kept as cases come and go (by this app or any other program), so the case
        # list's "N of M" never counts 100,000 rows.
        "INSERT INTO meta (key, value) VALUES ('cases', (SELECT count(*) FROM cases))",
        """CREATE TRIGGER cases_counted_when_added
            AFTER INSERT ON cases
            BEGIN
                UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'cases';
            END""",
        """CREATE TRIGGER cases_counted_when_removed
            AFTER DELETE ON cases
            BEGIN
                UPDATE meta SET value = CAST(value AS INTEGER) - 1 WHERE key = 'cases';
            END""",
        """CREATE TRIGGER cases_search_when_renamed
            AFTER UPDATE OF reference, name ON cases WHEN NEW.search IS OLD.search
            BEGIN
                UPDATE cases SET search = lower(NEW.reference || ' ' || NEW.name) WHERE id = NEW.id;
            END""",
    ):
        db.execute(statement)
    answers: dict[tuple[int, str], str | None] = {}
    for case_id, question_id, value in db.execute(
        "SELECT case_id, question_id, value FROM answers WHERE question_id IN (?, ?) AND status = 'answered'",
        [PREFERRED_NAME, AREA],
    ):
        try:
            text = json.loads(value) if value is not None else None
        except ValueError:
            text = None  # unreadable: the case list reports it when it shows the case
        answers[(case_id, question_id)] = text if isinstance(text, str) else None
    db.conn.executemany(
        "UPDATE cases SET search = ? WHERE id = ?",
        [
            (search_text(reference, name, answers.get((case_id, PREFERRED_NAME)), answers.get((case_id, AREA))), case_id)
            for case_id, reference, name in db.execute("SELECT id, reference, name FROM cases").fetchall()
            if isinstance(reference, str) and isinstance(name, str)
        ],
    )
    _set_schema_version(db, 4)


# Every migration this code knows, in order, and the schema version they bring a database to.
KNOWN_MIGRATIONS: tuple[str, ...] = migrations.names
SCHEMA_VERSION = len(KNOWN_MIGRATIONS)


def pending(conn: sqlite3.Connection) -> list[str]:
    """The known migrations not yet applied to this database, in order. Reads only, with plain sqlite3."""
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [MIGRATIONS_TABLE]
    ).fetchone()
    applied: set[str] = set()
    if has_table:
        rows = conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?", [MIGRATION_SET])
        applied = {name for (name,) in rows}
    return [name for name in KNOWN_MIGRATIONS if name not in applied]
