"""The answer widget for each kind of question, and the notes box for the person's own words.

Every widget reports edits with `AnswerEdited` (the value, or a problem to show) or `NoteEdited`;
the interview screen decides what to save. Choices show their state as a mark — (●) chosen, [✓]
ticked — never by colour alone.

The screen keeps these widgets and shows the next question in them (`show`) rather than building new
ones, so moving on is quick. When it moves on it takes what a box holds directly (`take_edit`) instead of
waiting for its messages; each box numbers its reports with a `generation` that changes whenever that
happens, so a message still on its way from before is recognised as stale and cannot overwrite what was
taken, or land on the next question.

A choice box acts on the keys sent to it (Enter, space, up/down, and the screen's letters) in its own turn,
in order, rather than leaving them to the app when they have bubbled back up, and chooses at once rather than
through a message to itself. So when the screen lets the box handle the keys already sent to it before a move,
a choice is made on the question it was pressed on. Each key is stamped with the question showing when it
arrived; one only reached after the box shows another question is dropped, never applied to that one.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from weakref import WeakKeyDictionary

from textual import events, on
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList, TextArea
from textual.widgets.option_list import Option

from oasys_diversity.model import Answer, Question, too_long
from oasys_diversity.safe_text import for_terminal

# The extra choice on a multiple-choice question: talked about, and none of the options apply.
NOTHING_TO_ADD = "__nothing_to_add__"
NOTHING_TO_ADD_LABEL = "None of these (discussed: nothing to add)"


class AnswerEdited(Message):
    """The officer changed an answer. `problem` is set (and `value` None) when the entry is not usable yet.

    `immediate` is True for a choice (save now) and False while typing (save after a pause).
    """

    def __init__(
        self, question_id: str, value: Any, *, immediate: bool, problem: str | None = None, generation: int = 0
    ) -> None:
        super().__init__()
        self.question_id = question_id
        self.value = value
        self.immediate = immediate
        self.problem = problem
        # The box's generation when this was sent: stale once the screen has taken the box's state directly.
        self.generation = generation


class NoteEdited(Message):
    """The officer typed in the notes box."""

    def __init__(self, question_id: str, note: str, *, generation: int = 0) -> None:
        super().__init__()
        self.question_id = question_id
        self.note = note
        self.generation = generation


class Reporting:
    """What a box has told the screen. `generation` changes when the box shows a question afresh and when
    the screen takes its state directly; `unconfirmed` says a report was sent since then (it may still be
    on its way, and will be dropped as stale, so taking the state must repeat it)."""

    generation: int = 0
    unconfirmed: bool = False

    def _reported(self) -> int:
        self.unconfirmed = True
        return self.generation

    def _taken(self) -> int:
        """Start a new generation, returning the one the taken state belongs to."""
        taken = self.generation
        self.generation += 1
        self.unconfirmed = False
        return taken


# ---------------------------------------------------------------------------------------------
# Choices: single, multi and yes/no/unsure
# ---------------------------------------------------------------------------------------------


class ChoiceAnswer(Reporting, OptionList):
    """The options of a single, multiple or yes/no/unsure question, with group headings where the bank has them.

    Enter or space chooses (or, for multiple choice, ticks and unticks) the highlighted option.
    """

    BINDINGS = [Binding("space", "select", "Choose", show=False, id="answer.choose")]

    def __init__(self, question: Question, answer: Answer, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        # The question showing when each key not yet acted on arrived (see `_on_key`).
        self._arrived_on: WeakKeyDictionary[events.Key, str] = WeakKeyDictionary()
        # True while acting on a key in this box's turn (the screen must not then wait for this box's keys).
        self.acting_on_key = False
        self._load(question, answer)
        self.add_options(self._build_options())

    def show(self, question: Question, answer: Answer) -> None:
        """Show this question and its answer in place of whatever was showing."""
        self._taken()
        # The same question again (after d or u): the highlight stays where the officer left it.
        again = self.highlighted if question.id == self.question.id else None
        self._load(question, answer)
        self.set_options(self._build_options())
        if again is not None:
            self.highlighted = again
        else:
            self._highlight_chosen()

    def _load(self, question: Question, answer: Answer) -> None:
        self.question = question
        self.multiple = question.kind == "multi"
        self.chosen: list[str] = []
        self.nothing_to_add = False
        value = answer.value if answer.status == "answered" else None
        if self.multiple:
            self.chosen = list(value) if isinstance(value, list) else []
            self.nothing_to_add = answer.status == "answered" and value == []
        else:
            self.chosen = [value] if isinstance(value, str) else []

    def _mark(self, code: str) -> str:
        if code == NOTHING_TO_ADD:
            return "[✓]" if self.nothing_to_add else "[ ]"
        on_ = code in self.chosen
        if self.multiple:
            return "[✓]" if on_ else "[ ]"
        return "(●)" if on_ else "( )"

    def _prompt_for(self, code: str, label: str) -> str:
        return f"{self._mark(code)} {label}"

    def _build_options(self) -> list[Option]:
        options: list[Option] = []
        group: str | None = None
        for code in self.question.codes():
            found = self.question.option(code)
            if found is not None and found.group and found.group != group:
                group = found.group
                options.append(Option(Content.styled(group, "bold"), disabled=True))
            options.append(Option(self._prompt_for(code, self.question.label_for(code)), id=code))
        if self.multiple:
            options.append(Option(self._prompt_for(NOTHING_TO_ADD, NOTHING_TO_ADD_LABEL), id=NOTHING_TO_ADD))
        return options

    def on_mount(self) -> None:
        self._highlight_chosen()

    def _highlight_chosen(self) -> None:
        # Start on the chosen option, so the officer sees it and can change it at once.
        first = self.chosen[0] if self.chosen else (NOTHING_TO_ADD if self.nothing_to_add else None)
        if first is not None:
            self.highlighted = self.get_option_index(first)
        else:
            self.highlighted = next((n for n, option in enumerate(self.options) if not option.disabled), None)

    def _redraw(self) -> None:
        for code in [*self.question.codes(), *([NOTHING_TO_ADD] if self.multiple else [])]:
            label = NOTHING_TO_ADD_LABEL if code == NOTHING_TO_ADD else self.question.label_for(code)
            self.replace_option_prompt(code, self._prompt_for(code, label))

    @property
    def value(self) -> Any:
        """The answer as the store keeps it: a code, a list of codes, or None for nothing chosen."""
        if self.multiple:
            if self.nothing_to_add:
                return []
            return list(self.chosen) if self.chosen else None
        return self.chosen[0] if self.chosen else None

    def post_message(self, message: Message) -> bool:
        if isinstance(message, events.Key):
            self._arrived_on[message] = self.question.id
        return super().post_message(message)

    async def _on_key(self, event: events.Key) -> None:
        """Act on each key sent here in this box's own turn, in the order they came, on the question showing
        when it was pressed, as a text box does with typing; the screen waits for that before moving on.

        Left to Textual, a key bound here (Enter, space, up/down) or on the screen (d, u, r, Esc...) would be
        acted on by the app once it had bubbled back up, which can be after a PgDn pressed a moment later has
        shown the next question in this same box: an Enter meant for one question then chose an option of the
        next. Acting on this box's keys alone here would put them ahead of the screen's keys pressed before
        them (d then Enter, r then Enter), so every bound key is acted on here, while this box has the focus.
        """
        arrived_on = self._arrived_on.pop(event, self.question.id)
        screen = self.screen
        if not (self.has_focus and screen.is_active):
            return  # the focus has moved on (Tab, another screen): the app acts on it for where it is now
        active = screen.active_bindings.get(event.key)
        if active is None or active.binding.priority or not active.enabled:
            return  # nothing here to act on: the app does what it usually does with it
        if arrived_on != self.question.id:
            # Pressed on a question no longer showing (the screen could not wait for it): it must not choose or
            # mark anything on this one. The officer is told, so they can go back and check.
            event.stop()
            event.prevent_default()
            self.screen.notify(
                "A key pressed just before moving on came too late and was not used. PgUp to go back and check.",
                severity="warning",
            )
            return
        self.acting_on_key = True
        try:
            if await self.app.run_action(active.binding.action, active.node):
                # Done: the app must not act on it again when it bubbles up.
                event.stop()
                event.prevent_default()
        finally:
            self.acting_on_key = False

    def action_select(self) -> None:
        """Choose (or tick) the highlighted option at once, so a move that has let this box handle its keys
        finds the choice made. (Enter, space and a click all come here.)"""
        highlighted = self.highlighted
        if highlighted is None:
            return
        option = self.options[highlighted]
        if not option.disabled and option.id is not None:
            self._choose(option.id)

    def _choose(self, code: str) -> None:
        if not self.multiple:
            if self.chosen == [code]:
                return
            self.chosen = [code]
        elif code == NOTHING_TO_ADD:
            self.nothing_to_add = not self.nothing_to_add
            if self.nothing_to_add:
                self.chosen = []
        else:
            self.nothing_to_add = False
            if code in self.chosen:
                self.chosen.remove(code)
            else:
                # Keep the bank's order, so the record reads the same however they were ticked.
                order = self.question.codes()
                self.chosen = sorted([*self.chosen, code], key=order.index)
        self._redraw()
        self.post_message(AnswerEdited(self.question.id, self.value, immediate=True, generation=self._reported()))

    def take_edit(self) -> AnswerEdited | None:
        """The choice as it stands, if one was made since the screen last took it."""
        if not self.unconfirmed:
            return None
        return AnswerEdited(self.question.id, self.value, immediate=True, generation=self._taken())

    def chosen_describe_option(self) -> bool:
        """True when a chosen option invites the person's own description."""
        return any((found := self.question.option(code)) is not None and found.describe for code in self.chosen)


