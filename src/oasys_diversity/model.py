"""The vocabulary every other module speaks: questions, answers, assessments, plans.

Pure pydantic types. Nothing here touches SQLite, files or Textual, so the store, the planner,
the exports and the screens can all share them without importing each other.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ASSESSMENT_FORMAT = "oasys-diversity/assessment@1"

# Dates a record can hold (an assessment's date, a date answer): anything else is a typing or file error,
# and dates near year 9999 break date arithmetic in the planner and the exports.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# The longest note or typed answer kept, in characters (about eight pages): longer is refused with a message.
MAX_NOTE_CHARS = 20_000


def date_in_range(day: date) -> bool:
    """True for a date from 1900-01-01 to 2100-12-31."""
    return EARLIEST_DATE <= day <= LATEST_DATE


def too_long(text: str | None) -> str | None:
    """A message when `text` is over MAX_NOTE_CHARS (it never quotes the text), else None."""
    if text is None or len(text) <= MAX_NOTE_CHARS:
        return None
    return f"is {len(text):,} characters long; the most kept is {MAX_NOTE_CHARS:,}"


SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
QUESTION_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")

# ---------------------------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------------------------

AnswerStatus = Literal["answered", "declined", "not_discussed", "not_applicable"]
ANSWER_STATUSES: tuple[str, ...] = ("answered", "declined", "not_discussed", "not_applicable")

STATUS_LABELS = {
    "answered": "Answered",
    "declined": "Declined to say",
    "not_discussed": "Not yet discussed",
    "not_applicable": "Does not apply",
}

AnswerKind = Literal["single", "multi", "yes_no_unsure", "text", "number", "date"]
YES_NO_UNSURE = ("yes", "no", "unsure")

# single / yes_no_unsure: a code; multi: a list of codes (an empty list means "discussed, nothing
# to add"); text: the person's own words; number: int or float; date: "YYYY-MM-DD".
AnswerValue = str | int | float | list[str] | None


class Answer(BaseModel):
    """One question's answer. Only `answered` carries a value; silence is `not_discussed`."""

    model_config = ConfigDict(extra="forbid")

    question_id: str
    status: AnswerStatus = "not_discussed"
    value: AnswerValue = None
    # The person's own words about this answer, kept verbatim (shown as a quote).
    note: str | None = None
    answered_at: datetime | None = None
    officer: str | None = None

    @model_validator(mode="after")
    def _only_answered_has_value(self) -> Answer:
        if self.status != "answered" and self.value is not None:
            raise ValueError(f"{self.question_id}: a {self.status} answer carries no value")
        return self

    @property
    def is_answered(self) -> bool:
        return self.status == "answered"


class Case(BaseModel):
    """Who the assessment is about and who did it. `id` is the store's id, None outside a store."""

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    reference: str
    name: str
    officer: str
    assessed_on: date

    @field_validator("reference", "name", "officer")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("assessed_on")
    @classmethod
    def _plausible_date(cls, value: date) -> date:
        if not date_in_range(value):
            raise ValueError(f"must be a date from {EARLIEST_DATE.year} to {LATEST_DATE.year}")
        return value


class Assessment(BaseModel):
    """A case and its answers. A question missing from `answers` is `not_discussed`."""

    case: Case
    answers: dict[str, Answer] = Field(default_factory=dict)

    def answer(self, question_id: str) -> Answer:
        found = self.answers.get(question_id)
        return found if found is not None else Answer(question_id=question_id)

    def status(self, question_id: str) -> str:
        return self.answer(question_id).status

    def value(self, question_id: str) -> AnswerValue:
        return self.answer(question_id).value


# ---------------------------------------------------------------------------------------------
# Conditions: the one declarative language for `show_if` and for plan rules. Never eval.
# ---------------------------------------------------------------------------------------------

ConditionOp = Literal[
    "equals",  # answered and value == value (single, yes_no_unsure, text, number)
    "not_equals",  # answered and value != value
    "in",  # answered and value is one of the list
    "not_in",  # answered and value is none of the list
    "includes",  # multi: answered and the list contains value
    "includes_any",  # multi: answered and the list shares a code with value (a list)
    "gt",
    "gte",
    "lt",
    "lte",  # number: answered and compares with value
    "status",  # the answer's status is value (a status or list of statuses)
    "answered",  # shorthand for status == answered (value ignored)
]


