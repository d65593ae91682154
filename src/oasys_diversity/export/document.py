"""The summary laid out as a plain sequence of blocks, shared by the Markdown, PDF and Word renderers.

Two layouts: the officer's record (by domain, then the plan), here, and the shorter one written for the
person on probation (person_version.py). Every block carries one style only, so no renderer has to parse markup inside the person's
words (which may contain any character at all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from oasys_diversity.export.summary import (
    REMOVED,
    DomainSummary,
    Item,
    ObjectiveSummary,
    ReferralSummary,
    Summary,
    long_date,
)

NOT_DISCUSSED = "Not yet discussed"
DECLINED = "Declined to say"
NOTHING_TO_ADD = "Discussed: nothing to add"
NOTHING_DISCUSSED_YET = "Not yet discussed: nothing in this part has been talked about yet."
DECLINED_RESPECTED = (
    "The person chose not to answer these. Respected; not to be pressed. They can raise them at any time."
)
HOW_TO_READ = (
    '"Declined to say" means the person chose not to answer. "Not yet discussed" means the question has not '
    "been reached; it does not mean there is nothing to record."
)
SUGGESTED_PLAN = (
    "Suggested plan, not yet reviewed: no plan has been saved for this case, so this one was built from the "
    "answers for this export. Go through it with the person on probation before relying on it."
)


@dataclass(frozen=True)
class Heading:
    level: int  # 1 = the title, 2 = a part, 3 = a section within it
    text: str


@dataclass(frozen=True)
class Para:
    text: str
    # note: smaller and quiet; notice: stands out; title: names the objective or referral that follows.
    kind: Literal["body", "note", "notice", "title"] = "body"


@dataclass(frozen=True)
class Field:
    """'Label: value'. A quote is the person's own words, shown in quotation marks."""

    label: str
    value: str
    quote: bool = False


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...] = field(default_factory=tuple)


Block = Heading | Para | Field | Bullets


def quote_field(label: str, words: str) -> Field:
    """The person's words as a quote, or a plain statement that they were removed for sharing."""
    if words == REMOVED:
        return Field(label, "removed for sharing")
    return Field(label, words, quote=True)


def quoted(words: str) -> str:
    return f"\u201c{words}\u201d"


# The plan suggests only the few services most relevant to its objectives (plan_referrals.py); the rest follow.
FURTHER_NOTE = (
    "The services most relevant to the objectives in the plan. {count} further services were found: they are "
    "listed after these, not in the plan."
)
FURTHER_HEADING = "Further services, not in the plan yet"
OFFICER_TITLE = "Diversity and identity summary"
PERSON_TITLE = "Your plan"


def document_title(summary: Summary) -> str:
    """The title on the page and in the file's properties (never a name)."""
    return PERSON_TITLE if summary.for_person else OFFICER_TITLE


def build_document(summary: Summary) -> list[Block]:
    if summary.for_person:
        from oasys_diversity.export.person_version import person_document

        return person_document(summary)
    return officer_document(summary)


# ---------------------------------------------------------------------------------------------
# The officer's record
# ---------------------------------------------------------------------------------------------


def officer_document(summary: Summary) -> list[Block]:
    blocks: list[Block] = [Heading(1, OFFICER_TITLE)]
    blocks += [Field("Person on probation", summary.person_name)]
    if summary.preferred_name:
        blocks.append(Field("Preferred name", summary.preferred_name))
    blocks.append(Field("Reference", summary.reference or "removed for sharing"))
    blocks += [
        Field("Officer", summary.officer),
        Field("Assessed on", long_date(summary.assessed_on)),
        Field("Prepared on", long_date(summary.prepared_on)),
    ]
    if summary.redacted:
        blocks.append(Para("Redacted for sharing: initials instead of names, no reference, no quotes.", "notice"))
    blocks.append(Para(HOW_TO_READ, "note"))

    blocks.append(Heading(2, "What was recorded"))
    for section in summary.domains:
        blocks += domain_blocks(section)

    blocks.append(Heading(2, "Plan"))
    if summary.plan_suggested:
        blocks.append(Para(SUGGESTED_PLAN, "notice"))
    blocks.append(Field("Plan built on", long_date(summary.plan_built_on)))
    blocks.append(Heading(3, "Objectives"))
    active = [o for o in summary.objectives if o.active]
    if not active:
        blocks.append(Para("No objectives in the plan yet."))
    for objective in active:
        blocks += objective_blocks(objective)
    set_aside = [o for o in summary.objectives if not o.active]
    if set_aside:
        blocks.append(Heading(3, "Objectives set aside"))
        for objective in set_aside:
            blocks.append(Para(objective.need_area_label, "title"))
            blocks.append(Field("What would have happened", objective.action))
            blocks.append(Field("Reason", objective.reason or "no reason recorded"))
    if summary.also_suggested:
        blocks.append(Heading(3, "Also suggested, not in the plan yet"))
        blocks.append(Bullets(tuple(summary.also_suggested)))
    blocks.append(Heading(3, "Referrals"))
    if not summary.referrals:
        blocks.append(Para("No referrals in the plan yet."))
    elif summary.further_referrals:
        blocks.append(Para(FURTHER_NOTE.format(count=len(summary.further_referrals)), "note"))
    for referral in summary.referrals:
        blocks += referral_blocks(referral)
    if summary.further_referrals:
        blocks.append(Heading(3, FURTHER_HEADING))
        blocks.append(Bullets(tuple(summary.further_referrals)))
    if summary.warnings:
        blocks.append(Heading(3, "To check"))
        blocks.append(Bullets(tuple(summary.warnings)))

    blocks.append(Heading(2, "The person's view of the plan"))
    blocks.append(Para(summary.agreement_label))
    if summary.agreement_reason:
        blocks.append(quote_field("In their own words", summary.agreement_reason))
    return blocks


