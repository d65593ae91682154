"""Plain text laid out by OASys box, so each part can be pasted into the matching box on the OASys screens.

The officer's version follows the OASys screens (Offender details, sections 10 and 13, the sentence plan's
diversity boxes); the person's version is the same plain document as the other formats, wrapped.
"""

from __future__ import annotations

import textwrap

from oasys_diversity.export.document import (
    DECLINED,
    DECLINED_RESPECTED,
    FURTHER_HEADING,
    FURTHER_NOTE,
    HOW_TO_READ,
    NOT_DISCUSSED,
    NOTHING_DISCUSSED_YET,
    SUGGESTED_PLAN,
    Block,
    Bullets,
    Field,
    Heading,
    Para,
    item_fields,
    objective_blocks,
    quote_field,
    quoted,
    referral_blocks,
)
from oasys_diversity.export.person_version import person_document
from oasys_diversity.export.summary import OasysBox, Summary, long_date

WIDTH = 78
RULE = "-" * WIDTH


def render(summary: Summary) -> str:
    body = _person(summary) if summary.for_person else _officer(summary)
    lines: list[str] = []
    if summary.banner:
        lines += _banner(summary.banner) + [""]
    lines += body
    if summary.banner:
        lines += [""] + _banner(summary.banner)
    return "\n".join(lines).rstrip("\n") + "\n"


def _banner(text: str) -> list[str]:
    return ["=" * WIDTH, *(line.center(WIDTH).rstrip() for line in textwrap.wrap(text, WIDTH)), "=" * WIDTH]


def wrap(text: str, indent: str = "", hanging: str | None = None) -> list[str]:
    """Wrap one paragraph (keeping the person's own line breaks) to the page width."""
    lines: list[str] = []
    first = indent
    rest = indent if hanging is None else hanging
    for part in text.splitlines() or [""]:
        lines += textwrap.wrap(
            part, WIDTH, initial_indent=first, subsequent_indent=rest, break_long_words=False, break_on_hyphens=False
        ) or [first.rstrip()]
        first = rest
    return lines


def _field(block: Field, indent: str = "") -> list[str]:
    value = quoted(block.value) if block.quote else block.value
    return wrap(f"{block.label}: {value}", indent, indent + "    ")


