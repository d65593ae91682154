"""Review: everything recorded so far, topic by topic, and a way back to any question to change it.

What was chosen from a list and what the person said in their own words are shown apart (their words as
quotes). "Declined to say" and "Not yet discussed" are named plainly: silence never reads as "no issues".
Follow-up questions that do not apply are not shown. The list is rebuilt whenever the screen comes back
into view, because answers may have changed in the interview.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from oasys_diversity.model import STATUS_LABELS, Answer, Assessment, Question, QuestionBank
from oasys_diversity.screens.literal import assemble

if TYPE_CHECKING:
    from oasys_diversity.app import OasysApp

DOMAIN_PREFIX = "domain:"
QUOTE_STYLE = "italic"


def quoted(words: str) -> str:
    """The person's own words, marked as a quote so they never read as the officer's category."""
    return f"“{words.strip()}”"


def recorded_value(question: Question, answer: Answer) -> tuple[str, bool]:
    """What was recorded for one question, and whether it is the person's own words.

    Returns the text to show and True when the text is a quote of what the person said.
    """
    if answer.status != "answered":
        return STATUS_LABELS[answer.status], False
    value = answer.value
    if question.kind == "text":
        return quoted(str(value or "")), True
    if question.kind == "multi":
        codes = value if isinstance(value, list) else []
        if not codes:
            return "Discussed: nothing to add", False
        return "; ".join(question.label_for(code) for code in codes), False
    if question.kind in ("single", "yes_no_unsure") and isinstance(value, str):
        return question.label_for(value), False
    if isinstance(value, float) and value.is_integer():
        return str(int(value)), False
    return str(value), False


def question_prompt(question: Question, answer: Answer) -> Content:
    """One question as a list entry: its label, what was recorded, and their own words on a line below."""
    text, is_quote = recorded_value(question, answer)
    parts: list[str | tuple[str, str]] = [(f"{question.label}: ", "bold"), (text, QUOTE_STYLE if is_quote else "")]
    if answer.note and answer.note.strip():
        parts += ["\n  ↳ In their words: ", (quoted(answer.note), QUOTE_STYLE)]
    return assemble(*parts)


def domain_counts(questions: list[Question], assessment: Assessment) -> str:
    """'3 answered · 1 declined to say · 2 not yet discussed' for the questions shown."""
    statuses = [assessment.status(q.id) for q in questions]
    pieces = [
        (statuses.count("answered"), "answered"),
        (statuses.count("declined"), "declined to say"),
        (statuses.count("not_discussed"), "not yet discussed"),
        (statuses.count("not_applicable"), "does not apply"),
    ]
    return " · ".join(f"{count} {words}" for count, words in pieces if count)


def review_options(bank: QuestionBank, assessment: Assessment) -> list[Option]:
    """Every topic as a heading, followed by each of its questions that applies, in bank order."""
    options: list[Option] = []
    for domain in bank.domains:
        questions = bank.visible_questions(assessment.answers, domain.id)
        heading = Content.assemble(
            ("\n" if options else "", ""),
            (domain.title, "bold underline"),
            "  ",
            domain_counts(questions, assessment),
        )
        options.append(Option(heading, id=f"{DOMAIN_PREFIX}{domain.id}", disabled=True))
        options.extend(Option(question_prompt(q, assessment.answer(q.id)), id=q.id) for q in questions)
    return options


class ReviewList(OptionList):
    """The review's list; Enter on a question takes the officer back to it."""

    BINDINGS = [Binding("enter", "select", "Change answer", id="review.change")]


