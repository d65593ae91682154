"""Keeping the plan short enough to agree in one session: merging overlapping objectives, and the limit.

Two pure steps the planner runs after the rules and guards have made their suggestions:

1. `merge` — suggestions whose rules share a `merge_group` ("faith", "community", "wellbeing_trauma", ...)
   become one objective. The most urgent member leads (earliest target date, then file order): its id, title,
   need area, owner and measure stay; the others' words (`merge_text`, else their action) follow its action as
   one paragraph; the target date is the earliest; `because` and the referral needs are the union; the
   others' rule ids are kept in `merged_from`, so a saved plan knows what its objective already covers.
2. `shortlist` — at most `PLAN_LIMIT` live objectives form the plan, most urgent first. The officer's own,
   accepted or changed objectives always stay; untouched suggestions fill the places left; the rest are
   "also suggested", for the officer to promote. Objectives the officer set aside stay listed, and take no
   place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from oasys_diversity.model import Objective

PLAN_LIMIT = 8


@dataclass
class Member:
    """One suggestion that may join a merge group: the objective, its rule's place in the files, its group,
    its words when it joins another, and the referral needs it brings (each with the answers behind it)."""

    objective: Objective
    position: int
    group: str | None
    part: str
    needs: dict[str, list[str]]


def urgency(objective: Objective, position: int) -> tuple[date, int]:
    """Sooner first (same-day safety, then days, then months); ties keep the order of the rule files."""
    return (objective.target_date, position)


def merge(members: list[Member]) -> list[Member]:
    """One member per merge group (members without a group stand alone), in the order given."""
    groups: dict[str, list[Member]] = {}
    for member in members:
        if member.group is not None:
            groups.setdefault(member.group, []).append(member)
    merged: list[Member] = []
    for member in members:
        if member.group is None:
            merged.append(member)
        elif groups[member.group][0] is member:
            merged.append(_join(groups[member.group]))
    return merged


def _join(members: list[Member]) -> Member:
    if len(members) == 1:
        return members[0]
    ordered = sorted(members, key=lambda m: urgency(m.objective, m.position))
    lead, rest = ordered[0], ordered[1:]
    action = join_sentences([lead.objective.action] + [m.part for m in rest])
    because = list(dict.fromkeys(q for m in ordered for q in m.objective.because))
    objective = lead.objective.model_copy(
        update={
            "action": action,
            "target_date": min(m.objective.target_date for m in ordered),
            "because": because,
            "merged_from": [m.objective.id for m in rest],
        }
    )
    return Member(
        objective=objective,
        position=lead.position,
        group=lead.group,
        part=lead.part,
        needs=_union_needs(ordered),
    )


def _union_needs(members: list[Member]) -> dict[str, list[str]]:
    needs: dict[str, list[str]] = {}
    for member in members:
        for need, because in member.needs.items():
            needs[need] = list(dict.fromkeys(needs.get(need, []) + because))
    return needs


def join_sentences(pieces: list[str]) -> str:
    """Pieces of text as one paragraph: single spaces, each piece ending its sentence."""
    out: list[str] = []
    for piece in pieces:
        text = " ".join(piece.split())
        if not text:
            continue
        if text[-1] not in '.!?"\u201d':
            text += "."
        out.append(text)
    return " ".join(out)


def shortlist(
    objectives: list[tuple[Objective, int]], limit: int = PLAN_LIMIT
) -> tuple[list[Objective], list[Objective]]:
    """(the plan, also suggested): each list most urgent first. `objectives` pairs each with its position
    in the rule files (the officer's own come after every rule)."""
    ordered = [o for o, _ in sorted(objectives, key=lambda pair: urgency(*pair))]
    # Anything the officer did or recorded (accepted, changed, added, even only the person's view) stays.
    kept = [o for o in ordered if o.kept_by_officer and not o.declined]
    room = max(limit - len(kept), 0)
    suggested = [o for o in ordered if not o.kept_by_officer]
    chosen = {id(o) for o in kept + suggested[:room]}
    plan = [o for o in ordered if id(o) in chosen or o.state == "declined"]
    return plan, suggested[room:]
