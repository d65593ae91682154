"""The trainer's view: a cohort summary from several trainees' feedback files (JSON), with no trainee's words.

Only scenario ids, criterion ids, scores and whether each criterion was fully met are read; the checks' own
lines are never copied, so nothing a trainee typed can reach the summary.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel

from oasys_diversity.feedback import CRITERION_INFO, FEEDBACK_FORMAT, PRACTICE_BANNER
from oasys_diversity.scenario import CRITERIA

# Scenario ids are file names ("no-right-to-work"); anything else in a file is counted as "unknown".
SCENARIO_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,60}$")


class CohortError(Exception):
    """A feedback file could not be read. Names the file, never its contents."""


class CriterionRow(BaseModel):
    scenario: str  # a scenario id, or "all"
    criterion: str
    runs: int  # runs in which the criterion applied
    missed: int  # runs in which it was not fully met
    mean_score: int


class Cohort(BaseModel):
    runs: int
    scenarios: dict[str, int]  # runs per scenario
    overall_mean: int
    rows: list[CriterionRow]

    def most_missed(self, scenario: str = "all") -> list[CriterionRow]:
        rows = [r for r in self.rows if r.scenario == scenario and r.missed]
        return sorted(rows, key=lambda r: (-r.missed / r.runs, -r.missed, CRITERIA.index(r.criterion)))


def read_feedback_file(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CohortError(f"{path}: cannot read it as JSON ({error.__class__.__name__})") from None
    if not isinstance(data, dict) or data.get("format") != FEEDBACK_FORMAT:
        raise CohortError(f"{path}: not a practice feedback file ({FEEDBACK_FORMAT})")
    return data


def build_cohort(runs: list[dict]) -> Cohort:
    scores: dict[tuple[str, str], list[int]] = defaultdict(list)
    per_scenario: dict[str, int] = defaultdict(int)
    overall: list[int] = []
    for run in runs:
        scenario = str(run.get("scenario", ""))
        scenario = scenario if SCENARIO_ID.match(scenario) else "unknown"
        per_scenario[scenario] += 1
        overall.append(int(run.get("overall", 0)))
        for criterion in run.get("criteria", []):
            cid, score = criterion.get("id"), criterion.get("score")
            if cid in CRITERIA and isinstance(score, int):
                scores[(scenario, cid)].append(score)
                scores[("all", cid)].append(score)
    rows = [
        CriterionRow(
            scenario=scenario,
            criterion=cid,
            runs=len(found),
            missed=sum(1 for s in found if s < 100),
            mean_score=round(sum(found) / len(found)),
        )
        for (scenario, cid), found in sorted(
            scores.items(), key=lambda i: (i[0][0] != "all", i[0][0], CRITERIA.index(i[0][1]))
        )
    ]
    return Cohort(
        runs=len(runs),
        scenarios=dict(sorted(per_scenario.items())),
        overall_mean=round(sum(overall) / len(overall)) if overall else 0,
        rows=rows,
    )


def cohort_markdown(cohort: Cohort) -> str:
    out = [f"**{PRACTICE_BANNER}**", "", "# Practice cohort summary", ""]
    out += [f"{cohort.runs} practice run(s); mean overall score {cohort.overall_mean}%.", ""]
    out += [
        "## Criteria missed most (all scenarios)",
        "",
        "| Criterion | Runs | Missed | Mean score |",
        "|---|---|---|---|",
    ]
    out += [
        f"| {CRITERION_INFO[r.criterion][0]} | {r.runs} | {r.missed} | {r.mean_score}% |" for r in cohort.most_missed()
    ]
    out.append("")
    for scenario, count in cohort.scenarios.items():
        out += [f"## Scenario `{scenario}` ({count} run(s))", ""]
        missed = cohort.most_missed(scenario)
        if not missed:
            out += ["Every criterion met in every run.", ""]
            continue
        out += ["| Criterion | Runs | Missed | Mean score |", "|---|---|---|---|"]
        out += [f"| {CRITERION_INFO[r.criterion][0]} | {r.runs} | {r.missed} | {r.mean_score}% |" for r in missed]
        out.append("")
    out += ["---", "", f"**{PRACTICE_BANNER}**", ""]
    return "\n".join(out)


def cohort_csv(cohort: Cohort) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["scenario", "criterion", "runs", "missed", "mean_score"])
    for row in cohort.rows:
        writer.writerow([row.scenario, row.criterion, row.runs, row.missed, row.mean_score])
    return buffer.getvalue()
