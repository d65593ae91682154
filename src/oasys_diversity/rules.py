"""Plan rules and guard rules, as data (`questions/rules/*.toml`).

Four kinds of entry, in any `*.toml` file of the rules folder (so a region can add a file of its own):

- `[[need]]` — the referral need tags rules emit and directory services serve, grouped under the
  commissioned rehabilitative services categories (plus immigration advice, interpreting, faith and cultural
  community, hate crime reporting).
- `[[objective]]` — when a condition on the answers holds, suggest a sentence-plan objective.
- `[[guard]]` — what a plan must always, or must never, contain given certain answers. Each answers a failure
  the 2021 inspection recorded; the planner enforces them.
- `[[warning]]` — when a condition holds, tell the officer something (e.g. an interpreter is needed but no
  language is recorded).

Conditions are the one declarative language of `model.Condition`: never `eval`. Action text may contain
`{question.id}` placeholders (optionally `{question.id|lower}`), filled from the person's answers with option
labels, never with code, and `{?name}` slots for an objective's optional parts: words that appear only when
their own condition holds (by default, when every placeholder in them has an answer), so nothing is ever
left as an empty gap.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from oasys_diversity.content_limits import ContentLimitError, control_character, load_toml
from oasys_diversity.model import (
    NEED_AREA_LABELS,
    OWNER_LABELS,
    Answer,
    Condition,
    NeedArea,
    OwnerRole,
    QuestionBank,
    is_snake_case,
)

# The commissioned rehabilitative services categories, plus four of our own that the inspection shows are
# needed and that CRS does not name.
NeedCategory = Literal[
    "accommodation",
    "education_training_employment",
    "finance_benefits_debt",
    "dependency_recovery",
    "lifestyle_associates",
    "family_significant_others",
    "emotional_wellbeing",
    "social_inclusion",
    "womens_specific",
    "immigration_advice",
    "interpreting",
    "faith_cultural_community",
    "hate_crime_reporting",
]
NEED_CATEGORY_LABELS = {
    "accommodation": "Accommodation",
    "education_training_employment": "Education, training and employment",
    "finance_benefits_debt": "Finance, benefits and debt",
    "dependency_recovery": "Dependency and recovery",
    "lifestyle_associates": "Lifestyle and associates",
    "family_significant_others": "Family and significant others",
    "emotional_wellbeing": "Emotional wellbeing",
    "social_inclusion": "Social inclusion",
    "womens_specific": "Women's specific services",
    "immigration_advice": "Immigration advice",
    "interpreting": "Interpreting",
    "faith_cultural_community": "Faith and cultural community",
    "hate_crime_reporting": "Hate crime reporting",
}

# `{language.interpreter_language}` or `{faith.practice_needs|lower}`. Only these two shapes exist.
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)(?:\|(lower))?\}")
# `{?dialect}`: the slot for an objective's optional part named `dialect`.
OPTIONAL_SLOT = re.compile(r"\{\?([a-z][a-z0-9_]*)\}")
# A quote of the person's words that ends its own sentence ("...on Fridays.") needs no second full stop.
QUOTE_THEN_STOP = re.compile(r"([.!?])([\"\u201d])\.")
# Anything else in braces is a mistake worth reporting (a typo'd id, a Jinja habit).
BRACES = re.compile(r"\{[^{}]*\}")

STATUS_OPS = ("status", "answered")
OPS_FOR_KIND: dict[str, set[str]] = {
    "single": {"equals", "not_equals", "in", "not_in"},
    "yes_no_unsure": {"equals", "not_equals", "in", "not_in"},
    "text": {"equals", "not_equals", "in", "not_in"},
    "number": {"equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte"},
    "date": {"equals", "not_equals", "in", "not_in"},
    "multi": {"includes", "includes_any"},
}


class RulesError(Exception):
    """The rules cannot be loaded. `.problems` has one `FILE:LINE: message` line each."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


# ---------------------------------------------------------------------------------------------
# The rule vocabulary
# ---------------------------------------------------------------------------------------------


