"""JSON: the assessment interchange file (`oasys-diversity/assessment@1`), plus the plan and a summary.

The interchange keys are exactly what `interchange.assessment_to_dict` writes, so the file imports again
unchanged; `plan` (as `planner.plan_to_json` writes it) and `summary` are extra keys the importer ignores
and other tools can read.
"""

from __future__ import annotations

import json
from typing import Any

from oasys_diversity.export.summary import DomainSummary, Summary


def to_dict(summary: Summary) -> dict[str, Any]:
    from oasys_diversity.interchange import assessment_to_dict
    from oasys_diversity.planner import plan_to_json

    document = assessment_to_dict(summary.assessment)
    # The same plan shape as `oasys-diversity plan --format json`; `planner.plan_from_json` reads it back.
    document["plan"] = plan_to_json(summary.plan)
    document["summary"] = {
        "redacted": summary.redacted,
        "banner": summary.banner,
        "plan_suggested": summary.plan_suggested,
        "agreement": summary.plan.agreement,
        "domains": [_domain(section) for section in summary.domains],
    }
    return document


def _domain(section: DomainSummary) -> dict[str, Any]:
    if section.nothing_discussed:
        status, label = "not_yet_discussed", "Not yet discussed"
    elif section.not_discussed:
        status, label = "partly_discussed", "Partly discussed"
    else:
        status, label = "discussed", "Discussed"
    return {
        "id": section.id,
        "title": section.title,
        "status": status,
        "status_label": label,
        "answered": [i.question_id for i in section.answered],
        "declined": [i.question_id for i in section.declined],
        "not_applicable": [i.question_id for i in section.not_applicable],
        "not_yet_discussed": [i.question_id for i in section.not_discussed],
    }


def render(summary: Summary) -> str:
    return json.dumps(to_dict(summary), indent=2, ensure_ascii=False) + "\n"
