"""Practice scenarios: fictional people a trainee interviews, kept as TOML content in `questions/scenarios/`.

A scenario holds a fictional person (case details), what they say when the trainee reaches each question
(an answer in the interchange value shape, a note in their words, a hesitation, and when they say it), the
facts a good officer should uncover (a Condition on what was recorded) and the plan properties a good plan
must and must not contain. `check_scenarios` reports every problem as `FILE:LINE: message`, so
`oasys-diversity questions check` can point a trainer at the line to fix. Pure: no Textual, no database.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from oasys_diversity.model import AnswerStatus, AnswerValue, Condition, NeedArea, QuestionBank

Difficulty = Literal["starter", "developing", "advanced"]
DIFFICULTY_ORDER = {"starter": 0, "developing": 1, "advanced": 2}

# The inspection's own questions, each a feedback criterion (feedback.py gives their titles and why they matter).
CriterionId = Literal[
    "diversity_explored",
    "self_description",
    "interpreter",
    "right_to_work",
    "trauma",
    "faith",
    "cultural_referral",
    "objectives_complete",
    "person_view",
]
CRITERIA: tuple[str, ...] = CriterionId.__args__  # type: ignore[attr-defined]

# When the person says it: straight away; only once the domain's check-in has been done; or only once the
# trainee has asked a named follow-up question first.
ReplyWhen = Literal["always", "after_check_in", "if_follow_up"]


class ScenarioInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    difficulty: Difficulty
    summary: str  # for the trainer and the picker: what this scenario practises
    based_on: str  # where in the inspection or the voices report the situation comes from


class PracticePerson(BaseModel):
    """The fictional person: what the trainee is told before the session starts."""

    model_config = ConfigDict(extra="forbid")

    name: str
    reference: str
    details: str  # case details, as a referral or handover would give them


class Reply(BaseModel):
    """What the person says when the trainee reaches one question."""

    model_config = ConfigDict(extra="forbid")

    question: str
    status: AnswerStatus = "answered"
    value: AnswerValue = None  # the answer in the interchange shape (a code, a list of codes, text, a number)
    says: str  # their words, shown to the trainee
    hesitation: str | None = None  # shown instead while the reply is held back
    when: ReplyWhen = "always"
    follow_up: str | None = None  # with when = "if_follow_up": the question that must be asked first
    source_line: int | None = None
    key_lines: dict[str, int] = Field(default_factory=dict, exclude=True)  # set by the loader, for errors

    @model_validator(mode="after")
    def _consistent(self) -> Reply:
        if self.status == "answered" and self.value is None:
            raise ValueError("an answered reply needs a value (or set status)")
        if self.status != "answered" and self.value is not None:
            raise ValueError(f"a {self.status} reply carries no value")
        if (self.when == "if_follow_up") != (self.follow_up is not None):
            raise ValueError('`follow_up` goes with when = "if_follow_up", and that needs it')
        if self.when != "always" and not self.hesitation:
            raise ValueError("a reply held back needs a `hesitation`: what the person says until then")
        return self


class Fact(BaseModel):
    """Something a good officer uncovers: it counts as uncovered when `recorded` holds on what was recorded."""

    model_config = ConfigDict(extra="forbid")

    id: str
    criterion: CriterionId
    text: str  # the fact, in the trainer's words
    recorded: Condition
    source_line: int | None = None
    key_lines: dict[str, int] = Field(default_factory=dict, exclude=True)  # set by the loader, for errors


class PlanCheck(BaseModel):
    """One property of a good plan: an objective (rule id), any objective with a tag or in a need area, a
    referral for a need, or the person's agreement recorded. `must` entries must hold; `must_not` must not."""

    model_config = ConfigDict(extra="forbid")

    criterion: CriterionId
    text: str  # what the trainer wants, in plain words
    objective: str | None = None
    tag: str | None = None
    need_area: NeedArea | None = None
    need: str | None = None
    agreement_recorded: bool | None = None
    # With need_area: objectives carrying one of these tags do not count (permitted activities sit under
    # education, training and employability, but are not the employment a person may not take up).
    except_tags: list[str] = Field(default_factory=list)
    source_line: int | None = None
    key_lines: dict[str, int] = Field(default_factory=dict, exclude=True)  # set by the loader, for errors

    @model_validator(mode="after")
    def _one_target(self) -> PlanCheck:
        targets = (self.objective, self.tag, self.need_area, self.need, self.agreement_recorded)
        if sum(t is not None for t in targets) != 1:
            raise ValueError("name exactly one of: objective, tag, need_area, need, agreement_recorded")
        return self


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario: ScenarioInfo
    person: PracticePerson
    reply: list[Reply] = Field(default_factory=list)
    fact: list[Fact] = Field(default_factory=list)
    must: list[PlanCheck] = Field(default_factory=list)
    must_not: list[PlanCheck] = Field(default_factory=list)
    source_file: str | None = None

    @property
    def id(self) -> str:
        return self.scenario.id

    def reply_to(self, question_id: str) -> Reply | None:
        return next((r for r in self.reply if r.question == question_id), None)