class Condition(BaseModel):
    """Either a test of one answer (`question` + `op` [+ `value`]) or a combination.

    TOML examples::

        show_if = { question = "immigration.status", op = "in", value = ["asylum_seeker", "refugee"] }
        when = { all = [ { question = "person.gender", op = "equals", value = "woman" },
                         { not = { question = "person.area", op = "status", value = "declined" } } ] }
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    question: str | None = None
    op: ConditionOp | None = None
    value: Any = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _one_shape(self) -> Condition:
        shapes = [self.question is not None, self.all is not None, self.any is not None, self.not_ is not None]
        if sum(shapes) != 1:
            raise ValueError("a condition needs exactly one of: question (with op), all, any, not")
        if self.question is not None and self.op is None:
            raise ValueError(f"condition on {self.question} needs an op")
        if self.op in ("in", "not_in", "includes_any") and not isinstance(self.value, list):
            raise ValueError(f"op {self.op} needs a list value")
        if self.op == "status":
            statuses = self.value if isinstance(self.value, list) else [self.value]
            bad = [s for s in statuses if s not in ANSWER_STATUSES]
            if bad:
                raise ValueError(f"unknown status {bad[0]!r}; use one of {', '.join(ANSWER_STATUSES)}")
        return self

    def question_ids(self) -> list[str]:
        """Every question this condition reads, in order (for validation and for `because`)."""
        found: list[str] = []
        if self.question is not None:
            found.append(self.question)
        for child in (self.all or []) + (self.any or []) + ([self.not_] if self.not_ else []):
            found.extend(q for q in child.question_ids() if q not in found)
        return found

    def codes(self) -> list[tuple[str, str]]:
        """(question id, code) pairs this condition names, so a bank check can find unknown codes."""
        pairs: list[tuple[str, str]] = []
        if self.question is not None and self.op not in ("status", "answered", "gt", "gte", "lt", "lte"):
            values = self.value if isinstance(self.value, list) else [self.value]
            pairs.extend((self.question, v) for v in values if isinstance(v, str))
        for child in (self.all or []) + (self.any or []) + ([self.not_] if self.not_ else []):
            pairs.extend(child.codes())
        return pairs

    def evaluate(self, answers: dict[str, Answer]) -> bool:
        """True when the condition holds for these answers. Missing answers are `not_discussed`."""
        if self.all is not None:
            return all(c.evaluate(answers) for c in self.all)
        if self.any is not None:
            return any(c.evaluate(answers) for c in self.any)
        if self.not_ is not None:
            return not self.not_.evaluate(answers)
        assert self.question is not None
        answer = answers.get(self.question) or Answer(question_id=self.question)
        if self.op == "status":
            statuses = self.value if isinstance(self.value, list) else [self.value]
            return answer.status in statuses
        if self.op == "answered":
            return answer.status == "answered"
        # Every value test needs an actual answer: silence never satisfies a rule.
        if answer.status != "answered" or answer.value is None:
            return False
        got = answer.value
        want = self.value
        match self.op:
            case "equals":
                return got == want
            case "not_equals":
                return got != want
            case "in":
                return got in want
            case "not_in":
                return got not in want
            case "includes":
                return isinstance(got, list) and want in got
            case "includes_any":
                return isinstance(got, list) and any(code in got for code in want)
            case "gt" | "gte" | "lt" | "lte":
                if not isinstance(got, int | float) or isinstance(got, bool):
                    return False
                return {
                    "gt": got > want,
                    "gte": got >= want,
                    "lt": got < want,
                    "lte": got <= want,
                }[self.op]
        return False


# ---------------------------------------------------------------------------------------------
# The question bank
# ---------------------------------------------------------------------------------------------


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    label: str
    # A heading the option sits under (the five ONS ethnic groups, for example).
    group: str | None = None
    # Picking this option invites the person's own description (e.g. "Any other ethnic group").
    describe: bool = False


class Guidance(BaseModel):
    """What the officer reads to themselves, not aloud."""

    model_config = ConfigDict(extra="forbid")

    why: str  # why it matters
    listen_for: str  # what to listen for
    if_declined: str  # how to respond if the person would rather not


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: AnswerKind
    # The words an officer can say, as they would say them.
    prompt: str
    # A short label for lists, review and exports ("Religion", "Interpreter needed").
    label: str
    guidance: Guidance
    options: list[Option] = Field(default_factory=list)
    show_if: Condition | None = None
    # Shown above the notes box: what own words to capture here.
    note_prompt: str | None = None
    # Sensitive questions come after the domain's check-in.
    sensitive: bool = False
    # "core": on the conversation that fits one supervision; "deeper": offered per domain afterwards.
    # A bank written before depths existed is all core, as its questions all were.
    depth: Literal["core", "deeper"] = "core"
    min: float | None = None
    max: float | None = None
    # Why this answer is kept for the record only and feeds no plan rule (`questions check` reports a question
    # that no rule, guard, warning, referral match or summary section reads, unless it says why here).
    record_only: str | None = None
    # Filled in by the loader from the file the question came from.
    domain: str = ""
    source_file: str | None = None
    source_line: int | None = None

    @property
    def is_follow_up(self) -> bool:
        return self.show_if is not None

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)

    def codes(self) -> list[str]:
        if self.kind == "yes_no_unsure" and not self.options:
            return list(YES_NO_UNSURE)
        return [o.code for o in self.options]

    def label_for(self, code: str) -> str:
        found = self.option(code)
        if found is not None:
            return found.label
        return {"yes": "Yes", "no": "No", "unsure": "Not sure"}.get(code, code)

    def check_value(self, value: Any) -> Any:
        """Return the value in its stored shape, or raise ValueError naming what is wrong."""
        where = self.id
        if self.kind in ("single", "yes_no_unsure"):
            if not isinstance(value, str) or value not in self.codes():
                raise ValueError(f"{where}: unknown code {value!r}; expected one of {', '.join(self.codes())}")
            return value
        if self.kind == "multi":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{where}: expected a list of codes")
            unknown = [v for v in value if v not in self.codes()]
            if unknown:
                raise ValueError(f"{where}: unknown code {unknown[0]!r}")
            return list(dict.fromkeys(value))
        if self.kind == "text":
            if not isinstance(value, str):
                raise ValueError(f"{where}: expected text")
            if (problem := too_long(value)) is not None:
                raise ValueError(f"{where}: the answer {problem}")
            return value
        if self.kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{where}: expected a number")
            if self.min is not None and value < self.min:
                raise ValueError(f"{where}: must be at least {self.min:g}")
            if self.max is not None and value > self.max:
                raise ValueError(f"{where}: must be at most {self.max:g}")
            return value
        if self.kind == "date":
            if not isinstance(value, str):
                raise ValueError(f"{where}: expected a date as YYYY-MM-DD")
            try:
                day = date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{where}: expected a date as YYYY-MM-DD") from None
            if not date_in_range(day):
                raise ValueError(f"{where}: expected a date from {EARLIEST_DATE.year} to {LATEST_DATE.year}")
            return value
        raise ValueError(f"{where}: unknown kind {self.kind}")


class CheckIn(BaseModel):
    """Words to check how the person is doing before the most sensitive questions."""

    model_config = ConfigDict(extra="forbid")

    before: str  # the question id it comes before
    text: str


class Domain(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    order: int
    # Read out at the start: why we ask, that they may decline or pause, what happens with answers.
    introduction: str
    check_in: CheckIn | None = None
    questions: list[Question] = Field(default_factory=list)
    source_file: str | None = None


class QuestionBank(BaseModel):
    domains: list[Domain]
    source_dir: str | None = None

    def model_post_init(self, __context: Any) -> None:
        self.domains.sort(key=lambda d: d.order)
        self._by_id = {q.id: q for d in self.domains for q in d.questions}

    @property
    def questions(self) -> list[Question]:
        return [q for d in self.domains for q in d.questions]

    def question(self, question_id: str) -> Question:
        try:
            return self._by_id[question_id]
        except KeyError:
            raise KeyError(f"unknown question id {question_id!r}") from None

    def has(self, question_id: str) -> bool:
        return question_id in self._by_id

    def domain(self, domain_id: str) -> Domain:
        for found in self.domains:
            if found.id == domain_id:
                return found
        raise KeyError(f"unknown domain {domain_id!r}")

    def is_visible(self, question: Question | str, answers: dict[str, Answer]) -> bool:
        """A follow-up is shown only while its `show_if` holds."""
        if isinstance(question, str):
            question = self.question(question)
        return question.show_if is None or question.show_if.evaluate(answers)

    def visible_questions(self, answers: dict[str, Answer], domain_id: str | None = None) -> list[Question]:
        return [
            q
            for d in self.domains
            if domain_id is None or d.id == domain_id
            for q in d.questions
            if self.is_visible(q, answers)
        ]


# ---------------------------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------------------------

# The OASys need areas, plus responsivity for how supervision itself is delivered.
NeedArea = Literal[
    "accommodation",
    "education_training_employability",
    "financial_management",
    "relationships",
    "lifestyle_associates",
    "drugs",
    "alcohol",
    "emotional_wellbeing",
    "thinking_behaviour",
    "attitudes",
    "health_other",
    "responsivity",
]
NEED_AREA_LABELS = {
    "accommodation": "Accommodation",
    "education_training_employability": "Education, training and employability",
    "financial_management": "Financial management and income",
    "relationships": "Relationships",
    "lifestyle_associates": "Lifestyle and associates",
    "drugs": "Drug misuse",
    "alcohol": "Alcohol misuse",
    "emotional_wellbeing": "Emotional well-being",
    "thinking_behaviour": "Thinking and behaviour",
    "attitudes": "Attitudes",
    "health_other": "Health and other considerations",
    "responsivity": "Responsivity (how supervision is delivered)",
}

# Who does it, as in the HMPPS sentence plan.
OwnerRole = Literal[
    "person",
    "probation_practitioner",
    "prison_offender_manager",
    "programme_staff",
    "partnership_agency",
    "crs_provider",
    "someone_else",
]
OWNER_LABELS = {
    "person": "The person on probation",
    "probation_practitioner": "Probation practitioner",
    "prison_offender_manager": "Prison offender manager",
    "programme_staff": "Programme staff",
    "partnership_agency": "Partnership agency",
    "crs_provider": "Commissioned rehabilitative services provider",
    "someone_else": "Someone else",
}

# suggested: untouched output of the rules (recomputed freely); edited / accepted: the officer's,
# kept across recomputes; declined: the officer set it aside (kept, with a reason); added: the officer's own.
ItemState = Literal["suggested", "edited", "accepted", "declined", "added"]


class Objective(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str  # stable: the rule id for suggestions, "own-N" for the officer's own
    need_area: NeedArea
    action: str  # what will happen, in words the person would understand
    owner: OwnerRole
    owner_name: str | None = None  # named, where "someone else" or a particular agency
    target_date: date
    measure: str  # how progress will be known
    because: list[str] = Field(default_factory=list)  # question ids whose answers caused it
    person_view: str | None = None
    state: ItemState = "suggested"
    reason: str | None = None  # why declined, when declined
    rule_id: str | None = None
    # The officer's decisions, each its own field so that no action overwrites another: recording the
    # person's view never clears "accepted", and accepting never hides an edit. `state` is derived from them
    # (kept for plan JSON readers); a plan saved before these fields existed has them derived from `state`.
    title: str | None = None  # the officer's title; None means the rule's title (or the need area)
    accepted: bool = False
    declined: bool = False  # set aside, with `reason`
    edited: bool = False  # the officer changed its wording, title, owner, date or measure
    edited_fields: list[str] = Field(default_factory=list)  # which of those, in the order first changed
    own: bool = False  # the officer's own objective, not from a rule
    # Other rules of the same merge group whose parts were joined into this objective (the planner's merging).
    merged_from: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _decisions_from_state(cls, data: Any) -> Any:
        """A plan saved before the separate decision fields: read them from its single `state`."""
        if not isinstance(data, dict) or any(key in data for key in DECISION_FIELDS):
            return data
        state = data.get("state", "suggested")
        legacy_own = data.get("rule_id") is None and str(data.get("id", "")).startswith("own-")
        return {
            **data,
            "accepted": state == "accepted",
            "declined": state == "declined",
            "edited": state == "edited",
            "own": state == "added" or (state == "declined" and legacy_own),
        }

    @model_validator(mode="after")
    def _state_from_decisions(self) -> Objective:
        self.state = objective_state(self)
        return self

    @property
    def kept_by_officer(self) -> bool:
        """Anything the officer did or recorded: a recompute keeps the objective exactly as it is."""
        return self.own or self.accepted or self.declined or self.edited or bool(self.person_view)


DECISION_FIELDS = ("accepted", "declined", "edited", "own")

# What the officer can change on an objective, named as the screens and exports name them.
EDITED_FIELD_LABELS = {
    "title": "title",
    "need_area": "need area",
    "action": "what will happen",
    "owner": "who",
    "owner_name": "their name",
    "target_date": "target date",
    "measure": "how we will know",
}


def objective_state(objective: Objective) -> ItemState:
    """The one-word state plan JSON has always carried, derived from the separate decisions."""
    if objective.declined:
        return "declined"
    if objective.own:
        return "added"
    if objective.accepted:
        return "accepted"
    return "edited" if objective.edited else "suggested"


def objective_status(objective: Objective) -> str:
    """Every decision on an objective, truly named: "Accepted; changed by the officer (target date)"."""
    if objective.declined:
        parts = ["Set aside"]
    elif objective.own:
        parts = ["Added by the officer"] + (["accepted"] if objective.accepted else [])
    else:
        parts = ["Accepted" if objective.accepted else "Suggested, not yet accepted"]
    if objective.edited and not objective.own:
        changed = ", ".join(EDITED_FIELD_LABELS.get(name, name) for name in objective.edited_fields)
        parts.append(f"changed by the officer ({changed})" if changed else "changed by the officer")
    return "; ".join(parts)


ReferralState = Literal["suggested", "accepted", "declined"]


class Referral(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str  # stable: the directory service id
    organisation: str
    service: str
    needs: list[str] = Field(default_factory=list)  # the need tags it answers
    because: list[str] = Field(default_factory=list)  # question ids
    assured_date: date | None = None
    stale: bool = False  # assured over 12 months before the plan date
    how_to_refer: str | None = None
    contact: str | None = None
    state: ReferralState = "suggested"
    reason: str | None = None  # the officer's reason, when declined
    # The objectives (in the plan, or also suggested) whose needs it serves, most urgent first.
    for_objectives: list[str] = Field(default_factory=list)
    # How it fits what the person told us, in short words ("in Birmingham", "in Somali", "for women").
    fits: list[str] = Field(default_factory=list)


Agreement = Literal["not_yet_asked", "agrees", "does_not_agree", "could_not_answer"]
AGREEMENT_LABELS = {
    "not_yet_asked": "Not yet asked",
    "agrees": "Agrees with the plan",
    "does_not_agree": "Does not agree with the plan",
    "could_not_answer": "Could not answer",
}


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    built_on: date
    objectives: list[Objective] = Field(default_factory=list)
    referrals: list[Referral] = Field(default_factory=list)
    to_discuss: list[str] = Field(default_factory=list)  # question ids not yet discussed
    declined: list[str] = Field(default_factory=list)  # question ids the person chose not to answer
    warnings: list[str] = Field(default_factory=list)
    agreement: Agreement = "not_yet_asked"
    agreement_reason: str | None = None  # the person's reasons, in their words
    agreed_on: date | None = None  # the day they said they agree (kept while they still do)
    # Suggestions beyond the plan's limit, most urgent first, for the officer to promote.
    also_suggested: list[Objective] = Field(default_factory=list)
    # What a guard left out, and why: for the officer's information, not a warning.
    left_out: list[str] = Field(default_factory=list)
    # Services beyond the referrals in the plan (plan_referrals.py): other matches for the plan's needs, and
    # services for the also-suggested objectives, most relevant first, for the officer to bring in.
    further_referrals: list[Referral] = Field(default_factory=list)


def is_snake_case(code: str) -> bool:
    return bool(SNAKE_CASE.match(code))
