"""Interview: one question at a time, with the domains and their progress down the side.

The conversation is a sequence of steps: each domain's introduction, then its questions, with the
domain's check-in before its sensitive question. Follow-ups join the sequence while their `show_if`
holds and leave it when it stops holding; their stored answers are never deleted.

Every answer is saved as it is given: a choice at once, typing a moment after it stops, and
everything pending when the officer moves on, opens another screen or quits. If a save fails the
words stay on screen, the indicator says "not saved" and the next move tries again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import DescendantBlur, DescendantFocus
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Header, Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from oasys_diversity.model import STATUS_LABELS, Answer, AnswerStatus, Domain, Question, QuestionBank
from oasys_diversity.screens.answers import (
    AnswerEdited,
    ChoiceAnswer,
    NoteEdited,
    NotesBox,
    answer_widget,
)

# How long typing must pause before it is saved (it is also saved on every move and on quitting).
TYPING_PAUSE_SECONDS = 0.6

STATUS_MARKS = {"answered": "✓", "declined": "✗", "not_discussed": "○", "not_applicable": "–"}

# From this width the guidance opens beside the domains instead of over them, and titles are shown whole.
WIDE = 120

# Keys that are letters: they only work when the officer is not typing in a box.
LETTER_ACTIONS = {"review", "plan", "export"}
# Marking and guidance: a letter when not typing, a ctrl key in a box; the footer shows the one that works now.
LETTER_ACTIONS |= {"decline", "not_discussed", "toggle_guidance"}
IN_BOX_ACTIONS = {"decline_in_box", "not_discussed_in_box", "guidance_in_box"}
MARK_ACTIONS = {"decline", "not_discussed", "decline_in_box", "not_discussed_in_box"}

INTRO_GUIDANCE = (
    "Read the introduction out, or say the same in your own words. Pause for questions. "
    "It is fine to skip a whole section if the person does not want to talk about it today: "
    'use PgDn to move on, and the questions stay "not yet discussed".'
)


# ---------------------------------------------------------------------------------------------
# The sequence of steps: pure functions of the bank and the answers.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One stop in the conversation. `question_id` is the question (for a check-in, the one it comes before)."""

    kind: Literal["intro", "check_in", "question"]
    domain_id: str
    question_id: str | None = None


def interview_steps(bank: QuestionBank, answers: dict[str, Answer]) -> list[Step]:
    """Every step in order for these answers: introductions, check-ins and the visible questions."""
    steps: list[Step] = []
    for domain in bank.domains:
        steps.append(Step("intro", domain.id))
        for question in domain.questions:
            if not bank.is_visible(question, answers):
                continue
            if domain.check_in is not None and domain.check_in.before == question.id:
                steps.append(Step("check_in", domain.id, question.id))
            steps.append(Step("question", domain.id, question.id))
    return steps


def position_of(step: Step, bank: QuestionBank, answers: dict[str, Answer]) -> str | None:
    """The question id to remember for resuming: an introduction stands for its domain's first question."""
    if step.question_id is not None:
        return step.question_id
    visible = bank.visible_questions(answers, step.domain_id)
    return visible[0].id if visible else None


def resume_index(steps: list[Step], position: str | None, answers: dict[str, Answer], bank: QuestionBank) -> int:
    """Where to reopen: at the remembered question, or at the introduction or check-in just before it
    when that question had not been reached yet. A question that no longer applies resumes at the
    nearest earlier one that does."""
    if not steps:
        return 0
    if position is None or not bank.has(position):
        return 0
    order = [q.id for q in bank.questions]
    index = _question_index(steps, position)
    if index is None:
        earlier = order[: order.index(position)]
        index = next((i for qid in reversed(earlier) if (i := _question_index(steps, qid)) is not None), 0)
        return index
    answer = answers.get(position)
    untouched = answer is None or (answer.status == "not_discussed" and not answer.note)
    if untouched:
        while (
            index > 0
            and steps[index - 1].kind in ("intro", "check_in")
            and steps[index - 1].domain_id == (steps[index].domain_id)
        ):
            index -= 1
    return index