# ---------------------------------------------------------------------------------------------
# Typed answers: text, number, date
# ---------------------------------------------------------------------------------------------


class Rewrapping:
    """Wraps its words again once a change of size has been laid out. Textual re-wraps a text box as it is
    resized, by the width it had before the new layout, so opening the guidance or resizing the terminal left
    lines wrapped for the old width (cut off, or short) until the next keystroke."""

    def on_resize(self) -> None:
        box: Any = self
        box.call_after_refresh(self.rewrap)

    def rewrap(self) -> None:
        """Wrap for the width the box has now, and draw it again (an unchanged height alone would not)."""
        box: Any = self
        if box.is_attached:
            box._rewrap_and_refresh_virtual_size()  # Textual's own re-wrap, as on a resize
            box.refresh()



def _answer_text(answer: Answer) -> str:
    # Stored words are shown with any control characters visible (see safe_text); an edit saves what is shown.
    return for_terminal(answer.value) if answer.status == "answered" and isinstance(answer.value, str) else ""


class TextAnswer(Rewrapping, Reporting, TextArea):
    """The person's own words, kept exactly as typed. Saved a moment after typing stops, and on leaving."""

    def __init__(self, question: Question, answer: Answer, *, id: str | None = None) -> None:
        text = _answer_text(answer)
        super().__init__(text, id=id, soft_wrap=True, tab_behavior="focus")
        self.question = question
        self._last = text

    def show(self, question: Question, answer: Answer) -> None:
        """Show this question and its answer in place of whatever was showing (with no undo back into it)."""
        self._taken()
        self.question = question
        self._last = _answer_text(answer)
        self.load_text(self._last)

    def _edit(self, generation: int) -> AnswerEdited:
        self._last = self.text
        value = self.text if self.text.strip() else None
        problem = too_long(value)
        if problem is not None:
            return AnswerEdited(
                self.question.id, None, immediate=False, problem=f"The answer {problem}. Shorten it.", generation=generation
            )
        return AnswerEdited(self.question.id, value, immediate=False, generation=generation)

    @on(TextArea.Changed)
    def _typed(self, event: TextArea.Changed) -> None:
        event.stop()
        if self.text != self._last:
            self.post_message(self._edit(self._reported()))

    def take_edit(self) -> AnswerEdited | None:
        """The words as they stand, if they changed since the screen last took them."""
        if self.text == self._last and not self.unconfirmed:
            return None
        return self._edit(self._taken())


