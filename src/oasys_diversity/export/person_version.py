"""The version of the summary written for the person on probation, to them ("you"), in plain words.

Headed by what the plan really is (suggested, agreed on a day, or not agreed and why), then what happens
next: each step in a sentence or two, who does it and by when, and what the person said about it. No officer
guidance, no planner warnings, no OASys or need-area names, nothing the officer wrote about the person: a
step's wording is cut back to its gist, and any sentence quoting what was recorded is left out. Directory
entries nobody has checked locally are left out too, and `officer_notices` tells the officer so.

The easy-read layout keeps the same content with one short sentence per line (the PDF and Word files also use
larger type).
"""

from __future__ import annotations

import re

from oasys_diversity.export.document import NOT_DISCUSSED, PERSON_TITLE, Block, Field, Heading, Para, quote_field
from oasys_diversity.export.summary import REMOVED, ObjectiveSummary, ReferralSummary, Summary, long_date

PERSON_OWNER = {
    "person": "You",
    "probation_practitioner": "Your probation officer",
    "prison_offender_manager": "Your prison offender manager",
    "programme_staff": "The programme team",
    "partnership_agency": "A partner organisation",
    "crs_provider": "A support service",
    "someone_else": "Someone else we agreed",
}

SUGGESTED = "Suggested \u2014 not yet agreed"
FIRST_DRAFT = "This is a first draft of your plan. We will go through it together and change what does not fit."
NOT_YET_AGREED = {
    "not_yet_asked": "We have not asked you yet what you think of this plan. Please tell us.",
    "could_not_answer": "You were not able to say yet what you think of this plan. We can come back to it.",
}
INTERPRETER = (
    "Please read this with an interpreter. It is written in English. Your probation officer will go through "
    "it with you and an interpreter, so that you can understand it and say what you think."
)
WRONG_OR_MISSING = "If anything here is wrong or missing, tell your probation officer and we will change it."
STILL_CHECKING = (
    "Your probation officer is checking the details of{other} organisations that could help, and will tell "
    "you about them."
)
COME_BACK = "We can talk about anything else whenever you are ready."
# The plan names only the few services most relevant to it; the person hears that there are more, never a list.
MORE_SERVICES = "Your probation officer knows of other organisations too, and can tell you about them when you want."

# A step's gist: whole sentences up to about this many words (always at least one sentence).
GIST_WORDS = 45
# In easy read, a sentence longer than this is split where it joins two ideas.
EASY_WORDS = 18