class Timescale(BaseModel):
    """`{ months = 3 }` or `{ days = 7 }`: counted from the date the answers behind it were given.
    `{ days = 0 }` means the same day, for what cannot wait (a safety plan when someone may harm themselves)."""

    model_config = ConfigDict(extra="forbid")

    days: int | None = Field(default=None, ge=0, le=366)
    months: int | None = Field(default=None, ge=1, le=24)

    @model_validator(mode="after")
    def _exactly_one(self) -> Timescale:
        if (self.days is None) == (self.months is None):
            raise ValueError("a timescale is either { days = N } or { months = N }")
        return self

    def after(self, start: date) -> date:
        if self.days is not None:
            return date.fromordinal(start.toordinal() + self.days)
        assert self.months is not None
        return add_months(start, self.months)

    def describe(self) -> str:
        if self.days == 0:
            return "the same day"
        if self.days is not None:
            return f"{self.days} day{'s' if self.days != 1 else ''}"
        return f"{self.months} month{'s' if self.months != 1 else ''}"


def add_months(start: date, months: int) -> date:
    """The same day `months` later (or earlier), kept inside a shorter month (31 Jan + 1 month = 28/29 Feb)."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    days_in_month = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return date(year, month, min(start.day, days_in_month))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


class NeedTag(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    label: str
    category: NeedCategory
    description: str | None = None
    source_file: str | None = None
    source_line: int | None = None


class ExtraNeeds(BaseModel):
    """Needs an objective emits only when a further condition holds (e.g. refugee mental health)."""

    model_config = ConfigDict(extra="forbid")

    when: Condition
    needs: list[str]


class OptionalPart(BaseModel):
    """Words for an action's `{?name}` slot. They appear only when `when` holds (no `when`: always) and every
    placeholder in them has an answer or a default; otherwise the slot is left out, never left as a gap."""

    model_config = ConfigDict(extra="forbid")

    when: Condition | None = None
    text: str


class ObjectiveRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str  # a short name for lists and warnings
    when: Condition
    # The objective is not suggested while this holds, usually because another objective already covers it.
    # Unlike a `not` inside `when`, it never counts among the answers that caused the objective.
    unless: Condition | None = None
    need_area: NeedArea
    action: str  # what will happen, in words the person would understand; may hold {placeholders}
    owner: OwnerRole
    owner_name: str | None = None
    timescale: Timescale
    measure: str  # how progress will be known
    needs: list[str] = Field(default_factory=list)  # referral need tags this objective emits
    extra_needs: list[ExtraNeeds] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)  # what guards select on ("paid_work", "interpreter")
    # What to put in a placeholder whose question may be unanswered when the rule fires.
    defaults: dict[str, str] = Field(default_factory=dict)
    # Words for `{?name}` slots in `action`, each shown only when its answers are there.
    optional: dict[str, OptionalPart] = Field(default_factory=dict)
    person_view_prompt: str | None = None  # a question the officer can ask to record the person's view
    # Objectives of one merge group become one objective in the plan (docs/planner.md, "Short enough to agree").
    merge_group: str | None = None
    # This objective's words when it joins a more urgent one of its `merge_group` (may use its placeholders and
    # `{?name}` slots); without it, its whole `action` is joined on.
    merge_text: str | None = None
    source_file: str | None = None
    source_line: int | None = None

    def placeholders(self) -> list[str]:
        return list(dict.fromkeys(m.group(1) for m in PLACEHOLDER.finditer(self.action)))

    def fires(self, answers: dict[str, Answer]) -> bool:
        """True when this rule suggests its objective for these answers."""
        return self.when.evaluate(answers) and not (self.unless is not None and self.unless.evaluate(answers))


class MustNot(BaseModel):
    """What must not appear while a guard holds. Objectives are matched by need area or tag."""

    model_config = ConfigDict(extra="forbid")

    need_areas: list[NeedArea] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    needs: list[str] = Field(default_factory=list)  # referral needs that must not be offered
    phrases: list[str] = Field(default_factory=list)  # words no plan text may use (case-insensitive)
    # An objective resting on no answered question, or raised by a topic that was declined or not discussed.
    unexplored: bool = False
    # Said on the plan when a suggestion is left out, e.g. "it assumes paid work or a funded course".
    reason: str | None = None


class MustItem(BaseModel):
    """One thing that must appear while a guard holds: an objective (by rule id, or any with a tag), or a
    referral for a need. `within` caps the objective's target date; `when` narrows this one item."""

    model_config = ConfigDict(extra="forbid")

    objective: str | None = None
    tag: str | None = None
    add: str | None = None  # with `tag`: the objective rule to add when no objective carries the tag
    need: str | None = None
    within: Timescale | None = None
    when: Condition | None = None

    @model_validator(mode="after")
    def _one_target(self) -> MustItem:
        if sum(x is not None for x in (self.objective, self.tag, self.need)) != 1:
            raise ValueError("a `must` item names exactly one of: objective, tag, need")
        if self.add is not None and self.tag is None:
            raise ValueError("`add` goes with `tag`")
        if self.within is not None and self.need is not None:
            raise ValueError("`within` applies to objectives, not referral needs")
        return self


class GuardRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    explanation: str  # why: the failure the inspection recorded
    source: str | None = None  # where in the inspection
    when: Condition | None = None  # None: always
    must_not: MustNot | None = None
    must: list[MustItem] = Field(default_factory=list)
    note: str | None = None  # a warning shown on the plan while the guard holds; may hold {placeholders}
    defaults: dict[str, str] = Field(default_factory=dict)
    source_file: str | None = None
    source_line: int | None = None

    def holds(self, answers: dict[str, Answer]) -> bool:
        return self.when is None or self.when.evaluate(answers)


class WarningRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    when: Condition
    text: str
    defaults: dict[str, str] = Field(default_factory=dict)
    source_file: str | None = None
    source_line: int | None = None


class RuleSet(BaseModel):
    needs: list[NeedTag] = Field(default_factory=list)
    objectives: list[ObjectiveRule] = Field(default_factory=list)
    guards: list[GuardRule] = Field(default_factory=list)
    warnings: list[WarningRule] = Field(default_factory=list)
    source_dir: str | None = None

    def objective_rule(self, rule_id: str) -> ObjectiveRule | None:
        return next((r for r in self.objectives if r.id == rule_id), None)

    def guard(self, guard_id: str) -> GuardRule | None:
        return next((g for g in self.guards if g.id == guard_id), None)

    def need(self, need_id: str) -> NeedTag | None:
        return next((n for n in self.needs if n.id == need_id), None)

    def need_label(self, need_id: str) -> str:
        found = self.need(need_id)
        return found.label if found is not None else need_id.replace("_", " ")

    def need_ids(self) -> set[str]:
        return {n.id for n in self.needs}

    def forbidden_phrases(self, answers: dict[str, Answer]) -> list[str]:
        """Words no plan or summary may use for this person (e.g. "no trauma" when trauma is recorded): the
        `must_not.phrases` of every guard that holds."""
        found: list[str] = []
        for guard in self.guards:
            if guard.must_not is not None and guard.holds(answers):
                found.extend(p for p in guard.must_not.phrases if p not in found)
        return found

    def person_view_prompt(self, rule_id: str | None) -> str | None:
        """The question an officer can ask to record the person's view of an objective (for screens)."""
        found = self.objective_rule(rule_id) if rule_id else None
        return found.person_view_prompt if found is not None else None


# ---------------------------------------------------------------------------------------------
# Loading and checking
# ---------------------------------------------------------------------------------------------

_KINDS = {"need": NeedTag, "objective": ObjectiveRule, "guard": GuardRule, "warning": WarningRule}
_LISTS = {"need": "needs", "objective": "objectives", "guard": "guards", "warning": "warnings"}


def shipped_rules_dir() -> Path:
    from oasys_diversity.questions import RULES_DIR

    return RULES_DIR


