"""Importing a newer copy of a feed into the local directory without losing the officer's work.

Entries are matched by id. What the feed says (names, descriptions, contact details, areas, languages,
status) is updated from the feed; what the officer added locally is kept: need tags and areas they added,
their note, their own contact line, the faith and community a service is rooted in, and the date they last
checked the entry (the later of theirs and the feed's). A service gone from its feed is marked withdrawn,
never deleted, so a plan that referred to it still reads true; it is never suggested again unless it comes
back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from oasys_diversity.directory import Directory, Service


@dataclass
class MergeReport:
    feed: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.unchanged)} unchanged, "
            f"{len(self.withdrawn)} withdrawn" + (f", {len(self.returned)} back in the feed" if self.returned else "")
        )


def _union(first: list[str], second: list[str]) -> list[str]:
    return first + [item for item in second if item not in first]


def _later(first: date | None, second: date | None) -> date | None:
    dates = [d for d in (first, second) if d is not None]
    return max(dates) if dates else None


def _keep_local(old: Service, new: Service) -> Service:
    """The feed's version of an entry with the officer's local work carried over."""
    return new.model_copy(
        update={
            "needs": _union(new.needs, old.needs),
            "service_areas": _union(new.service_areas, old.service_areas),
            "languages": _union(new.languages, old.languages),
            "genders": _union(new.genders, old.genders),
            "faiths": _union(new.faiths, old.faiths),
            "communities": _union(new.communities, old.communities),
            "community_only": new.community_only or old.community_only,
            "contact": old.contact or new.contact,
            "local_note": old.local_note,
            "assured_date": _later(old.assured_date, new.assured_date),
            "withdrawn_on": None,
        }
    )


def merge_feed(base: Directory, incoming: Directory, feed: str, today: date) -> tuple[Directory, MergeReport]:
    """`base` with `incoming` (everything one feed publishes now) merged in; see the module docstring."""
    report = MergeReport(feed=feed)
    organizations = {o.id: o for o in base.organizations}
    organizations.update({o.id: o for o in incoming.organizations})
    services = {s.id: s for s in base.services}
    arriving = {s.id for s in incoming.services}
    for new in incoming.services:
        new = new.model_copy(update={"feed": feed})
        old = services.get(new.id)
        if old is None:
            services[new.id] = new
            report.added.append(new.id)
            continue
        merged = _keep_local(old, new)
        if old.withdrawn_on is not None:
            report.returned.append(new.id)
        if merged.model_dump() == old.model_dump():
            report.unchanged.append(new.id)
        else:
            report.changed.append(new.id)
        services[new.id] = merged
    for service_id, old in list(services.items()):
        if old.feed == feed and service_id not in arriving and old.withdrawn_on is None:
            services[service_id] = old.model_copy(update={"withdrawn_on": today})
            report.withdrawn.append(service_id)
    merged_directory = Directory(
        note=base.note, organizations=list(organizations.values()), services=list(services.values())
    )
    return merged_directory, report
