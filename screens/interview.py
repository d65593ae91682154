"""Interview: one question at a time, with the domains and their progress down the side.

The conversation is a sequence of steps: each domain's introduction, then its questions, with the
domain's check-in before its sensitive question. Follow-ups join the sequence while their `show_if`
holds and leave it when it stops holding; their stored answers are never deleted.

Every answer is saved as it is given: a choice at once, typing a moment after it stops, and
everything pending when the officer moves on, opens another screen or quits. If a save fails the
words stay on screen, the indicator says "not saved" and the next move tries again.

Moving on must feel instant, so a step is drawn in place: the widgets are made once and their words
changed; the answer widget is made again only when the kind of question changes; the sidebar redraws
only rows whose counts change, and the footer only when its keys do. Before a move (and before d or u) the
screen lets the answer or notes box act on any keys already sent to it, typing or choosing, and takes what it
holds, so a key pressed on one question never lands on the next (see screens/answers.py).
`benchmarks/bench_interview.py` measures a PgDn.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import DescendantBlur
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from oasys_diversity.model import STATUS_LABELS, Answer, AnswerStatus, Domain, Question, QuestionBank, too_long
from oasys_diversity.screens.answers import (
    AnswerBox,
    AnswerEdited,
    ChoiceAnswer,
    NoteEdited,
    NotesBox,
    Rewrapping,
    answer_class,
    answer_widget,
)
from oasys_diversity.steps import (
    DeeperChoice,
    Progress,
    Step,
    domain_progress,
    interview_steps,
    note_to_offer,
    position_of,
    question_index,
    resume_index,
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

# Three lines within the side column (26 characters): the marks, then the whole conversation's progress.
LEGEND = "✓ answered  ✗ declined\n○ not yet  +n/m deeper"


def deeper_offer_text(total: int, left: int, chosen: DeeperChoice | None) -> str:
    """What the offer to go deeper says: how many deeper questions there are and where they stand."""
    words = (
        f"That was the last core question of this section. There {'is' if total == 1 else 'are'} {total} deeper "
        f"question{'' if total == 1 else 's'} here, {left} not yet discussed. Ask whether the person would like to "
        "go on now, or leave them for another session; nothing is lost either way."
    )
    if chosen == "now":
        words += "\n\nYou chose to go deeper now: the deeper questions follow."
    elif chosen == "later":
        words += "\n\nYou chose another session: they will be offered again then."
    return words


def follow_up_notice(added: int, gone: int) -> str:
    """The quiet line after an answer changed which follow-ups apply: "2 follow-ups added"."""
    parts = []
    if added:
        parts.append(f"{added} follow-up{'' if added == 1 else 's'} added, straight after this question")
    if gone:
        parts.append(f"{gone} no longer appl{'ies' if gone == 1 else 'y'} (anything recorded is kept)")
    return "; ".join(parts)


INTRO_GUIDANCE = (
    "Read the introduction out, or say the same in your own words. Pause for questions. "
    "It is fine to skip a whole section if the person does not want to talk about it today: "
    'use PgDn to move on, and the questions stay "not yet discussed".'
)


# The order of steps, where to resume and the counts are pure functions in oasys_diversity.steps.
_question_index = question_index


def short_title(domain: Domain) -> str:
    """The title up to its first "and" ("Faith and belief" → "Faith"), for the sidebar of a narrow terminal."""
    return domain.title.split(" and ")[0]


# ---------------------------------------------------------------------------------------------
# Widgets
# ---------------------------------------------------------------------------------------------


class DomainList(OptionList):
    """The domains with their progress; Enter goes to the chosen domain.

    Only the rows whose words change are redrawn: moving within a domain usually changes none.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rows: dict[str, tuple[object, ...]] = {}

    def show(self, bank: QuestionBank, answers: dict[str, Answer], current: str, *, short: bool) -> list[Progress]:
        """Redraw the rows that changed; returns every domain's progress (the legend totals them)."""
        counted: list[Progress] = []
        for domain in bank.domains:
            here = domain.id == current
            progress = domain_progress(bank, domain, answers)
            counted.append(progress)
            row = (here, short_title(domain) if short else domain.title, progress)
            if self._rows.get(domain.id) == row:
                continue
            text = Content.assemble(
                (f"{'▶ ' if here else '  '}{row[1]}\n", "bold" if here else ""),
                f"  ✓{progress.done} ✗{progress.declined} ○{progress.waiting}",
                (f"  +{progress.deeper_discussed}/{progress.deeper_total}" if progress.deeper_total else "", "dim"),
            )
            if domain.id in self._rows:
                self.replace_option_prompt(domain.id, text)
            else:
                self.add_option(Option(text, id=domain.id))
            self._rows[domain.id] = row
        if not (self.has_focus and self.highlighted is not None):
            self.highlighted = self.get_option_index(current)
        return counted


