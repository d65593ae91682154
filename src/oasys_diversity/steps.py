"""The order of the conversation: a pure function of the bank, the answers and the officer's choices.

Each domain opens with its introduction, then its core questions, each follow-up straight after the
question that opened it, and the domain's check-in before the question it names. When the domain has
deeper questions that apply, an offer follows ("go deeper now" or "another session"); choosing "now" puts
the deeper questions, in the same order, after the offer. The Interview screen walks these steps and saves;
practice scenarios and tests read the same order without Textual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from oasys_diversity.model import Answer, Domain, Question, QuestionBank

StepKind = Literal["intro", "check_in", "question", "deeper_offer"]
DeeperChoice = Literal["now", "later"]
DEEPER_CHOICES: tuple[DeeperChoice, ...] = ("now", "later")


@dataclass(frozen=True)
class Step:
    """One stop in the conversation. `question_id` is the question (for a check-in, the one it comes before)."""

    kind: StepKind
    domain_id: str
    question_id: str | None = None


def interview_steps(
    bank: QuestionBank, answers: dict[str, Answer], deeper: Mapping[str, DeeperChoice] | None = None
) -> list[Step]:
    """Every step in order for these answers and choices (`deeper`: domain id → "now" or "later")."""
    deeper = deeper or {}
    steps: list[Step] = []
    for domain in bank.domains:
        steps.append(Step("intro", domain.id))
        core = [q for q in domain.questions if q.depth == "core"]
        extra = [q for q in domain.questions if q.depth == "deeper"]
        steps += _part(bank, domain, core, answers)
        if any(bank.is_visible(q, answers) for q in extra):
            steps.append(Step("deeper_offer", domain.id))
            if deeper.get(domain.id) == "now":
                steps += _part(bank, domain, extra, answers)
    return steps


def _part(bank: QuestionBank, domain: Domain, questions: list[Question], answers: dict[str, Answer]) -> list[Step]:
    """The visible questions of one part of a domain, follow-ups in place, the check-in where it belongs."""
    steps: list[Step] = []
    for question in in_place(questions, answers):
        if domain.check_in is not None and domain.check_in.before == question.id:
            steps.append(Step("check_in", domain.id, question.id))
        steps.append(Step("question", domain.id, question.id))
    return steps


class _Hiding:
    """The answers with some questions taken away (as if not yet discussed): enough for `Condition.evaluate`."""

    def __init__(self, answers: dict[str, Answer], hidden: set[str]) -> None:
        self.answers = answers
        self.hidden = hidden

    def get(self, question_id: str, default: Any = None) -> Any:
        return default if question_id in self.hidden else self.answers.get(question_id, default)


def opener(question: Question, earlier: Sequence[Question], answers: dict[str, Answer]) -> str | None:
    """The question among `earlier` whose answer made this follow-up apply, or None when it applies without
    any of them (a condition such as "not no religion", or one about another domain).

    It is the first question, in the bank's order, by which the condition holds: with `literacy` or
    `written_english` opening a reading-help question, the one that actually opened it.
    """
    if question.show_if is None:
        return None
    reads = set(question.show_if.question_ids())
    parents = [q.id for q in earlier if q.id in reads]
    if not parents:
        return None
    condition = question.show_if
    hidden = set(parents)
    if condition.evaluate(_Hiding(answers, hidden)):  # type: ignore[arg-type]
        return None
    for parent in parents:
        hidden.discard(parent)
        if condition.evaluate(_Hiding(answers, hidden)):  # type: ignore[arg-type]
            return parent
    return parents[-1]


def in_place(questions: Sequence[Question], answers: dict[str, Answer]) -> list[Question]:
    """The questions that apply, in the bank's order, each follow-up moved to straight after the question that
    opened it (after that question's earlier follow-ups), so it is asked while the answer is fresh."""
    shown = [q for q in questions if q.show_if is None or q.show_if.evaluate(answers)]
    shown_ids = {q.id for q in shown}
    top: list[Question] = []
    children: dict[str, list[Question]] = {}
    for index, question in enumerate(shown):
        parent = opener(question, shown[:index], answers)
        if parent is None or parent not in shown_ids:
            top.append(question)
        else:
            children.setdefault(parent, []).append(question)
    ordered: list[Question] = []

    def add(question: Question) -> None:
        ordered.append(question)
        for child in children.get(question.id, []):
            add(child)

    for question in top:
        add(question)
    return ordered


# ---------------------------------------------------------------------------------------------
# Where to resume
# ---------------------------------------------------------------------------------------------


def question_index(steps: Sequence[Step], question_id: str) -> int | None:
    """The index of a question's step, or None when it is not among the steps."""
    return next((i for i, s in enumerate(steps) if s.kind == "question" and s.question_id == question_id), None)


def position_of(step: Step, bank: QuestionBank, answers: dict[str, Answer]) -> str | None:
    """The question id to remember for resuming: an introduction stands for its domain's first question, an
    offer to go deeper for the domain's last core question."""
    if step.question_id is not None:
        return step.question_id
    visible = bank.visible_questions(answers, step.domain_id)
    if step.kind == "deeper_offer":
        core = [q for q in visible if q.depth == "core"]
        return core[-1].id if core else (visible[0].id if visible else None)
    return visible[0].id if visible else None


def resume_index(
    steps: Sequence[Step], position: str | None, answers: dict[str, Answer], bank: QuestionBank
) -> int:
    """Where to reopen: at the remembered question, or at the introduction or check-in just before it
    when that question had not been reached yet. A question that is not among the steps (a follow-up that no
    longer applies, a deeper question left for another session) resumes at the nearest earlier one that is."""
    if not steps or position is None or not bank.has(position):
        return 0
    order = [q.id for q in bank.questions]
    index = question_index(steps, position)
    if index is None:
        earlier = order[: order.index(position)]
        return next((i for qid in reversed(earlier) if (i := question_index(steps, qid)) is not None), 0)
    answer = answers.get(position)
    untouched = answer is None or (answer.status == "not_discussed" and not answer.note)
    if untouched:
        while (
            index > 0
            and steps[index - 1].kind in ("intro", "check_in")
            and steps[index - 1].domain_id == steps[index].domain_id
        ):
            index -= 1
    return index


# ---------------------------------------------------------------------------------------------
# Progress, core and deeper apart
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """A domain's core questions (answered or not applicable, declined, not yet discussed) and its deeper
    questions (discussed, of those that apply), all over the questions that apply now."""

    done: int
    declined: int
    waiting: int
    deeper_discussed: int
    deeper_total: int


def domain_counts(bank: QuestionBank, domain: Domain, answers: dict[str, Answer]) -> tuple[int, int, int]:
    """(answered or not applicable, declined, not yet discussed) over all the domain's visible questions."""
    done = declined = waiting = 0
    for question in bank.visible_questions(answers, domain.id):
        status = _status(question, answers)
        if status == "declined":
            declined += 1
        elif status == "not_discussed":
            waiting += 1
        else:
            done += 1
    return done, declined, waiting


def domain_progress(bank: QuestionBank, domain: Domain, answers: dict[str, Answer]) -> Progress:
    """The domain's progress with core and deeper questions counted apart."""
    done = declined = waiting = discussed = total = 0
    for question in bank.visible_questions(answers, domain.id):
        status = _status(question, answers)
        if question.depth == "deeper":
            total += 1
            discussed += status != "not_discussed"
        elif status == "declined":
            declined += 1
        elif status == "not_discussed":
            waiting += 1
        else:
            done += 1
    return Progress(done, declined, waiting, discussed, total)


def _status(question: Question, answers: dict[str, Answer]) -> str:
    answer = answers.get(question.id)
    return answer.status if answer is not None else "not_discussed"


def core_questions(bank: QuestionBank) -> list[Question]:
    """Every question on the core path (some apply only with certain answers)."""
    return [q for q in bank.questions if q.depth == "core"]


def note_to_offer(bank: QuestionBank, question: Question, answers: dict[str, Answer]) -> tuple[str, str] | None:
    """(question id, note) when this follow-up asks in words for what the note on the question that opened it
    may already hold: the screen offers those words rather than asking again. None otherwise."""
    if question.kind != "text" or question.show_if is None or not bank.has(question.id):
        return None
    domain = bank.domain(question.domain)
    earlier = domain.questions[: domain.questions.index(question)]
    parent = opener(question, earlier, answers)
    found = answers.get(parent) if parent is not None else None
    if parent is None or found is None or not found.note or not found.note.strip():
        return None
    return parent, found.note