def _question_index(steps: list[Step], question_id: str) -> int | None:
    return next((i for i, s in enumerate(steps) if s.kind == "question" and s.question_id == question_id), None)


def domain_counts(bank: QuestionBank, domain: Domain, answers: dict[str, Answer]) -> tuple[int, int, int]:
    """(answered or not applicable, declined, not yet discussed) over the domain's visible questions."""
    done = declined = waiting = 0
    for question in bank.visible_questions(answers, domain.id):
        status = answers[question.id].status if question.id in answers else "not_discussed"
        if status == "declined":
            declined += 1
        elif status == "not_discussed":
            waiting += 1
        else:
            done += 1
    return done, declined, waiting


def short_title(domain: Domain) -> str:
    """The title up to its first "and" ("Faith and belief" → "Faith"), for the sidebar of a narrow terminal."""
    return domain.title.split(" and ")[0]


# ---------------------------------------------------------------------------------------------
# Widgets
# ---------------------------------------------------------------------------------------------


class DomainList(OptionList):
    """The domains with their progress; Enter goes to the chosen domain."""

    def show(self, bank: QuestionBank, answers: dict[str, Answer], current: str, *, short: bool) -> None:
        keep = self.highlighted
        self.clear_options()
        for domain in bank.domains:
            done, declined, waiting = domain_counts(bank, domain, answers)
            here = "▶ " if domain.id == current else "  "
            text = Content.assemble(
                (f"{here}{short_title(domain) if short else domain.title}\n", "bold" if domain.id == current else ""),
                f"    ✓{done}  ✗{declined}  ○{waiting}",
            )
            self.add_option(Option(text, id=domain.id))
        if self.has_focus and keep is not None:
            self.highlighted = keep
        else:
            self.highlighted = self.get_option_index(current)


class Prompt(Static, can_focus=True):
    """The words to say. It can take focus, so the letter keys work on a question answered by typing."""


class StepText(Static, can_focus=True):
    """An introduction or check-in to read out."""