def parse_number(text: str, question: Question) -> tuple[int | float | None, str | None]:
    """(value, problem): the typed number in its stored shape, or a message saying what to type instead."""
    text = text.strip()
    if not text:
        return None, None
    try:
        number: int | float = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            return None, "That is not a number. Type digits only, for example 34."
    if question.min is not None and number < question.min or question.max is not None and number > question.max:
        low = f"{question.min:g}" if question.min is not None else None
        high = f"{question.max:g}" if question.max is not None else None
        if low and high:
            return None, f"Type a number from {low} to {high}."
        return None, f"Type a number {'of at least ' + low if low else 'of at most ' + str(high)}."
    return number, None


def parse_date(text: str) -> tuple[str | None, str | None]:
    """(value, problem): an ISO date, or a message saying how to type one."""
    text = text.strip()
    if not text:
        return None, None
    try:
        return date.fromisoformat(text).isoformat(), None
    except ValueError:
        return None, "Type the date as year-month-day, for example 2024-03-15."


def _typed_text(answer: Answer) -> str:
    return for_terminal(answer.value) if answer.status == "answered" and answer.value is not None else ""


def _typed_placeholder(question: Question) -> str:
    if question.kind == "number" and question.min is not None and question.max is not None:
        return f"A number from {question.min:g} to {question.max:g}"
    return "YYYY-MM-DD" if question.kind == "date" else "A number"