class ScenarioError(Exception):
    """Scenarios could not be loaded; `problems` holds one `FILE:LINE: message` each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# ---------------------------------------------------------------------------------------------
# What the trainee sees when they reach a question
# ---------------------------------------------------------------------------------------------


def reply_shown(scenario: Scenario, question_id: str, answered: set[str], checked_in: bool) -> str | None:
    """The person's words at `question_id`, or their hesitation while the reply is held back.

    `answered` holds the question ids already recorded in any way but "not yet discussed" (a follow-up counts
    as asked once it is recorded); `checked_in` says whether the domain's check-in has been done. None when
    the scenario has nothing for this question (the person has nothing to add).
    """
    reply = scenario.reply_to(question_id)
    if reply is None:
        return None
    held = (reply.when == "after_check_in" and not checked_in) or (
        reply.when == "if_follow_up" and reply.follow_up not in answered
    )
    return reply.hesitation if held and reply.hesitation else reply.says


# ---------------------------------------------------------------------------------------------
# Loading and checking
# ---------------------------------------------------------------------------------------------

_TABLE = re.compile(r"^\s*\[\[?\s*([a-z_]+)\s*\]\]?\s*(?:#.*)?$")


def shipped_scenarios_dir() -> Path:
    from oasys_diversity.questions import SCENARIOS_DIR

    return SCENARIOS_DIR


def _table_lines(text: str) -> dict[str, list[int]]:
    """Where each table and array-of-tables entry starts, by name, so errors can point at a line."""
    found: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _TABLE.match(line)
        if match:
            found.setdefault(match.group(1), []).append(number)
    return found


def _line_of(loc: tuple[Any, ...], lines: dict[str, list[int]], text_lines: list[str]) -> int:
    """The line of the table an error is in, or of the key itself when the error names one."""
    if not loc or not isinstance(loc[0], str):
        return 1
    starts = lines.get(loc[0], [1])
    index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else 0
    start = starts[index] if index < len(starts) else starts[0]
    key = next((part for part in loc[1:] if isinstance(part, str)), None)
    return _key_line(text_lines, start, key) if key else start


def _key_line(text_lines: list[str], start: int, key: str) -> int:
    """The line where `key = ...` is set in the table starting at `start` (the table's line if not found)."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number in range(start, len(text_lines)):
        line = text_lines[number]
        if _TABLE.match(line):
            break
        if pattern.match(line):
            return number + 1
    return start


def read_scenario(path: Path) -> tuple[Scenario | None, list[str]]:
    """One scenario file and its problems (`FILE:LINE: message`), before any check against the bank."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [f"{path}:1: cannot read: {error.__class__.__name__}"]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        return None, [f"{path}:{match.group(1) if match else 1}: bad TOML: {str(error).split(' (at')[0]}"]
    lines = _table_lines(text)
    text_lines = text.splitlines()
    for key in ("reply", "fact", "must", "must_not"):
        entries = data.get(key)
        if isinstance(entries, list):
            for index, entry in enumerate(entries):
                if isinstance(entry, dict):
                    entry["source_line"] = _line_of((key, index), lines, text_lines)
                    entry["key_lines"] = {k: _line_of((key, index, k), lines, text_lines) for k in entry}
    try:
        return Scenario.model_validate({**data, "source_file": str(path)}), []
    except ValidationError as error:
        problems = []
        for detail in error.errors():
            loc = tuple(p for p in detail["loc"] if p not in ("function-after",))
            where = ".".join(str(p) for p in loc) or "file"
            problems.append(f"{path}:{_line_of(loc, lines, text_lines)}: {where}: {detail['msg']}")
        return None, problems


def _bank_problems(scenario: Scenario, bank: QuestionBank, known_rules: set[str] | None) -> list[str]:
    """What only the bank (and the rules) can reveal: unknown question ids, values that do not fit, unknown rules."""
    from oasys_diversity.rules import condition_problems

    path = scenario.source_file
    problems: list[str] = []
    seen: set[str] = set()
    for reply in scenario.reply:
        at = f"{path}:{reply.key_lines.get('question', reply.source_line or 1)}"
        if not bank.has(reply.question):
            problems.append(f"{at}: reply: unknown question id {reply.question!r}")
            continue
        if reply.question in seen:
            problems.append(f"{at}: reply: {reply.question} has a reply already")
        seen.add(reply.question)
        if reply.value is not None:
            try:
                bank.question(reply.question).check_value(reply.value)
            except ValueError as error:
                problems.append(f"{path}:{reply.key_lines.get('value', reply.source_line or 1)}: reply: {error}")
        if reply.follow_up is not None and not bank.has(reply.follow_up):
            problems.append(f"{at}: reply {reply.question}: follow_up names unknown question {reply.follow_up!r}")
        if reply.when == "after_check_in":
            domain = bank.domain(reply.question.split(".")[0])
            if domain.check_in is None:
                problems.append(f"{at}: reply {reply.question}: the {domain.id} domain has no check-in")
    fact_ids: set[str] = set()
    for fact in scenario.fact:
        at = f"{path}:{fact.source_line or 1}"
        if fact.id in fact_ids:
            problems.append(f"{at}: fact: duplicate id {fact.id!r}")
        fact_ids.add(fact.id)
        at = f"{path}:{fact.key_lines.get('recorded', fact.source_line or 1)}"
        problems.extend(f"{at}: fact {fact.id}: {p}" for p in condition_problems(fact.recorded, bank))
    if known_rules is not None:
        for check in scenario.must + scenario.must_not:
            if check.objective is not None and check.objective not in known_rules:
                problems.append(
                    f"{path}:{check.source_line or 1}: plan check: unknown objective rule {check.objective!r}"
                )
    return problems


def scenario_files(folder: Path | None = None) -> list[Path]:
    folder = folder if folder is not None else shipped_scenarios_dir()
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def check_scenarios(folder: Path | None, bank: QuestionBank, known_rules: set[str] | None = None) -> list[str]:
    """Every problem in the scenario files of `folder` (None: the shipped ones), one `FILE:LINE: message` each."""
    problems: list[str] = []
    ids: dict[str, str] = {}
    for path in scenario_files(folder):
        scenario, found = read_scenario(path)
        problems.extend(found)
        if scenario is None:
            continue
        if scenario.id in ids:
            problems.append(f"{path}:1: scenario id {scenario.id!r} is used by {ids[scenario.id]} too")
        ids[scenario.id] = path.name
        problems.extend(_bank_problems(scenario, bank, known_rules))
    return problems


def load_scenarios(folder: Path | None, bank: QuestionBank, known_rules: set[str] | None = None) -> list[Scenario]:
    """The scenarios in `folder`, easiest first. Raises ScenarioError listing every problem."""
    problems = check_scenarios(folder, bank, known_rules)
    if problems:
        raise ScenarioError(problems)
    found = [s for s in (read_scenario(p)[0] for p in scenario_files(folder)) if s is not None]
    return sorted(found, key=lambda s: (DIFFICULTY_ORDER[s.scenario.difficulty], s.scenario.title))


def find_scenario(scenarios: list[Scenario], scenario_id: str) -> Scenario:
    for scenario in scenarios:
        if scenario.id == scenario_id:
            return scenario
    raise ScenarioError([f"no practice scenario called {scenario_id!r}"])