def rules_dir(folder: Path | None) -> Path:
    """The rules folder for a question bank folder (its `rules/`), or `folder` itself if it holds rules."""
    if folder is None:
        return shipped_rules_dir()
    folder = Path(folder)
    if (folder / "rules").is_dir():
        return folder / "rules"
    # A question bank folder without rules/ has no plan rules: never read its domain files as rules.
    if any(_is_domain_file(path) for path in folder.glob("*.toml")):
        return folder / "rules"
    return folder


def _is_domain_file(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return any(line.strip() == "[domain]" for line in text.splitlines())


def _table_lines(text: str, name: str) -> list[int]:
    """Line numbers (1-based) of each `[[name]]` header, so problems point at the right entry."""
    pattern = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
    return [i for i, line in enumerate(text.splitlines(), start=1) if pattern.match(line)]


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part not in ("function-after",)) or "entry"


def _parse_file(path: Path) -> tuple[dict[str, list[BaseModel]], list[str]]:
    """Read one rules file; return its entries and its problems (`FILE:LINE: message`)."""
    found: dict[str, list[BaseModel]] = {kind: [] for kind in _KINDS}
    problems: list[str] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return found, [f"{path}:1: cannot read: {error.__class__.__name__}"]
    try:
        data = load_toml(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or _line_from_message(str(error))
        return found, [f"{path}:{line}: bad TOML: {getattr(error, 'msg', str(error))}"]
    except ContentLimitError as error:
        return found, [f"{path}:1: {error}"]
    control = control_character(data, text)
    if control is not None:
        return found, [f"{path}:{control[0]}: holds a control character ({control[1]}); rule text must be plain text"]
    for key in data:
        if key not in _KINDS and key != "note":
            problems.append(f"{path}:1: unknown section {key!r}; use [[need]], [[objective]], [[guard]], [[warning]]")
    for kind, model in _KINDS.items():
        entries = data.get(kind, [])
        if not isinstance(entries, list):
            problems.append(f"{path}:1: {kind} must be written as [[{kind}]] tables")
            continue
        lines = _table_lines(text, kind)
        for index, entry in enumerate(entries):
            line = lines[index] if index < len(lines) else 1
            if not isinstance(entry, dict):
                problems.append(f"{path}:{line}: each {kind} must be a table")
                continue
            label = entry.get("id", f"#{index + 1}")
            try:
                item = model.model_validate({**entry, "source_file": str(path), "source_line": line})
            except ValidationError as error:
                for detail in error.errors():
                    problems.append(f"{path}:{line}: {kind} {label}: {_field_path(detail['loc'])}: {detail['msg']}")
                continue
            found[kind].append(item)
    return found, problems


def _line_from_message(message: str) -> int:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else 1


def _read_folder(folder: Path) -> tuple[RuleSet, list[str]]:
    problems: list[str] = []
    collected: dict[str, list[BaseModel]] = {kind: [] for kind in _KINDS}
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            entries, file_problems = _parse_file(path)
            problems.extend(file_problems)
            for kind, items in entries.items():
                collected[kind].extend(items)
    elif folder.exists():
        problems.append(f"{folder}:1: not a folder of rules")
    ruleset = RuleSet(**{_LISTS[kind]: items for kind, items in collected.items()}, source_dir=str(folder))
    return ruleset, problems


def load_rules(folder: Path | None = None) -> RuleSet:
    """Load the rules beside a question bank (None = the shipped `questions/rules/`).

    A bank folder without a `rules/` folder has no plan rules (the plan then says so); a broken rules file
    raises `RulesError` listing every problem.
    """
    ruleset, problems = _read_folder(rules_dir(folder))
    problems.extend(_internal_problems(ruleset))
    if problems:
        raise RulesError(
            f"the plan rules have {len(problems)} problem(s); run `oasys-diversity questions check`", problems
        )
    return ruleset


def check_rules(folder: Path | None, bank: QuestionBank) -> list[str]:
    """Every problem in the rules, as `FILE:LINE: message`: bad TOML, unknown question ids, unknown codes,
    operators that do not fit the question's kind, unknown need areas / owners / need tags / rule ids,
    duplicate ids, placeholders that may be left empty."""
    ruleset, problems = _read_folder(rules_dir(folder))
    problems.extend(_internal_problems(ruleset))
    problems.extend(_bank_problems(ruleset, bank))
    return problems


def _where(item: Any) -> str:
    return f"{item.source_file or '<rules>'}:{item.source_line or 1}"


def _internal_problems(ruleset: RuleSet) -> list[str]:
    """Problems the rules have on their own, whatever the bank."""
    problems: list[str] = []
    for kind, items in (
        ("need", ruleset.needs),
        ("objective", ruleset.objectives),
        ("guard", ruleset.guards),
        ("warning", ruleset.warnings),
    ):
        seen: set[str] = set()
        for item in items:
            if not is_snake_case(item.id):
                problems.append(f"{_where(item)}: {kind} id {item.id!r} is not snake_case")
            if item.id in seen:
                problems.append(f"{_where(item)}: duplicate {kind} id {item.id!r}")
            seen.add(item.id)
    need_ids = ruleset.need_ids()
    rule_ids = {r.id for r in ruleset.objectives}
    tags = {t for r in ruleset.objectives for t in r.tags}
    for rule in ruleset.objectives:
        for tag in rule.tags:
            if not is_snake_case(tag):
                problems.append(f"{_where(rule)}: objective {rule.id}: tag {tag!r} is not snake_case")
        emitted = rule.needs + [n for extra in rule.extra_needs for n in extra.needs]
        for need in emitted:
            if need not in need_ids:
                problems.append(f"{_where(rule)}: objective {rule.id}: unknown need tag {need!r}")
        if rule.owner == "someone_else" and not (rule.owner_name or "").strip():
            problems.append(f"{_where(rule)}: objective {rule.id}: owner someone_else needs an owner_name")
        problems.extend(_text_problems(rule, "action", rule.action, rule.when, rule.defaults, rule.optional))
        if rule.merge_text is not None:
            problems.extend(
                _text_problems(rule, "merge_text", rule.merge_text, rule.when, rule.defaults, rule.optional)
            )
        if rule.merge_group is not None and not is_snake_case(rule.merge_group):
            problems.append(f"{_where(rule)}: objective {rule.id}: merge_group {rule.merge_group!r} is not snake_case")
        for name, part in rule.optional.items():
            if not is_snake_case(name):
                problems.append(f"{_where(rule)}: objective {rule.id}: optional part {name!r} is not snake_case")
            if f"{{?{name}}}" not in rule.action + (rule.merge_text or ""):
                problems.append(
                    f"{_where(rule)}: objective {rule.id}: optional part {name!r} has no {{?{name}}} in action"
                )
            for slot in OPTIONAL_SLOT.findall(part.text):
                problems.append(
                    f"{_where(rule)}: objective {rule.id}: optional.{name}: {{?{slot}}} cannot go inside another part"
                )
            # Its own placeholders never leave a gap (the part is left out instead), so only stray braces matter.
            remainder = OPTIONAL_SLOT.sub("", PLACEHOLDER.sub("", part.text))
            for stray in BRACES.findall(remainder):
                problems.append(
                    f"{_where(rule)}: objective {rule.id}: optional.{name}: {stray} is not a placeholder; "
                    "use {question.id}"
                )
    for guard in ruleset.guards:
        if guard.must_not is None and not guard.must and guard.note is None:
            problems.append(f"{_where(guard)}: guard {guard.id}: needs must, must_not or note")
        if guard.must_not is not None:
            for need in guard.must_not.needs:
                if need not in need_ids:
                    problems.append(f"{_where(guard)}: guard {guard.id}: unknown need tag {need!r}")
            for tag in guard.must_not.tags:
                if tag not in tags:
                    problems.append(f"{_where(guard)}: guard {guard.id}: no objective rule carries tag {tag!r}")
        for item in guard.must:
            if item.objective is not None and item.objective not in rule_ids:
                problems.append(f"{_where(guard)}: guard {guard.id}: unknown objective rule {item.objective!r}")
            if item.add is not None and item.add not in rule_ids:
                problems.append(f"{_where(guard)}: guard {guard.id}: unknown objective rule {item.add!r}")
            if item.tag is not None and item.tag not in tags:
                problems.append(f"{_where(guard)}: guard {guard.id}: no objective rule carries tag {item.tag!r}")
            if item.need is not None and item.need not in need_ids:
                problems.append(f"{_where(guard)}: guard {guard.id}: unknown need tag {item.need!r}")
        if guard.note is not None:
            problems.extend(_text_problems(guard, "note", guard.note, guard.when, guard.defaults))
    for warning in ruleset.warnings:
        problems.extend(_text_problems(warning, "text", warning.text, warning.when, warning.defaults))
    return problems


def _text_problems(
    item: Any,
    field: str,
    text: str,
    when: Condition | None,
    defaults: dict[str, str],
    parts: dict[str, OptionalPart] | None = None,
) -> list[str]:
    """A placeholder must name a question, and must be filled whenever the rule fires: either the rule's
    condition requires that answer, or `defaults` says what to write instead. A `{?name}` slot must name one of
    the objective's optional parts (warnings and guard notes have none)."""
    problems: list[str] = []
    for slot in OPTIONAL_SLOT.findall(text):
        if parts is None:
            problems.append(
                f"{_where(item)}: {item.id}: {field}: {{?{slot}}}: optional parts are for objective actions"
            )
        elif slot not in parts:
            problems.append(
                f"{_where(item)}: {item.id}: {field}: {{?{slot}}} names no optional part; add [objective.optional.{slot}]"
            )
    remainder = OPTIONAL_SLOT.sub("", PLACEHOLDER.sub("", text))
    for stray in BRACES.findall(remainder):
        problems.append(f"{_where(item)}: {item.id}: {field}: {stray} is not a placeholder; use {{question.id}}")
    for match in PLACEHOLDER.finditer(text):
        question_id = match.group(1)
        if question_id in defaults:
            continue
        if when is None or not requires_answer(when, question_id):
            problems.append(
                f"{_where(item)}: {item.id}: {field}: placeholder {{{question_id}}} may be unanswered when this "
                f"fires; require it in `when` or give it in `defaults`"
            )
    for key in defaults:
        if not PLACEHOLDER.fullmatch("{" + key + "}"):
            problems.append(f"{_where(item)}: {item.id}: defaults: {key!r} is not a question id")
    return problems


def requires_answer(condition: Condition, question_id: str) -> bool:
    """True when `condition` can only hold if `question_id` was answered with a value."""
    if condition.question is not None:
        return condition.question == question_id and (
            condition.op == "answered"
            or condition.op not in STATUS_OPS
            or (condition.op == "status" and condition.value in ("answered", ["answered"]))
        )
    if condition.all is not None:
        return any(requires_answer(child, question_id) for child in condition.all)
    if condition.any is not None:
        return bool(condition.any) and all(requires_answer(child, question_id) for child in condition.any)
    return False


def condition_problems(condition: Condition, bank: QuestionBank) -> list[str]:
    """What is wrong with a condition against the bank (unknown ids and codes, ops that do not fit), without a
    location: rules and practice scenarios put their own FILE:LINE in front."""
    problems: list[str] = []
    for leaf in _leaves(condition):
        assert leaf.question is not None
        if not bank.has(leaf.question):
            problems.append(f"unknown question id {leaf.question!r}")
            continue
        question = bank.question(leaf.question)
        if leaf.op in STATUS_OPS:
            continue
        if leaf.op not in OPS_FOR_KIND.get(question.kind, set()):
            problems.append(f"op {leaf.op!r} does not fit {leaf.question} ({question.kind})")
            continue
        values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
        if question.kind in ("single", "yes_no_unsure", "multi"):
            problems.extend(
                f"unknown code {value!r} for {leaf.question}" for value in values if value not in question.codes()
            )
        if question.kind == "number" and not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            problems.append(f"{leaf.question} is a number; compare with numbers")
    return problems


def _bank_problems(ruleset: RuleSet, bank: QuestionBank) -> list[str]:
    """Problems only the question bank can reveal: unknown ids and codes, operators that do not fit."""
    problems: list[str] = []

    def check_condition(item: Any, condition: Condition | None, label: str) -> None:
        if condition is not None:
            problems.extend(f"{_where(item)}: {label}: {p}" for p in condition_problems(condition, bank))

    def check_text(item: Any, text: str, label: str) -> None:
        for match in PLACEHOLDER.finditer(text):
            if not bank.has(match.group(1)):
                problems.append(f"{_where(item)}: {label}: placeholder names unknown question {match.group(1)!r}")

    for rule in ruleset.objectives:
        check_condition(rule, rule.when, f"objective {rule.id}")
        check_condition(rule, rule.unless, f"objective {rule.id} unless")
        for extra in rule.extra_needs:
            check_condition(rule, extra.when, f"objective {rule.id} extra_needs")
        check_text(rule, rule.action + (rule.merge_text or ""), f"objective {rule.id}")
        for name, part in rule.optional.items():
            check_condition(rule, part.when, f"objective {rule.id} optional.{name}")
            check_text(rule, part.text, f"objective {rule.id} optional.{name}")
    for guard in ruleset.guards:
        check_condition(guard, guard.when, f"guard {guard.id}")
        for item in guard.must:
            check_condition(guard, item.when, f"guard {guard.id} must")
        if guard.note:
            check_text(guard, guard.note, f"guard {guard.id}")
    for warning in ruleset.warnings:
        check_condition(warning, warning.when, f"warning {warning.id}")
        check_text(warning, warning.text, f"warning {warning.id}")
    return problems


def _leaves(condition: Condition) -> list[Condition]:
    if condition.question is not None:
        return [condition]
    children = (condition.all or []) + (condition.any or []) + ([condition.not_] if condition.not_ else [])
    return [leaf for child in children for leaf in _leaves(child)]


# ---------------------------------------------------------------------------------------------
# Reading conditions against answers (used by the planner)
# ---------------------------------------------------------------------------------------------


def because(condition: Condition | None, answers: dict[str, Answer]) -> list[str]:
    """The answered questions that make `condition` hold, in order: only branches that actually held count,
    so an `any` names the answers that matched, not every answer it could have read."""
    if condition is None:
        return []
    found: list[str] = []

    def add(ids: list[str]) -> None:
        found.extend(q for q in ids if q not in found)

    if condition.question is not None:
        answer = answers.get(condition.question)
        if answer is not None and answer.status == "answered" and condition.evaluate(answers):
            add([condition.question])
    elif condition.all is not None:
        if condition.evaluate(answers):
            for child in condition.all:
                add(because(child, answers))
    elif condition.any is not None:
        for child in condition.any:
            if child.evaluate(answers):
                add(because(child, answers))
    elif condition.not_ is not None and condition.evaluate(answers):
        # A negation holds because of what the person did say, if anything (never because of silence).
        add([q for q in condition.not_.question_ids() if q in answers and answers[q].status == "answered"])
    return found


def raised_by_silence(condition: Condition | None, answers: dict[str, Answer]) -> bool:
    """True when `condition` holds through a positive test that a topic was declined or not discussed:
    such an objective would chase a topic the person chose not to talk about, or pretend it was explored."""
    if condition is None:
        return False
    if condition.question is not None:
        if condition.op != "status" or not condition.evaluate(answers):
            return False
        statuses = condition.value if isinstance(condition.value, list) else [condition.value]
        return any(s in ("declined", "not_discussed") for s in statuses)
    if condition.all is not None:
        return condition.evaluate(answers) and any(raised_by_silence(c, answers) for c in condition.all)
    if condition.any is not None:
        held = [c for c in condition.any if c.evaluate(answers)]
        return bool(held) and all(raised_by_silence(c, answers) for c in held)
    return False


def fill_text(
    text: str,
    answers: dict[str, Answer],
    bank: QuestionBank,
    defaults: dict[str, str],
    parts: dict[str, OptionalPart] | None = None,
) -> str | None:
    """Fill `{question.id}` placeholders with the person's answers (option labels for codes), and each
    `{?name}` slot with its optional part when that part applies (see `included_parts`), else with nothing.

    Returns None when a placeholder has neither an answer nor a default, so the caller can leave the
    objective out instead of printing an empty gap.
    """
    if OPTIONAL_SLOT.search(text):
        chosen = included_parts(parts or {}, answers, bank, defaults)
        missing_part = [name for name in OPTIONAL_SLOT.findall(text) if name not in (parts or {})]
        if missing_part:
            return None  # `questions check` rejects a slot with no part
        text = OPTIONAL_SLOT.sub(lambda m: chosen.get(m.group(1), ""), text)
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        question_id, modifier = match.group(1), match.group(2)
        value = answer_text(question_id, answers, bank)
        if value is None:
            if question_id in defaults:
                return defaults[question_id]
            missing = True
            return ""
        return value.lower() if modifier == "lower" else value

    filled = PLACEHOLDER.sub(replace, text)
    return None if missing else QUOTE_THEN_STOP.sub(r"\1\2", filled)


def find_phrase(text: str, phrases: list[str]) -> str | None:
    """The first of `phrases` that `text` uses as words (any case), e.g. "no trauma"; None if none is."""
    for phrase in phrases:
        if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.IGNORECASE):
            return phrase
    return None


