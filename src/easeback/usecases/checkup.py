"""Recording a safety check, whichever shell asked it: the answer to "has the pain
settled?" and the red-flag answers. The rules stay in core/screening.py; the asking
and the words stay in the shells."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from easeback.core.screening import Assessment, Gate

# Why a screening was asked, as stored: due by the rules, or the person's own choice.
SCREENING_REASONS = {
    "consent": "first-use",
    "first": "first-use",
    "30-days": "30-days",
    "pain": "pain",
}


def record_settled(engine: Engine, settled: bool, *, at: datetime, zone: str) -> bool:
    """Store whether the pain from the last session has settled; True when pain has
    stopped a session twice within 7 days (time for a word with a clinician)."""
    from easeback.core.screening import repeated_pain
    from easeback.store.safety import pain_event_times, record_followup

    record_followup(
        engine, at=at, zone=zone, kind="settled", session_id=None, settled=settled, step_back=False
    )
    return settled and repeated_pain(pain_event_times(engine), at)


def record_answers(
    engine: Engine, answers: dict[str, bool], before: Gate, *, at: datetime, zone: str
) -> Assessment:
    """Assess and store a full set of red-flag answers (``assess`` refuses partial ones)."""
    from easeback.core.screening import assess
    from easeback.store.safety import record_screening

    result = assess(answers)
    reason = SCREENING_REASONS.get(before.reason or "", "symptoms")
    record_screening(engine, answers=answers, result=result, reason=reason, at=at, zone=zone)
    return result
