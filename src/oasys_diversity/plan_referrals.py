"""Referrals short enough to go through in one session: the few services the person hears, tied to the
objectives in the plan, and the rest listed apart.

Each need of the plan is matched in the directory (up to two services each, `directory.match_services`). Of
all the services found, at most `REFERRAL_LIMIT` are suggested in the plan:

1. one for each objective in the plan, most urgent objective first (so every objective the person hears about
   has its service, before any objective gets a second one); then the plan's other needs, in the same order.
   A need a guard insists on that no objective carries counts as one more objective, after the plan's;
2. for each need, the best-fitting service: one a region has checked before a shipped example, recently
   checked before stale, then the one that fits most of what the person told us (their area, their language,
   a service for their gender, their community, their faith: `directory.service_fits`), then the one that
   answers most of the plan's needs still without a service;
3. a need already answered by a chosen service, or by one the officer accepted, gets no other.

The officer's decisions stay as they were: an accepted referral takes a place (so untouched suggestions fill
the places left), a declined one is listed and takes none. Every other service found is a "further service"
(`Plan.further_referrals`): the second match for a need, needs beyond the limit, and the services for the
also-suggested objectives, each naming the objectives it serves, for the officer to bring in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from oasys_diversity.directory import Directory, PersonFacts, Service, is_stale, match_services, service_fits
from oasys_diversity.model import Referral

REFERRAL_LIMIT = 6


@dataclass
class Ask:
    """One referral need: the answers behind it, the objectives carrying it (plan first, most urgent first, then
    the also-suggested ones), and whether the plan itself asks for it (an objective in the plan carries it, or
    a guard insists on it)."""

    need: str
    because: list[str]
    objectives: list[str] = field(default_factory=list)
    in_plan: bool = True


@dataclass
class Chosen:
    """The plan's referrals (officer's decisions and the suggestions chosen), the further services, and the
    plan's needs the directory cannot serve."""

    referrals: list[Referral]
    further: list[Referral]
    unserved: list[str]


def choose_referrals(
    asks: list[Ask],
    order: list[str],
    directory: Directory,
    person: PersonFacts,
    today: date,
    kept: dict[str, Referral],
    limit: int = REFERRAL_LIMIT,
) -> Chosen:
    """`order` is every objective id, the plan's first (most urgent first), then the also-suggested ones;
    `kept` the previous plan's referrals the officer accepted or declined (kept exactly)."""
    found: dict[str, Referral] = {}
    services: dict[str, Service] = {}
    options: dict[str, list[str]] = {}
    unserved: list[str] = []
    for ask in asks:
        matched = match_services(directory, ask.need, person)
        options[ask.need] = [s.id for s in matched]
        if not matched and ask.in_plan:
            unserved.append(ask.need)
        for service in matched:
            services[service.id] = service
            referral = found.setdefault(service.id, _referral(service, directory, person, today))
            referral.needs.append(ask.need)
            referral.because = list(dict.fromkeys(referral.because + ask.because))
            referral.for_objectives = list(dict.fromkeys(referral.for_objectives + ask.objectives))

    rank = objective_rank(order)
    # Officer's decisions first: what they accepted answers its needs; what they declined answers none.
    decided = [_refreshed(r, found.get(r.id)) for r in kept.values()]
    covered = {need for r in decided if r.state == "accepted" for need in r.needs}
    room = max(limit - sum(r.state == "accepted" for r in decided), 0)
    plan_asks = [a for a in asks if a.in_plan]
    wanted = {a.need for a in plan_asks}
    # Each objective's needs (a need only a guard asks for is its own group), in the plan's order.
    groups: dict[str, list[Ask]] = {}
    for ask in plan_asks:
        groups.setdefault(ask.objectives[0] if ask.objectives else f"guard:{ask.need}", []).append(ask)
    taken: list[str] = []

    def pick(ask: Ask) -> bool:
        free = [sid for sid in options[ask.need] if sid not in taken and sid not in kept]
        if ask.need in covered or not free or len(taken) >= room:
            return False
        still = wanted - covered

        def fit(service_id: str) -> tuple[int, ...]:
            referral = found[service_id]
            return (
                int(directory.is_example(services[service_id])),
                int(referral.stale),
                -len(referral.fits),
                -len(still & set(referral.needs)),
                options[ask.need].index(service_id),
            )

        best = min(free, key=fit)
        taken.append(best)
        covered.update(found[best].needs)
        return True

    # First pass: one service for each objective that has none yet; second: the plan's other needs.
    for group in groups.values():
        if any(a.need in covered for a in group):
            continue
        for ask in group:
            if pick(ask):
                break
    for ask in plan_asks:
        pick(ask)

    chosen = [found[sid] for sid in taken]
    # The plan's referrals in the order of the objectives they serve (ties: the order chosen).
    in_plan = sorted(decided + chosen, key=rank)
    others = [r for sid, r in found.items() if sid not in taken and sid not in kept]
    further = sorted(
        others,
        key=lambda r: (
            rank(r),
            int(directory.is_example(services[r.id])),
            int(r.stale),
            -len(r.fits),
        ),
    )
    return Chosen(referrals=in_plan, further=further, unserved=unserved)


def objective_rank(order: list[str]) -> Callable[[Referral], int]:
    """A referral's place: that of the most urgent objective it serves (`order`: every objective id, the
    plan's first); a need only a guard asks for comes after every objective."""
    place = {objective_id: index for index, objective_id in enumerate(order)}
    lone = len(order)

    def rank(referral: Referral) -> int:
        return min((place.get(o, lone) for o in referral.for_objectives), default=lone)

    return rank


def _referral(service: Service, directory: Directory, person: PersonFacts, today: date) -> Referral:
    return Referral(
        id=service.id,
        organisation=directory.organisation_name(service),
        service=service.name,
        assured_date=service.assured_date,
        stale=is_stale(service, today),
        how_to_refer=service.application_process,
        contact=service.contact_text(),
        fits=service_fits(service, person),
    )


def _refreshed(decided: Referral, found: Referral | None) -> Referral:
    """The officer's referral as they left it, with today's facts about whom it serves, when the directory
    still matches it."""
    if found is None:
        return decided
    return decided.model_copy(update={"for_objectives": list(found.for_objectives), "fits": list(found.fits)})
