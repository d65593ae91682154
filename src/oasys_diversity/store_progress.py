"""Each case's progress, kept on its row: answered / declined / not yet discussed over the questions that apply.

Which questions apply depends on the person's answers (a follow-up shows only while its `show_if` holds),
so counting needs the question bank. Counting every case at start-up does not scale (1.25 s at 10,000
cases), so the count is kept in `cases.progress_*` and written in the same transaction as the answer that
changes it. It is stamped with the bank it was counted with (`bank_stamp`): after the question bank is
edited, a case whose stamp differs is counted again when it is next shown, and the new count written back.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

from oasys_diversity.model import Answer, Condition, QuestionBank
from oasys_diversity.store_case_list import CaseRow
from oasys_diversity.store_open import StoreError

if TYPE_CHECKING:
    import sqlite_utils

# SQLite's limit on host parameters is far above this; a page of the case list is 100.
_CHUNK = 500


class Progress(NamedTuple):
    answered: int
    declined: int
    not_discussed: int
    total: int


class _Shape:
    """What counting needs from one bank, worked out once: its stamp, the questions `show_if` conditions read,
    and which questions apply for each set of deciding answers met so far."""

    def __init__(self, bank: QuestionBank) -> None:
        self.bank = bank
        shape = [
            [q.id, None if q.show_if is None else q.show_if.model_dump(mode="json", exclude_none=True, by_alias=True)]
            for q in bank.questions
        ]
        self.stamp = hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]
        self.deciding = _deciding_questions(bank)
        # Only follow-ups can be hidden: the rest are always shown.
        self.always_shown = [q.id for q in bank.questions if q.show_if is None]
        self.follow_ups = [q for q in bank.questions if q.show_if is not None]
        self.visible_for: dict[tuple, frozenset[str]] = {}

    def visible(self, case_id: int, key: tuple) -> frozenset[str]:
        """The questions that apply given these deciding answers ((question id, status, value JSON) sorted)."""
        found = self.visible_for.get(key)
        if found is not None:
            return found
        answers = {}
        for qid, status, value in key:
            try:
                answers[qid] = Answer(
                    question_id=qid, status=status, value=None if value is None else json.loads(value)
                )
            except (TypeError, ValueError):  # not JSON, or a status/value pydantic refuses
                raise _unreadable(case_id, qid) from None
        shown = [q.id for q in self.follow_ups if self.bank.is_visible(q, answers)]
        if len(self.visible_for) >= _VISIBLE_KEPT:
            self.visible_for.clear()
        found = self.visible_for[key] = frozenset(self.always_shown + shown)
        return found


# Each bank object seen, kept with the bank so its id is not reused while cached. Sets of deciding answers
# remembered per bank (a team's cases share a few hundred at most).
_shapes: dict[int, _Shape] = {}
_VISIBLE_KEPT = 4096


def _shape(bank: QuestionBank) -> _Shape:
    cached = _shapes.get(id(bank))
    if cached is None or cached.bank is not bank:
        cached = _shapes[id(bank)] = _Shape(bank)
    return cached


def bank_stamp(bank: QuestionBank) -> str:
    """A short fingerprint of what decides which questions apply: the question ids and their `show_if`."""
    return _shape(bank).stamp


def _deciding_questions(bank: QuestionBank) -> dict[str, bool]:
    """Questions that `show_if` conditions read, and whether any reads the value (not just the status)."""
    found: dict[str, bool] = {}

    def walk(condition: Condition) -> None:
        if condition.question is not None:
            reads_value = condition.op not in ("status", "answered")
            found[condition.question] = found.get(condition.question, False) or reads_value
        for child in (condition.all or []) + (condition.any or []) + ([condition.not_] if condition.not_ else []):
            walk(child)

    for question in bank.questions:
        if question.show_if is not None:
            walk(question.show_if)
    return found


def _unreadable(case_id: int, question_id: object) -> StoreError:
    shown = question_id if isinstance(question_id, str) else "a question"
    return StoreError(
        f"case {case_id}: the stored answer to {shown} cannot be read (was the database changed by another program?)"
    )


def _in_chunks(case_ids: list[int]) -> Iterable[tuple[str, list[int]]]:
    for start in range(0, len(case_ids), _CHUNK):
        chunk = case_ids[start : start + _CHUNK]
        yield f"case_id IN ({', '.join('?' for _ in chunk)})", chunk


def count_progress(
    db: sqlite3.Connection | sqlite_utils.Database, bank: QuestionBank, case_ids: Iterable[int] | None = None
) -> dict[int, Progress]:
    """Progress for the given cases (None: every case), over the questions visible for each one's answers.

    Two queries per 500 cases: the answers `show_if` conditions read, and each case's question ids
    grouped by status. Visibility is worked out once per distinct set of deciding answers (most cases
    share one) and counted with set operations. A case with no answers has nothing discussed yet.
    """
    wanted = None if case_ids is None else sorted(set(case_ids))
    filters = [("1", [])] if wanted is None else list(_in_chunks(wanted))
    shape = _shape(bank)
    deciding = shape.deciding
    deciding_rows: dict[int, list[tuple[str, str, str | None]]] = defaultdict(list)
    grouped: list[tuple[int, str, str]] = []
    for where, values in filters:
        if deciding:
            marks = ", ".join("?" for _ in deciding)
            sql = f"SELECT case_id, question_id, status, value FROM answers WHERE {where} AND question_id IN ({marks})"
            for case_id, question_id, status, value in db.execute(sql, [*values, *deciding]):
                # A condition that only asks whether it was answered does not need the words themselves.
                deciding_rows[case_id].append((question_id, status, value if deciding[question_id] else None))
        # char(31), the unit separator, cannot occur in a question id.
        grouped += db.execute(
            "SELECT case_id, status, group_concat(question_id, char(31)) FROM answers "
            f"WHERE {where} AND status != 'not_discussed' GROUP BY case_id, status ORDER BY case_id",
            values,
        ).fetchall()

    def visible(case_id: int) -> frozenset[str]:
        return shape.visible(case_id, tuple(sorted(deciding_rows.get(case_id, ()))))

    nothing_yet = len(visible(-1))
    # Every case asked for has a count (None asks for every case: a case with no answers is then left out).
    counts = {case_id: Progress(0, 0, nothing_yet, nothing_yet) for case_id in wanted or ()}
    for case_id, by_status in groupby(grouped, key=itemgetter(0)):
        shown = visible(case_id)
        tally = {"answered": 0, "declined": 0, "not_applicable": 0}
        for _, status, question_ids in by_status:
            tally[status] = len(shown.intersection(question_ids.split("\x1f")))
        # Visible questions with no row, or a not_discussed row, are not yet discussed.
        not_discussed = len(shown) - sum(tally.values())
        counts[case_id] = Progress(tally["answered"], tally["declined"], not_discussed, len(shown))
    return counts


def keep_progress(
    db: sqlite3.Connection | sqlite_utils.Database, bank: QuestionBank, case_ids: Iterable[int]
) -> dict[int, Progress]:
    """Count these cases and write the counts, stamped with the bank, to their rows (inside the caller's
    transaction when there is one). Returns the counts."""
    counts = count_progress(db, bank, case_ids)
    stamp = bank_stamp(bank)
    conn = db.conn if hasattr(db, "conn") else db  # a Database's own executemany is not sqlite3's
    conn.executemany(
        "UPDATE cases SET progress_answered = ?, progress_declined = ?, progress_not_discussed = ?, "
        "progress_total = ?, progress_bank = ? WHERE id = ?",
        [(*progress, stamp, case_id) for case_id, progress in counts.items()],
    )
    return counts


def count_and_keep(db: sqlite_utils.Database, bank: QuestionBank, case_ids: Iterable[int]) -> dict[int, Progress]:
    """Count these cases and keep the counts in a transaction of their own; when the file cannot be written just
    now (busy, read-only), the counts are still returned, to be kept another time."""
    from oasys_diversity.store_open import DB_ERRORS, writing

    ids = list(case_ids)
    try:
        with writing(db):
            return keep_progress(db, bank, ids)
    except DB_ERRORS:
        return count_progress(db, bank, ids)


def progress_of(
    db: sqlite3.Connection | sqlite_utils.Database, bank: QuestionBank, rows: Iterable[CaseRow]
) -> dict[int, Progress]:
    """Progress for rows of the case list: the count kept on each case when made with this bank, counted
    afresh (not written) for the rest."""
    stamp = bank_stamp(bank)
    found: dict[int, Progress] = {}
    stale: list[int] = []
    for row in rows:
        kept = (row.answered, row.declined, row.not_discussed, row.total)
        if row.progress_bank == stamp and None not in kept:
            found[row.id] = Progress(*kept)
        else:
            stale.append(row.id)
    if stale:
        found.update(count_progress(db, bank, stale))
    return found


def forget_progress(db: sqlite3.Connection | sqlite_utils.Database, case_id: int) -> None:
    """The case's answers changed without a bank at hand: its kept count is out of date until counted again."""
    db.execute("UPDATE cases SET progress_bank = NULL WHERE id = ?", [case_id])