def item_fields(item: Item, own_words_label: str = "In their own words") -> list[Field]:
    """An answered question: its categories and, separately, the person's own words."""
    fields: list[Field] = []
    if item.nothing_to_add:
        fields.append(Field(item.label, NOTHING_TO_ADD))
    elif item.categories:
        fields.append(Field(item.label, "; ".join(item.categories)))
    if item.own_words:
        fields.append(quote_field(item.label if not fields else own_words_label, item.own_words))
    if item.note:
        fields.append(quote_field(own_words_label if fields else item.label, item.note))
    return fields


def domain_blocks(section: DomainSummary) -> list[Block]:
    blocks: list[Block] = [Heading(3, section.title)]
    if section.nothing_discussed:
        blocks.append(Para(NOTHING_DISCUSSED_YET))
        return blocks + _waiting_notes(section)
    for item in section.answered:
        blocks += item_fields(item)
    if section.declined:
        blocks.append(Field(DECLINED, ", ".join(i.label for i in section.declined)))
        blocks.append(Para(DECLINED_RESPECTED, "note"))
        for item in section.declined:
            if item.note:
                blocks.append(quote_field(f"{item.label}, in their own words", item.note))
    if section.not_applicable:
        blocks.append(Field("Does not apply", ", ".join(i.label for i in section.not_applicable)))
    if section.not_discussed:
        blocks.append(Field(NOT_DISCUSSED, ", ".join(i.label for i in section.not_discussed)))
    return blocks + _waiting_notes(section)


def _waiting_notes(section: DomainSummary) -> list[Block]:
    """Words the person said about a question not yet discussed: kept, never dropped from the record."""
    return [quote_field(f"{i.label}, in their own words", i.note) for i in section.not_discussed if i.note]


def objective_blocks(objective: ObjectiveSummary) -> list[Block]:
    owner = objective.owner_label + (f" ({objective.owner_name})" if objective.owner_name else "")
    # The officer's own title, when they gave one, leads; the need area is always named.
    title = f"{objective.title} ({objective.need_area_label})" if objective.title else objective.need_area_label
    blocks: list[Block] = [
        Para(title, "title"),
        Field("What will happen", objective.action),
        Field("Who", owner),
        Field("By", long_date(objective.target_date)),
        Field("How we will know", objective.measure),
        Field("Because", ", ".join(objective.because) or "added by the officer"),
        Field("Status", objective.state_label),
    ]
    if objective.person_view:
        blocks.append(quote_field("The person's view", objective.person_view))
    return blocks


def referral_blocks(referral: ReferralSummary) -> list[Block]:
    status = referral.state_label
    if referral.state == "declined":
        status += f": {referral.reason}" if referral.reason else " (no reason recorded)"
    blocks: list[Block] = [
        Para(f"{referral.organisation}: {referral.service}", "title"),
        Field("Status", status),
        Field("Because", ", ".join(referral.because) or "added by the officer"),
    ]
    if referral.how_to_refer:
        blocks.append(Field("How to refer", referral.how_to_refer))
    if referral.contact:
        blocks.append(Field("Contact", referral.contact))
    if referral.stale:
        checked = long_date(referral.assured_date) if referral.assured_date else "never"
        blocks.append(Field("Directory entry", f"last checked {checked}: over 12 months old, check before referring"))
    return blocks
