"""Retention: which cases have been left untouched longer than the service keeps them.

The period is a setting: the environment variable `OASYS_DIVERSITY_RETENTION_MONTHS` (whole months),
24 months when it is not set. `cases retention --older-than DAYS` or `--months N` overrides it for one run.

A case is "untouched" since the later of its last change (`updated_at`: an answer, its details, its
plan) and the last time it was opened or exported (the access log): a case an officer still reads is
still in use. Erasing is `store.erase_case`, one case at a time, each recorded with the reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

RETENTION_SETTING = "OASYS_DIVERSITY_RETENTION_MONTHS"
DEFAULT_RETENTION_MONTHS = 24


class RetentionError(Exception):
    """A setting or option that cannot be used, in one line."""


@dataclass(frozen=True)
class StaleCase:
    id: int
    reference: str
    last_touched: datetime


def retention_months(environ: dict[str, str] | None = None) -> int:
    """The configured period in months: `OASYS_DIVERSITY_RETENTION_MONTHS`, else 24."""
    text = (environ if environ is not None else os.environ).get(RETENTION_SETTING, "").strip()
    if not text:
        return DEFAULT_RETENTION_MONTHS
    try:
        months = int(text)
    except ValueError:
        raise RetentionError(f"{RETENTION_SETTING} must be a whole number of months, not {text!r}") from None
    if not 1 <= months <= 1200:
        raise RetentionError(f"{RETENTION_SETTING} must be between 1 and 1200 months, not {months}")
    return months


def months_before(moment: datetime, months: int) -> datetime:
    """The same day `months` calendar months earlier (the month's last day when that day does not exist)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    if year < 1:
        raise RetentionError(f"{months} months is further back than the calendar goes")
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def cutoff(now: datetime, *, days: int | None = None, months: int | None = None) -> datetime:
    """Cases untouched since before this moment are due. Neither given: the configured months."""
    if days is not None and months is not None:
        raise RetentionError("give --older-than DAYS or --months N, not both")
    if days is not None:
        if days < 0:
            raise RetentionError("--older-than needs a number of days of 0 or more")
        return now - timedelta(days=days)
    chosen = retention_months() if months is None else months
    if chosen < 0:
        raise RetentionError("--months needs a number of months of 0 or more")
    return months_before(now, chosen)


def stale_cases(db: Any, before: datetime) -> list[StaleCase]:
    """Cases neither changed nor opened nor exported since `before`, least recently touched first."""
    limit = before.astimezone(UTC).isoformat(timespec="microseconds")
    rows = db.execute(
        "SELECT id, reference, last_touched FROM ("
        "  SELECT c.id, c.reference, max(c.updated_at, coalesce(("
        "    SELECT max(a.at) FROM access_log a"
        "    WHERE a.case_id = c.id AND a.action IN ('opened', 'exported')), '')) AS last_touched"
        "  FROM cases c"
        ") WHERE last_touched < ? ORDER BY last_touched, id",
        [limit],
    ).fetchall()
    return [StaleCase(row[0], row[1], datetime.fromisoformat(row[2])) for row in rows]
