"""Who the clinician's documents are about: the person's name, date of birth and the
identifier their clinic gave them, each optional.

They are printed on the report and the routine sheet and put in the FHIR Patient, so
a clinic can file them, and shown nowhere else. Pure: the rules for what can be
stored; today's date comes in as an argument.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

NAME_LIMIT = 120
CLINIC_ID_LIMIT = 64
EARLIEST_BIRTH = date(1900, 1, 1)
# Characters that break a line or are invisible controls: a name is one line of text.
CONTROL = frozenset({"Cc", "Zl", "Zp"})


@dataclass(frozen=True)
class Profile:
    """What the person chose to give; None for what they did not."""

    name: str | None = None
    birth_date: date | None = None
    clinic_id: str | None = None

    @property
    def given(self) -> bool:
        return any(v is not None for v in (self.name, self.birth_date, self.clinic_id))

    def problems(self, today: date) -> list[tuple[str, str]]:
        """(field, message) for everything that cannot be stored, all at once."""
        out: list[tuple[str, str]] = []
        if self.name is not None:
            out += _text_problems("name", self.name, "the name", NAME_LIMIT)
        if self.birth_date is not None:
            if self.birth_date > today:
                out.append(
                    (
                        "birth_date",
                        f"{self.birth_date.isoformat()} is in the future; give your date "
                        "of birth as YYYY-MM-DD, e.g. 1974-05-02",
                    )
                )
            elif self.birth_date < EARLIEST_BIRTH:
                out.append(
                    (
                        "birth_date",
                        f"{self.birth_date.isoformat()} is before 1900; check the year "
                        "(YYYY-MM-DD, e.g. 1974-05-02)",
                    )
                )
        if self.clinic_id is not None:
            out += _text_problems("clinic_id", self.clinic_id, "the identifier", CLINIC_ID_LIMIT)
        return out


def _text_problems(field: str, text: str, what: str, limit: int) -> list[tuple[str, str]]:
    out = []
    control = next((i for i, c in enumerate(text) if unicodedata.category(c) in CONTROL), None)
    if control is not None:
        out.append(
            (
                field,
                f"{what} has a control character (such as a tab or a line break) at "
                f"character {control + 1}; type it as one line of plain text",
            )
        )
    if len(text) > limit:
        out.append((field, f"{what} has {len(text)} characters; keep it to {limit}"))
    return out