class KeysFooter(Footer):
    """The footer, rebuilt only when the keys it shows change.

    Textual's footer removes and remounts every key on each focus change and each `refresh_bindings`, several
    times per question; that rebuilding was most of the time a PgDn took. Requests made before the next
    refresh are handled once, and nothing is rebuilt when the keys are the same as before.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[tuple[object, ...], ...] | None = None
        self._queued = False
        # While the screen moves between steps focus passes through in-between widgets; wait for where it lands.
        self.held = False

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or self._queued or self.held:
            return
        if self.is_attached and screen is self.screen:
            self._queued = True
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        self._queued = False
        if not self.is_attached or self._pruning:
            return  # the screen closed meanwhile
        shown = tuple(
            (key, binding.action, binding.description, binding.key_display, binding.group, enabled, tooltip)
            for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show or key == self.app.COMMAND_PALETTE_BINDING
        )
        if shown != self._shown:
            self._shown = shown
            await self.recompose()


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
        "Follow-up questions appear straight after the answer that makes them relevant and disappear if it "
        "changes; whatever was recorded for them is kept. When the notes already hold what a follow-up asks, "
        "**ctrl+o** uses those words.\n\n"
        "**The core path** comes first: the questions that fit one supervision. After each section's core "
        "questions, Enter on **Go deeper now** or **Another session** (PgDn moves on; they are offered again).\n\n"
        "**alt+↓ / alt+↑** scroll the guidance while it is open. **ctrl+l** changes this session's language and "
        "interpreter.\n\n"
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
        Binding("ctrl+o", "use_note", "Use the note", id="interview.use_note", priority=True),
        Binding("alt+down", "guidance_down", "Guidance ↓", id="interview.guidance_down", key_display="alt+↓", priority=True),
        Binding("alt+up", "guidance_up", "Guidance ↑", id="interview.guidance_up", key_display="alt+↑", priority=True),
        Binding("ctrl+l", "language", "Language", id="interview.language", show=False, priority=True),
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
        # The resume point last written, so moving within the same question does not write it again.
        self._position_saved: str | None = None
        # The words last put in each in-place line (by selector).
        self._texts: dict[str, str] = {}
        # Widgets composed with the screen, found once by selector (looking them up walks the whole screen).
        self._parts: dict[str, Any] = {}
        # The answer widget and notes box, kept from question to question (see screens/answers.py).
        self._answer_box: AnswerBox | None = None
        self._notes_box: NotesBox | None = None
        # Practice: domains whose check-in has been read out (a scenario may hold a reply back until then).
        self._checked_in: set[str] = set()
        # The officer's choices to go deeper this session (domain id → "now" or "later").
        self.deeper: dict[str, DeeperChoice] = {}
        # Words the notes already hold that a text follow-up could use (ctrl+o), for the question showing.
        self._note_offer: str | None = None

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
                yield Static(LEGEND, id="legend", markup=False)
            with Vertical(id="main"):
                with Horizontal(id="where-bar"):
                    yield Static("", id="where", markup=False)
                    yield Static("", id="saved", markup=False)
                # One quiet line for what changed ("2 follow-ups added") and other notices: never over the question.
                yield Static("", id="notice", markup=False)
                with VerticalScroll(id="step"):
                    # Both kinds of step are kept mounted and updated in place (the other kind hidden), so moving on
                    # changes words rather than building widgets. The answer widget and notes box join them.
                    yield Static("", id="step-heading", classes="step-heading", markup=False)
                    yield StepText("", id="step-text", classes="to-read", markup=False)
                    yield Static("", id="step-hint", classes="hint", markup=False)
                    yield OptionList(id="deeper-choice", markup=False)
                    yield Prompt("", id="prompt", markup=False)
                    yield Static("", id="practice-reply", markup=False)
                    yield Static("", id="note-offer", markup=False)
                    yield Static("", id="status", markup=False)
                    yield Static("", id="answer-label", markup=False)
                    yield Static("", id="problem", markup=False)
                    yield Static("", id="notes-label", markup=False)
            with VerticalScroll(id="guidance"):
                yield Static("", id="guidance-text")
        yield KeysFooter(compact=True, show_command_palette=False)

    async def on_mount(self) -> None:
        from oasys_diversity.store import StoreError, get_position, load_assessment
        from oasys_diversity.store_sessions import deeper_choices

        app: Any = self.app
        try:
            assessment = load_assessment(app.db, self.case_id)
            position = self.start_question or get_position(app.db, self.case_id)
            self.deeper = deeper_choices(app.db, self.case_id, self._session_id())
        except StoreError as error:
            self.dismiss()
            self.app.notify(f"This case could not be read: {error}", severity="error", timeout=15)
            return
        self.answers = dict(assessment.answers)
        name = self.answer("person.preferred_name").value or assessment.case.name
        marks = [mark for mark in (app.banner, "DEMO" if app.demo_folder is not None else None) if mark]
        if app.banner and app.title == app.banner:
            marks = []  # the header's title already carries it
        self.sub_title = " · ".join([*marks, assessment.case.reference, str(name)])
        if self.start_question is not None and self.bank.has(self.start_question):
            self._go_deeper_for(self.start_question)
        self.steps = interview_steps(self.bank, self.answers, self.deeper)
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

    def _session_id(self) -> int | None:
        session = getattr(self.app, "sessions", {}).get(self.case_id)
        return session.id if session is not None else None

    def _go_deeper_for(self, question_id: str) -> None:
        """Going to a deeper question (from Review or the palette) is going deeper in its domain."""
        question = self.bank.question(question_id)
        if question.depth == "deeper" and self.deeper.get(question.domain) != "now":
            self._choose_deeper(question.domain, "now")

    def _choose_deeper(self, domain_id: str, choice: DeeperChoice) -> None:
        from oasys_diversity.store import StoreError
        from oasys_diversity.store_sessions import set_deeper_choice

        self.deeper[domain_id] = choice
        app: Any = self.app
        try:
            set_deeper_choice(app.db, self.case_id, domain_id, choice, session_id=self._session_id())
        except StoreError as error:
            # The choice still holds on screen; only the next session will not know it.
            self.notify(f"The choice to go deeper was not saved: {error}", severity="warning")

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
        footer = self._part("KeysFooter")
        if footer is not None:
            footer.held = True
        try:
            # One repaint for the whole move, not one for each widget taken away or added.
            with self.app.batch_update():
                if step.kind == "question":
                    await self._show_question()
                else:
                    await self._show_reading(step)
                self._part("#step").scroll_home(animate=False)
                self._show_where()
                self._show_sidebar()
                self._show_guidance_text()
                self._remember_position()
                if focus:
                    self._focus_step()
        finally:
            if footer is not None:
                footer.held = False
        self.refresh_bindings()

    async def _show_reading(self, step: Step) -> None:
        """An introduction or check-in: a heading, the words to read out and a hint."""
        domain = self.bank.domain(step.domain_id)
        if step.kind == "intro":
            heading = f"{domain.title}: introduction"
            words = domain.introduction
            hint = "PgDn begins this section's questions."
        elif step.kind == "deeper_offer":
            progress = domain_progress(self.bank, domain, self.current_answers())
            left = progress.deeper_total - progress.deeper_discussed
            heading = f"{domain.title}: go deeper?"
            words = deeper_offer_text(progress.deeper_total, left, self.deeper.get(domain.id))
            hint = "Enter on a choice. PgDn moves on without choosing: they are offered again next session."
            self._show_deeper_choice(left)
        else:
            assert domain.check_in is not None
            self._checked_in.add(domain.id)
            heading = "Check in before the next question"
            words = domain.check_in.text
            hint = "If they would rather stop or skip, PgDn still moves on; nothing is recorded."
        self._clear_problem()
        self._update("#step-heading", heading)
        self._update("#step-text", words)
        self._update("#step-hint", hint)
        self._show_kind(reading=True, notes=False, offer=step.kind == "deeper_offer")

    async def _show_question(self) -> None:
        """The words to say, where the answer stands, the answer widget and (for most kinds) the notes box.

        The answer widget is kept while questions are of the same kind, and the notes box always, so moving
        on changes their contents rather than building new widgets.
        """
        question = self.question
        assert question is not None
        answer = self.answer(question.id)
        typed = question.kind == "text"
        # One box for the person's words: on a question answered in their words that box is the answer, and a
        # separate notes box shows only to keep a note written before (nothing recorded is ever hidden).
        notes = not typed or bool(answer.note)
        self._clear_problem()
        self._update("#prompt", question.prompt)
        self._show_practice_reply(question.id)
        self._update("#status", self._status_text(answer))
        self._update("#answer-label", question.note_prompt or "Their words, as they say them")
        self._update("#notes-label", "Earlier notes" if typed else question.note_prompt or "In their own words (optional)")
        self._show_note_offer(question, answer)
        holder = self._part("#step")
        mounting: list[Any] = []
        box = self._answer_box
        if box is not None and type(box) is answer_class(question):
            box.show(question, answer)
        else:
            if box is not None:
                await box.remove()
            self._answer_box = box = answer_widget(question, answer)
            mounting.append(holder.mount(box, after=self._part("#answer-label")))
        if self._notes_box is None:
            self._notes_box = NotesBox(question, answer, id="notes")
            mounting.append(holder.mount(self._notes_box, after=self._part("#notes-label")))
        else:
            self._notes_box.show(question, answer)
        self._show_kind(reading=False, notes=notes, label=typed)
        for mounted in mounting:
            await mounted

    def _show_deeper_choice(self, left: int) -> None:
        choice = self._part("#deeper-choice")
        chosen = self.deeper.get(self.step.domain_id)
        now = f"{'(●)' if chosen == 'now' else '( )'} Go deeper now ({left} not yet discussed)"
        later = f"{'(●)' if chosen == 'later' else '( )'} Another session"
        choice.set_options([Option(now, id="now"), Option(later, id="later")])
        choice.highlighted = 1 if chosen == "later" else 0

    @on(OptionList.OptionSelected, "#deeper-choice")
    async def _deeper_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        step = self.step
        if step.kind != "deeper_offer" or event.option.id not in ("now", "later"):
            return
        self._choose_deeper(step.domain_id, event.option.id)  # type: ignore[arg-type]
        self._recompute_steps()
        await self._move_to(self.steps.index(step) + 1 if step in self.steps else self.index)

    def _show_kind(self, *, reading: bool, notes: bool, offer: bool = False, label: bool = False) -> None:
        for selector in ("#step-heading", "#step-text", "#step-hint"):
            self._part(selector).display = reading
        self._part("#deeper-choice").display = offer
        self._part("#answer-label").display = label and not reading
        self._part("#note-offer").display = bool(self._note_offer) and not reading
        self._part("#prompt").display = self._part("#status").display = not reading
        self._part("#practice-reply").display = not reading and bool(self._texts.get("#practice-reply"))
        self._part("#notes-label").display = not reading and notes
        if self._answer_box is not None:
            self._answer_box.display = not reading
        if self._notes_box is not None:
            self._notes_box.display = not reading and notes

    def _show_practice_reply(self, question_id: str) -> None:
        """In practice mode, what the fictional person says at this question (screens/practice.py)."""
        said = None
        if getattr(self.app, "db_kind", "live") == "practice":
            from oasys_diversity.screens.practice import reply_for

            domain = question_id.split(".")[0]
            said = reply_for(self.app, self.case_id, question_id, self.answers, domain in self._checked_in)
        self._update("#practice-reply", said or "")

    def _show_note_offer(self, question: Question, answer: Answer) -> None:
        """A follow-up that asks in words for what the notes already hold offers those words instead."""
        offer = note_to_offer(self.bank, question, self.current_answers())
        self._note_offer = offer[1] if offer and answer.status == "not_discussed" else None
        if self._note_offer is not None and offer is not None:
            label = self.bank.question(offer[0]).label
            self._update("#note-offer", f"The notes on “{label}” already say: “{self._note_offer}” (ctrl+o uses them)")
        else:
            self._update("#note-offer", "")

    async def action_use_note(self) -> None:
        """Take the words already in the notes as this follow-up's answer, rather than asking again."""
        question = self.question
        if question is None or self._note_offer is None:
            return
        await self._let_keys_land()
        self._take_edits()
        new = Answer(question_id=question.id, status="answered", value=self._note_offer, note=self.answer(question.id).note)
        self._note_offer = None
        self.pending[question.id] = new
        self.save_pending()
        await self._redraw_answer()
        self._part("#note-offer").display = False
        self.refresh_bindings()

    def _part(self, selector: str) -> Any:
        """A widget composed with the screen, or None once the screen is closing and it has gone."""
        widget = self._parts.get(selector)
        if widget is None:
            found = self.query(selector)
            if not found:
                return None
            widget = self._parts[selector] = found.first()
        return widget if widget.is_attached else None

    def _update(self, selector: str, text: str) -> None:
        """Change a line of words only when they differ, so an unchanged line is not laid out again."""
        widget = self._part(selector)
        if widget is not None and self._texts.get(selector) != text:
            self._texts[selector] = text
            widget.update(text)

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
        self._update("#status", self._status_text(self.answer(question.id)))

    def _show_where(self) -> None:
        step = self.step
        domain = self.bank.domain(step.domain_id)
        wide = self.app.size.width >= WIDE
        title = domain.title if wide else short_title(domain)
        question = self.question
        if step.kind == "question" and question is not None:
            # Counted over this domain's questions of the same depth, in the order they are asked.
            same = [
                s.question_id
                for s in self.steps
                if s.kind == "question"
                and s.domain_id == domain.id
                and s.question_id is not None
                and self.bank.question(s.question_id).depth == question.depth
            ]
            number = same.index(question.id) + 1 if question.id in same else 0
            text = f"{title} · {question.depth} {'question ' if wide else ''}{number} of {len(same)}"
            if question.is_follow_up:
                text += " · follow-up"
        elif step.kind == "intro":
            text = f"{title} · introduction"
        elif step.kind == "deeper_offer":
            text = f"{title} · go deeper?"
        else:
            text = f"{title} · check-in"
        self._update("#where", text)

    def _show_sidebar(self) -> None:
        short = self.app.size.width < WIDE
        answers = self.current_answers()
        core = self._part("#domains").show(self.bank, answers, self.step.domain_id, short=short)
        discussed = sum(p.done + p.declined for p in core)
        total = sum(p.done + p.declined + p.waiting for p in core)
        deeper = sum(p.deeper_discussed for p in core), sum(p.deeper_total for p in core)
        self._update("#legend", f"{LEGEND}\nCore {discussed}/{total} · deeper {deeper[0]}/{deeper[1]}")

    def on_resize(self) -> None:
        if self.steps:
            self._show_sidebar()
            self.call_after_refresh(self._rewrap_boxes)

    def _show_guidance_text(self) -> None:
        panel = self._part("#guidance-text")
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
        # The keys that scroll the guidance show in the footer only while it is open.
        self.refresh_bindings()
        self.call_after_refresh(self._rewrap_boxes)

    def _rewrap_boxes(self) -> None:
        """Wrap the words in the text boxes again for the width they have now (the guidance opened or closed, or
        the terminal changed size), so nothing is drawn for a width the box no longer has."""
        for box in (self._answer_box, self._notes_box):
            if isinstance(box, Rewrapping):
                box.rewrap()

    def _focus_step(self) -> None:
        kind = self.step.kind
        target = (
            self._answer_box
            if kind == "question"
            else self._part("#deeper-choice" if kind == "deeper_offer" else "#step-text")
        )
        if target is not None:
            # At once rather than after the next refresh, so the footer is drawn for where focus lands.
            self.set_focus(target)

    def _set_saved(self, state: str) -> None:
        text = {"saved": "✓ saved", "saving": "… saving", "failed": "✗ NOT SAVED", "": ""}[state]
        # While the screen closes its widgets may already be gone; the save itself still happens.
        self._update("#saved", text)
        indicator = self._part("#saved")
        if indicator is not None:
            indicator.set_class(state == "failed", "-failed")

    def _clear_problem(self) -> None:
        """A new step starts with no problem and no hint showing."""
        self.problem = None
        box = self._part("#problem")
        if box is not None and (box.has_class("-problem") or box.has_class("-hint")):
            box.remove_class("-problem", "-hint")
            box.update("")

    def _show_problem(self, problem: str | None) -> None:
        self.problem = problem
        box = self._part("#problem")
        if box is not None:
            hint = ""
            widget = self._answer_box
            if not problem and self.question is not None and isinstance(widget, ChoiceAnswer):
                if widget.chosen_describe_option():
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
        if self._is_stale(event, self._answer_box):
            return
        new = self._answer_from(event)
        if new is not None:
            await self._edit(new, immediate=event.immediate)

    @on(NoteEdited)
    async def _note_edited(self, event: NoteEdited) -> None:
        event.stop()
        if self._is_stale(event, self._notes_box):
            return
        new = self._note_from(event)
        if new is not None:
            await self._edit(new, immediate=False)

    def _is_stale(self, event: AnswerEdited | NoteEdited, box: AnswerBox | NotesBox | None) -> bool:
        """Sent before the screen took the box's state directly (or from a box since replaced): nothing new."""
        return box is None or event.generation != box.generation or event.question_id != box.question.id

    def _answer_from(self, event: AnswerEdited) -> Answer | None:
        """The answer an edit makes, or None (and the problem shown) when the entry is not usable yet."""
        current = self.answer(event.question_id)
        if event.problem:
            self._show_problem(event.problem)
            return None
        self._show_problem(None)
        self.before_mark.pop(event.question_id, None)
        if event.value is None:
            # Emptying a box is not an answer: it goes back to "not yet discussed" (a decline stays a decline).
            status: AnswerStatus = "declined" if current.status == "declined" else "not_discussed"
            return Answer(question_id=event.question_id, status=status, note=current.note)
        return Answer(question_id=event.question_id, status="answered", value=event.value, note=current.note)

    def _note_from(self, event: NoteEdited) -> Answer | None:
        """The answer with the new note, or None (and the problem shown) when the note is too long to keep."""
        if self._note_too_long(event.note):
            return None
        if self.problem is not None and self.problem.startswith("The note "):
            self._show_problem(None)
        return self.answer(event.question_id).model_copy(update={"note": event.note})

    def _note_too_long(self, note: str) -> bool:
        """Show the problem and return True when the note is over the limit (model.MAX_NOTE_CHARS)."""
        problem = too_long(note)
        if problem is not None:
            self._show_problem(f"The note {problem}. Shorten it; nothing more is saved until then.")
        return problem is not None

    async def _let_keys_land(self) -> None:
        """Let the answer or notes box take the keys already sent to it (typing, and on a choice Enter, space
        and up/down), so none meant for this question is lost or lands in the next one when the box shows
        the next question."""
        box = self.focused
        if box is None or box not in (self._answer_box, self._notes_box) or not box.is_attached:
            return
        if isinstance(box, ChoiceAnswer) and box.acting_on_key:
            return  # this is the box's own turn, acting on a key: those before it are done, those after wait
        landed = asyncio.Event()
        # The callback runs after everything already in the box's queue.
        if box.call_later(landed.set):
            with suppress(TimeoutError):
                await asyncio.wait_for(landed.wait(), timeout=1)

    def _take_edits(self) -> None:
        """Put what the boxes hold now into the pending edits, without waiting for their messages."""
        question = self.question
        if question is None:
            return
        for box in (self._answer_box, self._notes_box):
            if box is None or box.question.id != question.id:
                continue
            edit = box.take_edit()
            if isinstance(edit, AnswerEdited):
                new = self._answer_from(edit)
            elif isinstance(edit, NoteEdited):
                new = self._note_from(edit)
            else:
                continue
            if new is not None:
                self.pending[new.question_id] = new
        notes = self._notes_box
        if notes is not None and notes.question.id == question.id:
            # Still over the limit though an answer edit since cleared the message: it is not saved.
            self._note_too_long(notes.text)
        self._show_status()

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
                stored = save_answer(app.db, self.case_id, answer, officer=app.officer, bank=app.bank)
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
        self._take_edits()
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
        if position == self._position_saved:
            return
        try:
            set_position(app.db, self.case_id, position)
            self._position_saved = position
        except StoreError:
            # Losing the resume point is an inconvenience, not lost words: the answers are saved separately.
            pass

    async def _after_visibility_change(self) -> None:
        """Recompute the steps after an answer, and show where the conversation stands now."""
        self._recompute_steps()
        self._show_where()
        self._show_sidebar()

    def _recompute_steps(self, *, quiet: bool = False) -> None:
        """Follow-ups may have appeared or gone with the answers given."""
        answers = self.current_answers()
        steps = interview_steps(self.bank, answers, self.deeper)
        if steps != self.steps:
            before = {s.question_id for s in self.steps if s.kind == "question"}
            after = {s.question_id for s in steps if s.kind == "question"}
            current = self.step
            self.steps = steps
            self.index = steps.index(current) if current in steps else min(self.index, len(steps) - 1)
            if not quiet and self.step.kind == "question" and (after - before or before - after):
                self.show_notice(follow_up_notice(len(after - before), len(before - after)))

    # ------------------------------------------------------------------------------------------
    # Moving
    # ------------------------------------------------------------------------------------------

    async def _move_to(self, index: int) -> None:
        self.show_notice("")
        await self._let_keys_land()
        self._take_edits()
        if self.problem is not None:
            self.notify(f"{self.problem} Correct it or clear the box before moving on.", severity="warning")
            return
        if not self.save_pending():
            return
        # Only the steps: show_step draws the rest once, for the step being moved to.
        self._recompute_steps()
        self.index = max(0, min(len(self.steps) - 1, index))
        await self.show_step()

    async def action_next(self) -> None:
        if self.index >= len(self.steps) - 1:
            await self._let_keys_land()
            self._take_edits()
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
        if self.bank.has(question_id) and self.bank.question(question_id).depth == "deeper":
            # Going to a deeper question is going deeper in its domain: its questions join the steps.
            self._go_deeper_for(question_id)
            self._recompute_steps(quiet=True)
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
        await self._let_keys_land()
        self._take_edits()
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
        """Show the answer again after d or u changed it (the notes are kept as typed)."""
        question = self.question
        box = self._answer_box
        if question is None or box is None:
            return
        box.show(question, self.answer(question.id))
        self._show_status()
        if not box.has_focus and not isinstance(self.focused, Input | TextArea):
            self.set_focus(box)

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

    def action_guidance_down(self) -> None:
        self._part("#guidance").scroll_page_down(animate=False)

    def action_guidance_up(self) -> None:
        self._part("#guidance").scroll_page_up(animate=False)

    def action_language(self) -> None:
        """Change this session's language or interpreter (they joined late, or it was entered wrongly)."""
        if self.flush():
            self.app.ask_language(self.case_id, then=None)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------------------------------
    # Notices: one quiet line under the place in the conversation, never over the question
    # ------------------------------------------------------------------------------------------

    def show_notice(self, message: str, severity: str = "information") -> None:
        """Show a notice in the status area (an empty message clears it)."""
        line = self._part("#notice")
        if line is None:
            return
        line.update(message)
        line.set_class(bool(message), "-shown")
        line.set_class(severity == "error", "-error")
        line.set_class(severity == "warning", "-warning")

    def notify(self, message: str, *, title: str = "", severity: str = "information", **_kwargs: Any) -> None:  # type: ignore[override]
        """Notices go in the status line, so a toast never covers the words to say or the answer."""
        prefix = {"error": "✗ ", "warning": "! "}.get(severity, "")
        self.show_notice(f"{prefix}{title + ': ' if title else ''}{message}", severity)

    def action_done_typing(self) -> None:
        """Save what was typed and step out of the box, so the letter keys work."""
        self._take_edits()
        self.save_pending()
        target = self._answer_box if isinstance(self.focused, NotesBox) else None
        if target is None or isinstance(target, Input | TextArea):
            target = self._part("#prompt")
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
        if action == "use_note":
            return self._note_offer is not None and self.steps and self.step.kind == "question"
        if action in ("guidance_down", "guidance_up"):
            return self.show_guidance
        if action == "back":
            return not typing
        return True

    def _typing(self) -> bool:
        return isinstance(self.focused, Input | TextArea)

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        # Leaving a box saves what was typed in it.
        if isinstance(event.widget, Input | TextArea):
            self._take_edits()
            if self.pending:
                self.save_pending()

    def on_screen_suspend(self) -> None:
        self.flush()

    def on_unmount(self) -> None:
        # A last chance for anything typed: the app is closing or the case is being switched.
        if self.steps:
            self._take_edits()
        if self.pending:
            self.save_pending()