def included_parts(
    parts: dict[str, OptionalPart], answers: dict[str, Answer], bank: QuestionBank, defaults: dict[str, str]
) -> dict[str, str]:
    """The optional parts that apply, filled: their condition holds and none of their placeholders is empty."""
    chosen: dict[str, str] = {}
    for name, part in parts.items():
        if part.when is not None and not part.when.evaluate(answers):
            continue
        filled = fill_text(part.text, answers, bank, defaults)
        if filled is not None:
            chosen[name] = filled
    return chosen


def text_sources(
    text: str,
    answers: dict[str, Answer],
    bank: QuestionBank,
    defaults: dict[str, str],
    parts: dict[str, OptionalPart] | None = None,
) -> list[str]:
    """The answered questions whose answers went into the filled text: its placeholders, and for each optional
    part that was included, the answers its condition rests on and its own placeholders."""
    found = [m.group(1) for m in PLACEHOLDER.finditer(text)]
    chosen = included_parts(parts or {}, answers, bank, defaults)
    for name in OPTIONAL_SLOT.findall(text):
        if name in chosen:
            part = (parts or {})[name]
            found += because(part.when, answers)
            found += [m.group(1) for m in PLACEHOLDER.finditer(part.text)]
    answered = [q for q in found if q in answers and answers[q].status == "answered"]
    return list(dict.fromkeys(answered))


def answer_text(question_id: str, answers: dict[str, Answer], bank: QuestionBank) -> str | None:
    """An answer in words: option labels for codes, lists joined as "a, b and c"; None if not answered."""
    answer = answers.get(question_id)
    if answer is None or answer.status != "answered" or answer.value is None:
        return None
    question = bank.question(question_id) if bank.has(question_id) else None
    value = answer.value
    if isinstance(value, list):
        if not value:
            return None
        labels = [question.label_for(code) if question else code for code in value]
        return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    if isinstance(value, str):
        if question is not None and question.kind in ("single", "yes_no_unsure"):
            return question.label_for(value)
        text = value.strip()
        return text or None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def need_area_label(area: str) -> str:
    return NEED_AREA_LABELS.get(area, area)


def owner_label(owner: str) -> str:
    return OWNER_LABELS.get(owner, owner)