class TypedAnswer(Reporting, Input):
    """A number or a date. Anything typed stays in the box; only a usable value is saved."""

    def __init__(self, question: Question, answer: Answer, *, id: str | None = None) -> None:
        text = _typed_text(answer)
        # Not selected on focus: a stray key must not replace an answer already given.
        super().__init__(text, id=id, placeholder=_typed_placeholder(question), select_on_focus=False)
        self.question = question
        self._last = text

    def show(self, question: Question, answer: Answer) -> None:
        """Show this question and its answer in place of whatever was showing."""
        self._taken()
        self.question = question
        self.placeholder = _typed_placeholder(question)
        self._last = _typed_text(answer)
        self.value = self._last
        self.cursor_position = len(self._last)

    def parsed(self) -> tuple[Any, str | None]:
        if self.question.kind == "date":
            return parse_date(self.value)
        return parse_number(self.value, self.question)

    def _edit(self, generation: int) -> AnswerEdited:
        self._last = self.value
        value, problem = self.parsed()
        return AnswerEdited(self.question.id, value, immediate=False, problem=problem, generation=generation)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self.value != self._last:
            self.post_message(self._edit(self._reported()))

    def take_edit(self) -> AnswerEdited | None:
        """The entry as it stands, if it changed since the screen last took it."""
        if self.value == self._last and not self.unconfirmed:
            return None
        return self._edit(self._taken())


# ---------------------------------------------------------------------------------------------
# Notes
# ---------------------------------------------------------------------------------------------


class NotesBox(Rewrapping, Reporting, TextArea):
    """The person's own words about this answer, kept verbatim."""

    def __init__(self, question: Question, answer: Answer, *, id: str | None = None) -> None:
        text = for_terminal(answer.note or "")
        super().__init__(text, id=id, soft_wrap=True, tab_behavior="focus")
        self.question = question
        self._last = text

    def show(self, question: Question, answer: Answer) -> None:
        """Show this question's notes in place of whatever was showing (with no undo back into them)."""
        self._taken()
        self.question = question
        self._last = for_terminal(answer.note or "")
        self.load_text(self._last)

    def _edit(self, generation: int) -> NoteEdited:
        self._last = self.text
        return NoteEdited(self.question.id, self.text, generation=generation)

    @on(TextArea.Changed)
    def _typed(self, event: TextArea.Changed) -> None:
        event.stop()
        if self.text != self._last:
            self.post_message(self._edit(self._reported()))

    def take_edit(self) -> NoteEdited | None:
        """The notes as they stand, if they changed since the screen last took them."""
        if self.text == self._last and not self.unconfirmed:
            return None
        return self._edit(self._taken())


AnswerBox = ChoiceAnswer | TextAnswer | TypedAnswer


def answer_class(question: Question) -> type[ChoiceAnswer | TextAnswer | TypedAnswer]:
    """The widget class for this question's kind."""
    if question.kind in ("single", "multi", "yes_no_unsure"):
        return ChoiceAnswer
    if question.kind == "text":
        return TextAnswer
    return TypedAnswer


def answer_widget(question: Question, answer: Answer) -> ChoiceAnswer | TextAnswer | TypedAnswer:
    """The widget for this question's kind, showing the answer as it stands."""
    return answer_class(question)(question, answer, id="answer")
