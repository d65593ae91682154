"""One sitting with the person: the language it is in and the interpreter, recorded before the opening words.

A case has many sessions. The latest one says whether an interpreter is needed and not there, in which case
every screen says so, the plan stays a draft and "agrees" needs the officer's reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from oasys_diversity.model import Answer, QuestionBank

InterpreterStatus = Literal["present", "needed", "not_needed"]
InterpreterMode = Literal["in_person", "phone", "video"]

INTERPRETER_LABELS: dict[InterpreterStatus, str] = {
    "present": "An interpreter is here (in the room, on the phone or on video)",
    "needed": "An interpreter is needed but is not here",
    "not_needed": "No interpreter is needed",
}
MODE_LABELS: dict[InterpreterMode, str] = {"in_person": "In person", "phone": "By phone", "video": "By video"}

# Shown at the top of every screen while an interpreter is needed and not there.
NO_INTERPRETER_BANNER = "⚠ Interpreter needed, not here · the plan is a draft, nothing agreed · ctrl+l"


class ConversationSession(BaseModel):
    """What the officer recorded at the start of a sitting."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    case_id: int
    started_at: datetime | None = None
    officer: str | None = None
    # The language this conversation is in, as the officer typed it ("English", "Farsi").
    language: str
    interpreter: InterpreterStatus
    # The interpreter's language (needed, or here) and, when here, how they joined.
    interpreter_language: str | None = None
    interpreter_mode: InterpreterMode | None = None

    @field_validator("language", "interpreter_language")
    @classmethod
    def _trimmed(cls, value: str | None) -> str | None:
        return value.strip() if value is not None and value.strip() else None

    @model_validator(mode="after")
    def _fits(self) -> ConversationSession:
        if not self.language:
            raise ValueError("language: say which language this conversation is in")
        if self.interpreter != "not_needed" and not self.interpreter_language:
            raise ValueError("interpreter_language: say which language the interpreter is for")
        if self.interpreter == "present" and self.interpreter_mode is None:
            raise ValueError("interpreter_mode: say how the interpreter joined (in person, phone or video)")
        if self.interpreter == "not_needed":
            self.interpreter_language = None
        if self.interpreter != "present":
            self.interpreter_mode = None
        return self

    @property
    def interpreter_missing(self) -> bool:
        """True when an interpreter is needed and not there: nothing may be treated as agreed."""
        return self.interpreter == "needed"

    def summary(self) -> str:
        """One line for the screen: "Farsi · interpreter by phone (Farsi)"."""
        if self.interpreter == "not_needed":
            return f"In {self.language}, no interpreter needed"
        if self.interpreter == "needed":
            return f"In {self.language}; a {self.interpreter_language} interpreter is needed and not here"
        mode = MODE_LABELS[self.interpreter_mode or "in_person"].lower()
        return f"In {self.language}, with a {self.interpreter_language} interpreter {mode}"


def prefill_answers(
    session: ConversationSession, answers: dict[str, Answer], bank: QuestionBank | None
) -> list[Answer]:
    """The answers this sitting's language step already gives, for questions not yet discussed, so they are not
    asked again: an interpreter needed (or here) answers "Interpreter needed: yes" and the interpreter's
    language. Nothing else is assumed: no interpreter today is not a "no" for good."""
    if session.interpreter == "not_needed":
        return []
    given = {
        "language.interpreter_needed": "yes",
        "language.interpreter_language": session.interpreter_language,
    }
    filled: list[Answer] = []
    for question_id, value in given.items():
        existing = answers.get(question_id)
        untouched = existing is None or (existing.status == "not_discussed" and existing.value is None)
        if value and untouched and (bank is None or bank.has(question_id)):
            note = existing.note if existing is not None else None
            filled.append(Answer(question_id=question_id, status="answered", value=value, note=note))
    return filled


DRAFT_MARK = "DRAFT: an interpreter was needed and not there"


def export_banner(banner: str | None, interpreter_missing: bool) -> str | None:
    """The banner an export carries: while an interpreter is missing the plan is a draft, and every page says so."""
    if not interpreter_missing:
        return banner
    return f"{banner} · {DRAFT_MARK}" if banner else DRAFT_MARK