def blocks_to_text(blocks: list[Block]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            if lines:
                lines.append("")
            title = block.text.upper() if block.level == 1 else block.text
            lines += wrap(title)
            lines.append(("=" if block.level <= 2 else "-") * min(WIDTH, max(len(title), 3)))
        elif isinstance(block, Field):
            lines += _field(block)
        elif isinstance(block, Bullets):
            for item in block.items:
                lines += wrap(item, "  * ", "    ")
        else:
            if lines and lines[-1] != "" and not lines[-1].startswith(("=", "-")):
                lines.append("")
            lines += wrap(block.text)
    return lines


# ---------------------------------------------------------------------------------------------
# The officer's version, box by box
# ---------------------------------------------------------------------------------------------


def _section(title: str) -> list[str]:
    return ["", RULE, *wrap(title), RULE]


def _officer(summary: Summary) -> list[str]:
    lines = wrap("DIVERSITY AND IDENTITY SUMMARY, LAID OUT FOR OASYS")
    lines += wrap(f"Person on probation: {summary.person_name}")
    if summary.preferred_name:
        lines += wrap(f"Preferred name: {summary.preferred_name}")
    lines += wrap(f"Reference: {summary.reference or 'removed for sharing'}")
    lines += wrap(f"Officer: {summary.officer}")
    lines += wrap(f"Assessed on: {long_date(summary.assessed_on)}")
    lines += wrap(f"Prepared on: {long_date(summary.prepared_on)}")
    if summary.redacted:
        lines += wrap("Redacted for sharing: initials instead of names, no reference, no quotes.")
    lines.append("")
    lines += wrap(
        "Each part below matches one box in OASys: the heading names the screen and the box. "
        "Copy the lines under a heading into that box."
    )
    lines += wrap(HOW_TO_READ)
    for box in summary.oasys_boxes:
        lines += _section(f"OASys {box.screen} > {box.title}")
        lines += _box(box)
    lines += _plan(summary)
    return lines


def _box(box: OasysBox) -> list[str]:
    if not box.items:
        return wrap("No questions in this question bank belong here.")
    waiting = [
        line
        for item in box.items
        if item.status == "not_discussed" and item.note
        for line in _field(quote_field(f"{item.label}, in their own words", item.note), "    ")
    ]
    if box.nothing_discussed:
        return wrap(NOTHING_DISCUSSED_YET) + waiting
    lines: list[str] = []
    grouped = len(set(box.item_domains)) > 1
    current = None
    answered = [(d, i) for d, i in zip(box.item_domains, box.items, strict=True) if i.status == "answered"]
    for domain, item in answered:
        if grouped and domain != current:
            lines += wrap(f"{domain}:")
            current = domain
        for field in item_fields(item):
            lines += _field(field, "  " if grouped else "")
    for status, title in (
        ("declined", DECLINED),
        ("not_applicable", "Does not apply"),
        ("not_discussed", NOT_DISCUSSED),
    ):
        chosen = [i for i in box.items if i.status == status]
        if not chosen:
            continue
        lines += wrap(f"{title}: " + ", ".join(i.label for i in chosen), "", "    ")
        if status == "declined":
            lines += wrap(DECLINED_RESPECTED, "    ", "    ")
            for item in chosen:
                if item.note:
                    lines += _field(quote_field(f"{item.label}, in their own words", item.note), "    ")
    return lines + waiting


def _numbered(number: int, blocks: list[Block]) -> list[str]:
    """An objective or referral: its title numbered, its details indented beneath."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Field):
            lines += _field(block, "   ")
        elif isinstance(block, Para):
            lines += wrap(f"{number}. {block.text}", "", "   ")
    return lines


def _plan(summary: Summary) -> list[str]:
    lines = _section("OASys Sentence plan > Objectives")
    if summary.plan_suggested:
        lines += wrap(SUGGESTED_PLAN) + [""]
    lines += wrap(f"Plan built on {long_date(summary.plan_built_on)}.")
    active = [o for o in summary.objectives if o.active]
    if not active:
        lines += wrap("No objectives in the plan yet.")
    for number, objective in enumerate(active, 1):
        lines.append("")
        lines += _numbered(number, objective_blocks(objective))
    set_aside = [o for o in summary.objectives if not o.active]
    if set_aside:
        lines += ["", *wrap("Set aside by the officer:")]
        for objective in set_aside:
            lines += wrap(f"- {objective.need_area_label}: {objective.action}", "", "  ")
            lines += wrap(f"Reason: {objective.reason or 'no reason recorded'}", "  ", "      ")
    if summary.also_suggested:
        lines += ["", *wrap("Also suggested, not in the plan yet:")]
        for line in summary.also_suggested:
            lines += wrap(f"- {line}", "", "  ")

    lines += _section("Referrals")
    if not summary.referrals:
        lines += wrap("No referrals in the plan yet.")
    elif summary.further_referrals:
        lines += wrap(FURTHER_NOTE.format(count=len(summary.further_referrals))) + [""]
    for number, referral in enumerate(summary.referrals, 1):
        if number > 1:
            lines.append("")
        lines += _numbered(number, referral_blocks(referral))
    if summary.further_referrals:
        lines += ["", *wrap(f"{FURTHER_HEADING}:")]
        for line in summary.further_referrals:
            lines += wrap(f"- {line}", "", "  ")
    if summary.warnings:
        lines += _section("To check")
        for warning in summary.warnings:
            lines += wrap(warning, "  * ", "    ")

    lines += _section("The person's view of the plan")
    lines += wrap(summary.agreement_label)
    if summary.agreement_reason:
        lines += _field(quote_field("In their own words", summary.agreement_reason))
    return lines


def _person(summary: Summary) -> list[str]:
    return blocks_to_text(person_document(summary))
