"""Reading diary input from text, as the terminal and the web forms get it: a 0-10
score, a free note, and the list of PSFS activities. One set of rules for every
shell; each shell words its own messages around them."""

from __future__ import annotations

from typing import Literal

NOTE_LIMIT = 2000
NAME_LIMIT = 120
SCORE_MAX = 10
PSFS_MIN, PSFS_MAX = 3, 5


def parse_score(text: str) -> int | None:
    """A whole number 0-10 written with ASCII digits ('²' and '٣' are not), else None."""
    text = text.strip()
    if text.isascii() and text.isdigit() and int(text) <= SCORE_MAX:
        return int(text)
    return None


def clean_note(text: str) -> str:
    """The note without control characters (tabs and new lines stay), trimmed."""
    return "".join(c for c in text if c in "\t\n" or (c >= " " and c != "\x7f")).strip()


ActivitiesProblem = tuple[Literal["count", "long", "twice"], str]


def activities_problem(names: list[str]) -> ActivitiesProblem | None:
    """What is wrong with a list of PSFS activities, as (kind, words), or None."""
    if not PSFS_MIN <= len(names) <= PSFS_MAX:
        return "count", (
            f"{len(names)} given; name {PSFS_MIN} to {PSFS_MAX} activities your back makes hard"
        )
    long = next((n for n in names if len(n) > NAME_LIMIT), None)
    if long is not None:
        return "long", f"{long[:30]!r}... is too long; keep each to {NAME_LIMIT} characters"
    if len({n.lower() for n in names}) != len(names):
        return "twice", "an activity is named twice; give each once"
    return None