class ReviewScreen(Screen):
    """Screen 4: what was recorded, topic by topic."""

    CSS_PATH = "review.tcss"
    AUTO_FOCUS = "#review-list"
    HELP_TITLE = "Review"
    HELP = (
        "Everything recorded so far, topic by topic. What was chosen from a list is shown as it was chosen; "
        "the person's own words are shown in “quotes”, marked *In their words*.\n\n"
        "**Declined to say** means they chose not to answer: respect it, do not chase it. "
        "**Not yet discussed** means the question has not been reached: it never means *no issues*. "
        "Follow-up questions that do not apply are not listed.\n\n"
        "Move with ↑↓ (`[` and `]` jump a topic) and press **Enter** on a question to go back to it and "
        "change the answer. **p** opens the plan, **e** the export, **Esc** goes back."
    )
    BINDINGS = [
        Binding("p", "plan", "Plan", id="review.plan"),
        Binding("e", "export", "Export", id="review.export"),
        Binding("right_square_bracket", "next_topic", "Next topic", show=False, id="review.next_topic"),
        Binding("left_square_bracket", "previous_topic", "Previous topic", show=False, id="review.previous_topic"),
        Binding("escape", "back", "Back", id="review.back"),
    ]

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id

    @property
    def oasys(self) -> OasysApp:
        return cast("OasysApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="review-heading", markup=False)
        yield ReviewList(id="review-list")
        yield Footer()

    def on_screen_resume(self) -> None:
        self.refresh_review()

    def refresh_review(self) -> None:
        """Reload the answers and rebuild the list, keeping the officer's place."""
        from oasys_diversity.store import StoreError, load_assessment
        from oasys_diversity.store_open import DB_ERRORS

        heading = self.query_one("#review-heading", Static)
        listing = self.query_one(ReviewList)
        try:
            assessment = load_assessment(self.oasys.db, self.case_id)
        except (StoreError, *DB_ERRORS, LookupError) as problem:
            heading.update(f"The answers for case {self.case_id} could not be read: {type(problem).__name__}.")
            self.notify("Could not read this case's answers. Nothing has been changed.", severity="error")
            return
        case = assessment.case
        self.sub_title = f"Review — {case.name} ({case.reference})"
        heading.update("“Quotes” are their own words. Enter on a question goes back to change it.")
        place = listing.highlighted_option.id if listing.highlighted_option else None
        listing.set_options(review_options(self.oasys.bank, assessment))
        self._restore_place(listing, place)

    @staticmethod
    def _restore_place(listing: OptionList, place: str | None) -> None:
        if place is not None:
            try:
                listing.highlighted = listing.get_option_index(place)
                return
            except LookupError:
                pass
        listing.action_first()

    @on(OptionList.OptionSelected, "#review-list")
    def _open_question(self, event: OptionList.OptionSelected) -> None:
        question_id = event.option.id
        if question_id and not question_id.startswith(DOMAIN_PREFIX):
            self.oasys.open_question(self.case_id, question_id)

    def _move_topic(self, step: int) -> None:
        """Jump to the first question of the next (or previous) topic."""
        listing = self.query_one(ReviewList)
        options = listing.options
        here = listing.highlighted or 0
        headings = [i for i, option in enumerate(options) if (option.id or "").startswith(DOMAIN_PREFIX)]
        current = max((i for i in headings if i <= here), default=0)
        position = headings.index(current) if current in headings else 0
        target = position + step
        while 0 <= target < len(headings):
            start = headings[target]
            end = headings[target + 1] if target + 1 < len(headings) else len(options)
            if end - start > 1:
                listing.highlighted = start + 1
                # Bring the topic's heading to the top too, not just its first question.
                # (Every heading after the first starts with a blank line; skip it.)
                line = listing._index_to_line.get(start, 0) + (1 if start else 0)
                listing.scroll_to(y=line, animate=False, immediate=True)
                return
            target += step

    def action_next_topic(self) -> None:
        self._move_topic(1)

    def action_previous_topic(self) -> None:
        self._move_topic(-1)

    def action_plan(self) -> None:
        self.oasys.show_plan(self.case_id)

    def action_export(self) -> None:
        self.oasys.show_export(self.case_id)

    def action_back(self) -> None:
        self.app.pop_screen()