class InterviewScreen(Screen[None]):
    """The conversation for one case."""

    CSS_PATH = "interview.tcss"
    HELP_TITLE = "Interview"
    HELP = (
        "**The words to say** are at the top; the answer goes in the box below them and anything the person says "
        "in their own words goes in the notes box. Every answer is saved as it is given (the indicator at the top "
        "right says when).\n\n"
        "**Moving on:** PgDn (or ctrl+n) goes to the next question, PgUp (or ctrl+b) back. They work even while "
        "typing. Tab moves between the answer, the notes and the list of domains; Enter on a domain goes there.\n\n"
        "**Choosing:** up/down then Enter or space. (●) marks the chosen answer; [✓] a ticked one.\n\n"
        "**d** records that the person would rather not say (declined); **u** puts a question back to not yet "
        "discussed; press the same key again to undo. **g** shows or hides the guidance: why we ask, what to "
        "listen for, and what to say if they'd rather not.\n\n"
        "**While typing in a box** the letters type, so use **ctrl+d**, **ctrl+u** and **ctrl+g** instead (they "
        "work everywhere), or press **Esc** to leave the box.\n\n"
        "Follow-up questions appear when an answer makes them relevant and disappear if it changes; whatever was "
        "recorded for them is kept.\n\n"
        "**r** review, **p** plan, **e** export. Esc (when not typing) goes back to the list of cases."
    )
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS = [
        Binding("pagedown,ctrl+n", "next", "Next", id="interview.next", key_display="PgDn", priority=True),
        Binding(
            "pageup,ctrl+b", "previous", "Back", id="interview.previous", key_display="PgUp", priority=True, show=False
        ),
        Binding("d", "decline", "Declined", id="interview.decline"),
        Binding("u", "not_discussed", "Not yet", id="interview.not_discussed"),
        Binding("g", "toggle_guidance", "Guidance", id="interview.guidance"),
        # While typing the letters type, so these do the same three things from inside a box (and, unlisted,
        # outside one too, so the ctrl keys work everywhere).
        Binding("ctrl+d", "decline_in_box", "Declined", id="interview.decline_in_box", priority=True),
        Binding("ctrl+u", "not_discussed_in_box", "Not yet", id="interview.not_discussed_in_box", priority=True),
        Binding("ctrl+g", "guidance_in_box", "Guidance", id="interview.guidance_in_box", priority=True),
        Binding("ctrl+d", "decline", "Declined", id="interview.decline_ctrl", priority=True, show=False),
        Binding("ctrl+u", "not_discussed", "Not yet", id="interview.not_discussed_ctrl", priority=True, show=False),
        Binding("ctrl+g", "toggle_guidance", "Guidance", id="interview.guidance_ctrl", priority=True, show=False),
        Binding("r", "review", "Review", id="interview.review"),
        Binding("p", "plan", "Plan", id="interview.plan"),
        Binding("e", "export", "Export", id="interview.export"),
        Binding("escape", "done_typing", "Done typing", id="interview.done_typing", key_display="Esc"),
        Binding("escape", "back", "Back to the cases", id="interview.back", key_display="Esc", show=False),
        Binding("ctrl+s", "save_now", "Save now", id="interview.save_now", show=False, priority=True),
    ]

    show_guidance: reactive[bool] = reactive(False)

    def __init__(self, case_id: int, *, question_id: str | None = None) -> None:
        super().__init__()
        self.case_id = case_id
        self.start_question = question_id
        self.answers: dict[str, Answer] = {}
        # Edits not yet in the database (typing in progress, or a save that failed).
        self.pending: dict[str, Answer] = {}
        # What an answer was before d or u, so pressing the key again can put it back.
        self.before_mark: dict[str, Answer] = {}
        self.steps: list[Step] = []
        self.index = 0
        self.problem: str | None = None
        self._timer: Timer | None = None
        self._save_failed = False

    # ------------------------------------------------------------------------------------------
    # Set-up
    # ------------------------------------------------------------------------------------------

    @property
    def bank(self) -> QuestionBank:
        return self.app.bank  # type: ignore[attr-defined,no-any-return]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="interview-body"):
            with Vertical(id="side"):
                yield DomainList(id="domains", markup=False)
                yield Static("✓ answered  ✗ declined\n○ not yet discussed", id="legend", markup=False)
            with Vertical(id="main"):
                with Horizontal(id="where-bar"):
                    yield Static("", id="where", markup=False)
                    yield Static("", id="saved", markup=False)
                yield VerticalScroll(id="step")
            with VerticalScroll(id="guidance"):
                yield Static("", id="guidance-text")
        yield Footer(compact=True, show_command_palette=False)

    async def on_mount(self) -> None:
        from oasys_diversity.store import StoreError, get_position, load_assessment

        app: Any = self.app
        try:
            assessment = load_assessment(app.db, self.case_id)
            position = self.start_question or get_position(app.db, self.case_id)
        except StoreError as error:
            self.notify(f"This case could not be read: {error}", severity="error", timeout=15)
            self.dismiss()
            return
        self.answers = dict(assessment.answers)
        name = self.answer("person.preferred_name").value or assessment.case.name
        marks = [mark for mark in (app.banner, "DEMO" if app.demo_folder is not None else None) if mark]
        self.sub_title = " · ".join([*marks, assessment.case.reference, str(name)])
        self.steps = interview_steps(self.bank, self.answers)
        if self.start_question is not None:
            index = _question_index(self.steps, self.start_question)
            if index is None:
                self.notify("That follow-up does not apply with the answers given now, so it is not shown.")
                index = resume_index(self.steps, self.start_question, self.answers, self.bank)
            self.index = index
        else:
            self.index = resume_index(self.steps, position, self.answers, self.bank)
        self._set_saved("")
        await self.show_step()

    # ------------------------------------------------------------------------------------------
    # Reading the state
    # ------------------------------------------------------------------------------------------

    def answer(self, question_id: str) -> Answer:
        """The answer as it stands on screen (a pending edit wins over what is stored)."""
        found = self.pending.get(question_id) or self.answers.get(question_id)
        return found if found is not None else Answer(question_id=question_id)

    def current_answers(self) -> dict[str, Answer]:
        return {**self.answers, **self.pending}

    @property
    def step(self) -> Step:
        return self.steps[self.index]

    @property
    def question(self) -> Question | None:
        step = self.step
        return self.bank.question(step.question_id) if step.kind == "question" and step.question_id else None

    def visible_questions(self) -> list[Question]:
        """The questions that apply now (the command palette's "jump to question")."""
        return self.bank.visible_questions(self.current_answers())

    # ------------------------------------------------------------------------------------------
    # Drawing
    # ------------------------------------------------------------------------------------------

    async def show_step(self, focus: bool = True) -> None:
        """Draw the current step in the main area, the sidebar and the guidance panel."""
        step = self.step
        domain = self.bank.domain(step.domain_id)
        holder = self.query_one("#step", VerticalScroll)
        await holder.remove_children()
        widgets: list[Widget] = []
        if step.kind == "intro":
            widgets.append(Static(f"{domain.title}: introduction", classes="step-heading", markup=False))
            widgets.append(StepText(domain.introduction, id="step-text", classes="to-read", markup=False))
            widgets.append(Static("PgDn begins this section's questions.", classes="hint", markup=False))
        elif step.kind == "check_in":
            assert domain.check_in is not None
            widgets.append(Static("Check in before the next question", classes="step-heading", markup=False))
            widgets.append(StepText(domain.check_in.text, id="step-text", classes="to-read", markup=False))
            widgets.append(
                Static(
                    "If they would rather stop or skip, PgDn still moves on; nothing is recorded.",
                    classes="hint",
                    markup=False,
                )
            )
        else:
            widgets.extend(self._question_widgets())
        await holder.mount_all(widgets)
        holder.scroll_home(animate=False)
        self._show_where()
        self._show_sidebar()
        self._show_guidance_text()
        self._remember_position()
        if focus:
            self._focus_step()
        self.refresh_bindings()

    def _question_widgets(self) -> list[Widget]:
        question = self.question
        assert question is not None
        answer = self.answer(question.id)
        widgets: list[Widget] = [
            Prompt(question.prompt, id="prompt", markup=False),
            Static(self._status_text(answer), id="status", markup=False),
            answer_widget(question, answer),
            Static("", id="problem", markup=False),
        ]
        if question.kind != "text" or question.note_prompt:
            widgets.append(
                Static(question.note_prompt or "In their own words (optional)", id="notes-label", markup=False)
            )
            widgets.append(NotesBox(question, answer, id="notes"))
        return widgets

    def _status_text(self, answer: Answer) -> str:
        mark = STATUS_MARKS[answer.status]
        text = f"{mark} {STATUS_LABELS[answer.status]}"
        if answer.question_id in self.before_mark and answer.status in ("declined", "not_discussed"):
            key = "d" if answer.status == "declined" else "u"
            text += f" (press {key} again to undo)"
        elif answer.status == "declined":
            text += " (choosing an answer changes this)"
        return text

    def _show_status(self) -> None:
        question = self.question
        if question is None:
            return
        for status in self.query("#status").results(Static):
            status.update(self._status_text(self.answer(question.id)))

    def _show_where(self) -> None:
        step = self.step
        domain = self.bank.domain(step.domain_id)
        wide = self.app.size.width >= WIDE
        title = domain.title if wide else short_title(domain)
        visible = self.bank.visible_questions(self.current_answers(), domain.id)
        if step.kind == "question":
            number = next((n for n, q in enumerate(visible, 1) if q.id == step.question_id), 0)
            text = f"{title} · {'question ' if wide else ''}{number} of {len(visible)}"
            question = self.question
            if question is not None and question.is_follow_up:
                text += " · follow-up"
        elif step.kind == "intro":
            text = f"{title} · introduction"
        else:
            text = f"{title} · check-in"
        self.query_one("#where", Static).update(text)

    def _show_sidebar(self) -> None:
        short = self.app.size.width < WIDE
        self.query_one(DomainList).show(self.bank, self.current_answers(), self.step.domain_id, short=short)

    def on_resize(self) -> None:
        if self.steps:
            self._show_sidebar()

    def _show_guidance_text(self) -> None:
        panel = self.query_one("#guidance-text", Static)
        step = self.step
        if step.kind == "intro":
            panel.update(Content.assemble(("Guidance\n\n", "bold"), INTRO_GUIDANCE))
            return
        question = self.bank.question(step.question_id) if step.question_id else None
        if question is None:
            panel.update("")
            return
        guide = question.guidance
        panel.update(
            Content.assemble(
                ("Guidance", "bold"),
                f" · {question.label}\n\n",
                ("Why we ask\n", "bold underline"),
                f"{guide.why}\n\n",
                ("Listen for\n", "bold underline"),
                f"{guide.listen_for}\n\n",
                ("If they'd rather not\n", "bold underline"),
                guide.if_declined,
            )
        )

    def watch_show_guidance(self, shown: bool) -> None:
        self.set_class(shown, "-guidance")

    def _focus_step(self) -> None:
        for selector in ("#answer", "#step-text", "#prompt"):
            found = self.query(selector)
            if found:
                found.first().focus()
                return

    def _set_saved(self, state: str) -> None:
        text = {"saved": "✓ saved", "saving": "… saving", "failed": "✗ NOT SAVED", "": ""}[state]
        # While the screen closes its widgets may already be gone; the save itself still happens.
        for indicator in self.query("#saved").results(Static):
            indicator.update(text)
            indicator.set_class(state == "failed", "-failed")

    def _show_problem(self, problem: str | None) -> None:
        self.problem = problem
        for box in self.query("#problem").results(Static):
            question = self.question
            hint = ""
            answer_box = self.query("#answer")
            if not problem and question is not None and answer_box:
                widget = answer_box.first()
                if isinstance(widget, ChoiceAnswer) and widget.chosen_describe_option():
                    hint = "Ask how they would describe it, and note their words below."
            box.update(f"✗ {problem} (Not saved until it is corrected.)" if problem else hint)
            box.set_class(bool(problem), "-problem")
            box.set_class(bool(hint), "-hint")

    # ------------------------------------------------------------------------------------------
    # Editing and saving
    # ------------------------------------------------------------------------------------------

    @on(AnswerEdited)
    async def _answer_edited(self, event: AnswerEdited) -> None:
        event.stop()
        current = self.answer(event.question_id)
        if event.problem:
            self._show_problem(event.problem)
            return
        self._show_problem(None)
        if event.value is None:
            # Emptying a box is not an answer: it goes back to "not yet discussed" (a decline stays a decline).
            status: AnswerStatus = "declined" if current.status == "declined" else "not_discussed"
            new = Answer(question_id=event.question_id, status=status, note=current.note)
        else:
            new = Answer(question_id=event.question_id, status="answered", value=event.value, note=current.note)
        self.before_mark.pop(event.question_id, None)
        await self._edit(new, immediate=event.immediate)

    @on(NoteEdited)
    async def _note_edited(self, event: NoteEdited) -> None:
        event.stop()
        current = self.answer(event.question_id)
        await self._edit(current.model_copy(update={"note": event.note}), immediate=False)

    async def _edit(self, new: Answer, *, immediate: bool) -> None:
        self.pending[new.question_id] = new
        self._show_status()
        if immediate:
            self.save_pending()
            await self._after_visibility_change()
        else:
            self._set_saved("saving")
            if self._timer is not None:
                self._timer.stop()
            self._timer = self.set_timer(TYPING_PAUSE_SECONDS, self._typing_paused)

    async def _typing_paused(self) -> None:
        self.save_pending()
        await self._after_visibility_change()

    def save_pending(self) -> bool:
        """Write every pending edit now. True when nothing is left unsaved."""
        from oasys_diversity.store import StoreError, save_answer

        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self.pending:
            return True
        app: Any = self.app
        for question_id, answer in list(self.pending.items()):
            try:
                stored = save_answer(app.db, self.case_id, answer, officer=app.officer)
            except StoreError as error:
                self._set_saved("failed")
                if not self._save_failed:
                    self.notify(
                        f"Not saved: {error}. What you entered is still on screen and will be saved when you "
                        "next move on or press ctrl+s.",
                        severity="error",
                        timeout=15,
                    )
                self._save_failed = True
                return False
            self.answers[question_id] = stored
            # Only drop the pending edit if nothing newer was typed while saving.
            if self.pending.get(question_id) is answer:
                del self.pending[question_id]
        if self._save_failed:
            self.notify("Saved now: everything on screen is in the database.")
        self._save_failed = False
        self._set_saved("saved")
        return True

    def flush(self) -> bool:
        """Save everything on screen (the app calls this before switching screens and on quit).

        False when something could not be saved, including a typed number or date that is not usable yet.
        """
        saved = self.save_pending()
        if saved and self.steps:
            self._remember_position()
        if self.problem and self.question is not None:
            self.notify(f"{self.question.label}: {self.problem}", severity="warning")
            return False
        return saved

    def _remember_position(self) -> None:
        from oasys_diversity.store import StoreError, set_position

        app: Any = self.app
        position = position_of(self.step, self.bank, self.current_answers())
        try:
            set_position(app.db, self.case_id, position)
        except StoreError:
            # Losing the resume point is an inconvenience, not lost words: the answers are saved separately.
            pass

    async def _after_visibility_change(self) -> None:
        """Recompute the steps after an answer: follow-ups may have appeared or gone."""
        answers = self.current_answers()
        steps = interview_steps(self.bank, answers)
        if steps != self.steps:
            before = {s.question_id for s in self.steps if s.kind == "question"}
            after = {s.question_id for s in steps if s.kind == "question"}
            current = self.step
            self.steps = steps
            self.index = steps.index(current) if current in steps else min(self.index, len(steps) - 1)
            for question_id in sorted(after - before, key=lambda q: [x.question_id for x in steps].index(q)):
                self.notify(f"Follow-up added: {self.bank.question(question_id).label}", timeout=4)
            for question_id in before - after:
                self.notify(
                    f"Follow-up no longer applies: {self.bank.question(question_id).label} "
                    "(anything recorded for it is kept)",
                    timeout=4,
                )
        self._show_where()
        self._show_sidebar()

    # ------------------------------------------------------------------------------------------
    # Moving
    # ------------------------------------------------------------------------------------------

    async def _move_to(self, index: int) -> None:
        if self.problem is not None:
            self.notify(f"{self.problem} Correct it or clear the box before moving on.", severity="warning")
            return
        if not self.save_pending():
            return
        await self._after_visibility_change()
        self.index = max(0, min(len(self.steps) - 1, index))
        await self.show_step()

    async def action_next(self) -> None:
        if self.index >= len(self.steps) - 1:
            self.save_pending()
            self.notify("That was the last question. Press r to review everything recorded.")
            return
        await self._move_to(self.index + 1)

    async def action_previous(self) -> None:
        if self.index == 0:
            self.notify("This is the start of the conversation.")
            return
        await self._move_to(self.index - 1)

    async def go_to_question(self, question_id: str) -> None:
        index = _question_index(self.steps, question_id)
        if index is None:
            self.notify("That follow-up does not apply with the answers given now.")
            return
        await self._move_to(index)

    async def go_to_domain(self, domain_id: str) -> None:
        """A domain's first question not yet discussed; its introduction if nothing in it has been touched."""
        answers = self.current_answers()
        visible = self.bank.visible_questions(answers, domain_id)
        touched = [q for q in visible if q.id in answers]
        if not touched:
            index = next(i for i, s in enumerate(self.steps) if s.kind == "intro" and s.domain_id == domain_id)
        else:
            waiting = [q for q in visible if self.answer(q.id).status == "not_discussed"]
            target = (waiting or visible)[0]
            index = _question_index(self.steps, target.id) or 0
        await self._move_to(index)

    @on(OptionList.OptionSelected, "#domains")
    async def _domain_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            await self.go_to_domain(event.option.id)

    # ------------------------------------------------------------------------------------------
    # Marking declined / not yet discussed
    # ------------------------------------------------------------------------------------------

    async def _mark(self, status: AnswerStatus) -> None:
        question = self.question
        if question is None:
            self.notify("Go to a question first (PgDn).")
            return
        current = self.answer(question.id)
        if current.status == status and question.id in self.before_mark:
            new = self.before_mark.pop(question.id)
        else:
            if current.status != status:
                self.before_mark[question.id] = current
            new = Answer(question_id=question.id, status=status, note=current.note)
        self._show_problem(None)
        self.pending[question.id] = new
        self.save_pending()
        await self._after_visibility_change()
        await self._redraw_answer()

    async def _redraw_answer(self) -> None:
        """Show the answer widget again after d or u changed the answer behind it."""
        question = self.question
        if question is None:
            return
        found = self.query("#answer")
        if not found:
            return
        old = found.first()
        had_focus = old.has_focus
        new = answer_widget(question, self.answer(question.id))
        await old.remove()
        await self.query_one("#step", VerticalScroll).mount(new, after=self.query_one("#status"))
        self._show_status()
        if had_focus or not isinstance(self.focused, Input | TextArea):
            new.focus()

    async def action_decline(self) -> None:
        await self._mark("declined")

    async def action_not_discussed(self) -> None:
        await self._mark("not_discussed")

    async def action_decline_in_box(self) -> None:
        await self._mark("declined")

    async def action_not_discussed_in_box(self) -> None:
        await self._mark("not_discussed")

    def action_guidance_in_box(self) -> None:
        self.action_toggle_guidance()

    # ------------------------------------------------------------------------------------------
    # Other keys
    # ------------------------------------------------------------------------------------------

    def action_toggle_guidance(self) -> None:
        self.show_guidance = not self.show_guidance

    def action_done_typing(self) -> None:
        """Save what was typed and step out of the box, so the letter keys work."""
        self.save_pending()
        target = self.query("#answer").first() if isinstance(self.focused, NotesBox) else None
        if target is None or isinstance(target, Input | TextArea):
            target = self.query("#prompt").first() if self.query("#prompt") else None
        if target is not None:
            target.focus()
        else:
            self.set_focus(None)

    def action_back(self) -> None:
        """Back to the list of cases, once everything is saved."""
        if self.problem is not None:
            self.notify(f"{self.problem} Correct it or clear the box first.", severity="warning")
            return
        if self.flush():
            self.app.pop_screen()

    def action_review(self) -> None:
        self._show_other("show_review")

    def action_plan(self) -> None:
        self._show_other("show_plan")

    def action_export(self) -> None:
        self._show_other("show_export")

    def _show_other(self, method: str) -> None:
        if self.problem is not None:
            self.notify(f"{self.problem} Correct it or clear the box first.", severity="warning")
            return
        if not self.flush():
            return
        getattr(self.app, method)(self.case_id)

    def action_save_now(self) -> None:
        if self.save_pending():
            self.notify("Saved.")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        typing = self._typing()
        if action in MARK_ACTIONS and self.steps and self.step.kind != "question":
            return False  # an introduction or check-in has nothing to mark
        if action in LETTER_ACTIONS and typing:
            return False  # the letters are being typed; hide them from the footer
        if action in IN_BOX_ACTIONS or action == "done_typing":
            return typing
        if action == "back":
            return not typing
        return True

    def _typing(self) -> bool:
        return isinstance(self.focused, Input | TextArea)

    def on_descendant_focus(self, _event: DescendantFocus) -> None:
        self.refresh_bindings()

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        # Leaving a box saves what was typed in it.
        if isinstance(event.widget, Input | TextArea) and self.pending:
            self.save_pending()
        self.refresh_bindings()

    def on_screen_suspend(self) -> None:
        self.flush()

    def on_unmount(self) -> None:
        # A last chance for anything typed: the app is closing or the case is being switched.
        if self.pending:
            self.save_pending()