QUOTE_MARK = "\u0000"
# A first sentence this short is kept even when it only says why ("You told us reading letters is hard.").
OPENING_WORDS = 15
# Words that can start a sentence's subject, so a clause after "and" can stand on its own.
SUBJECTS = {"you", "your", "they", "their", "we", "it", "this", "nothing", "nobody", "someone", "there", "i"}
_ACTION = re.compile(r"\b(will|can|is going to)\b", re.IGNORECASE)
_QUOTED = re.compile(r"[\"\u201c][^\"\u201c\u201d]*[\"\u201d]")
_ASIDE = re.compile(r"\s*\([^()]*\)")
# A sentence ends at . ! or ? before a capital, but not after an initial ("P. Okafor").
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\b[A-Z]\.)\s+(?=[A-Z\u201c\"])")


def plan_status(summary: Summary) -> str:
    """What the plan really is, in one line for the top of the page."""
    if summary.agreement == "agrees" and not summary.plan_suggested:
        return f"Agreed on {long_date(summary.agreed_on)}" if summary.agreed_on else "You agreed to this plan"
    if summary.agreement == "does_not_agree":
        reason = summary.agreement_reason
        if reason and reason != REMOVED:
            return f"You did not agree because \u201c{reason}\u201d"
        return "You did not agree with this plan. We will keep talking about it."
    return SUGGESTED


def person_document(summary: Summary) -> list[Block]:
    easy = summary.easy_read
    blocks: list[Block] = [Heading(1, PERSON_TITLE)]
    if summary.read_with_interpreter:
        blocks.append(Para(INTERPRETER, "notice"))
    blocks.append(Para(plan_status(summary), "notice"))
    if summary.plan_suggested:
        blocks += _lines(FIRST_DRAFT, easy)
    elif summary.agreement in NOT_YET_AGREED:
        blocks += _lines(NOT_YET_AGREED[summary.agreement], easy)
    blocks += _lines(
        f"For {summary.display_name}, from {summary.officer}, your probation officer. "
        f"We met on {long_date(summary.assessed_on)}.",
        easy,
    )

    blocks.append(Heading(2, "What happens next"))
    active = [o for o in summary.objectives if o.active]
    if not active:
        blocks += _lines("We have not agreed any steps yet.", easy)
    for number, objective in enumerate(active, 1):
        blocks += _step(number, objective, easy)

    offered = [r for r in summary.referrals if r.state != "declined" and r.checked_locally]
    unchecked = [r for r in summary.referrals if r.state != "declined" and not r.checked_locally]
    if offered or unchecked:
        blocks.append(Heading(2, "Organisations that could help"))
        for referral in offered:
            blocks += _organisation(referral, easy)
        if unchecked:
            blocks += _lines(STILL_CHECKING.format(other=" other" if offered else ""), easy)
        elif summary.further_referrals:
            # "Still checking" already promises more; otherwise say that the list is not all there is.
            blocks += _lines(MORE_SERVICES, easy)

    blocks.append(Heading(2, "What we talked about"))
    blocks += _talked_about(summary, easy)
    blocks += _lines(WRONG_OR_MISSING, easy)
    return blocks


def officer_notices(summary: Summary) -> list[str]:
    """What the officer should know about the person's version before handing it over."""
    if not summary.for_person:
        return []
    notices = []
    if summary.read_with_interpreter:
        notices.append(
            "Their preferred language is not English (or they need an interpreter): go through this "
            "document with them and an interpreter."
        )
    unchecked = [r for r in summary.referrals if r.state != "declined" and not r.checked_locally]
    if unchecked:
        names = "; ".join(f"{r.organisation}: {r.service}" for r in unchecked)
        notices.append(
            f"Left out of the person's version until someone checks them locally ({len(unchecked)}): {names}."
        )
    return notices


def _step(number: int, objective: ObjectiveSummary, easy: bool) -> list[Block]:
    who = objective.owner_name or PERSON_OWNER.get(objective.owner, objective.owner_label)
    name = f"Step {number}: {objective.title}" if objective.title else f"Step {number}"
    blocks: list[Block] = [Para(name, "title")]
    blocks += _lines(gist(objective.action), easy)
    if easy:
        blocks += [Field("Who", who), Field("By", long_date(objective.target_date))]
    else:
        blocks.append(Field("Who and by when", f"{who}, by {long_date(objective.target_date)}"))
    if objective.person_view:
        blocks.append(quote_field("You said", objective.person_view))
    return blocks


def _organisation(referral: ReferralSummary, easy: bool) -> list[Block]:
    blocks: list[Block] = [Para(f"{referral.organisation}: {referral.service}", "title")]
    if referral.state == "accepted":
        blocks += _lines("We agreed to refer you.", easy)
    else:
        blocks += _lines("We will talk about it with you before anything is sent.", easy)
    if referral.contact:
        blocks.append(Field("How to contact them", referral.contact))
    return blocks


def _talked_about(summary: Summary, easy: bool) -> list[Block]:
    talked = [d.title for d in summary.domains if not d.nothing_discussed]
    blocks: list[Block] = []
    if talked:
        blocks += _lines(f"We talked about: {', '.join(talked)}.", easy)
    for domain in summary.domains:
        if domain.nothing_discussed:
            blocks += _lines(f"{domain.title}: {NOT_DISCUSSED}.", easy)
    if any(d.declined for d in summary.domains):
        blocks += _lines("You chose not to answer some questions, and that is fine.", easy)
    blocks += _lines(COME_BACK, easy)
    return blocks


def gist(action: str) -> str:
    """A step's wording cut to what will happen: its first sentence when short (it often says why), then
    the sentences that say what will or can be done, up to about GIST_WORDS words. Any sentence or aside
    quoting what was recorded is left out: that may be the officer's words about the person, not to them."""
    text = _ASIDE.sub(lambda m: "" if _QUOTED.search(m.group()) or REMOVED in m.group() else m.group(), action)
    # A quote may hold full stops of its own: each becomes one mark before the text is cut into sentences.
    # (A quote that ends its sentence inside the quotation marks keeps that ending outside the mark.)
    text = _QUOTED.sub(_quote_mark, text.replace(REMOVED, QUOTE_MARK))
    sentences = [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]
    kept: list[str] = []
    for number, sentence in enumerate(sentences):
        if QUOTE_MARK in sentence:
            continue
        opening = number == 0 and len(sentence.split()) <= OPENING_WORDS
        if not opening and not _ACTION.search(sentence):
            continue
        has_action = any(_ACTION.search(k) for k in kept)
        if has_action and len(" ".join(kept + [sentence]).split()) > GIST_WORDS:
            break
        kept.append(sentence)
    clean = [s for s in sentences if QUOTE_MARK not in s]
    return " ".join(kept) or (clean[0] if clean else "")


def _quote_mark(quote: re.Match[str]) -> str:
    last = quote.group()[-2:-1]
    return QUOTE_MARK + (last if last in (".", "!", "?") else "")


def easy_sentences(text: str) -> list[str]:
    """One short sentence per line: sentences split, and a long one split where it joins two ideas."""
    lines = []
    for sentence in _SENTENCE_END.split(text.strip()):
        parts = [sentence.strip()]
        while len(parts[-1].split()) > EASY_WORDS:
            head, sep, tail = _split_point(parts[-1])
            if not sep:
                break
            parts[-1:] = [head.rstrip(",;:") + ".", tail[0].upper() + tail[1:]]
        lines += [p for p in parts if p]
    return lines


def _split_point(sentence: str) -> tuple[str, str, str]:
    for joint in ("; ", ", and ", ": ", ", so ", ", but "):
        head, sep, tail = sentence.partition(joint)
        inside_brackets = head.count("(") > head.count(")")
        # After "and", "so" or "but" the rest must say who does it, or it is no sentence on its own.
        subject = joint in ("; ", ": ") or tail.split(" ", 1)[0].lower() in SUBJECTS
        if sep and subject and not inside_brackets and len(head.split()) >= 4 and len(tail.split()) >= 4:
            return head, sep, tail
    return sentence, "", ""


def _lines(text: str, easy: bool) -> list[Block]:
    if not text:
        return []
    return [Para(line) for line in easy_sentences(text)] if easy else [Para(text)]
